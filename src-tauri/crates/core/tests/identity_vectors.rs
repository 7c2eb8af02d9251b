//! Every vector of `tests/fixtures/identity-v1.json` (the repository's copy of the shared vectors): canonical
//! strings, hashes and error messages must match exactly.

use serde_json::Value as Json;
use std::collections::BTreeSet;
use syncflow_core::identity::{self, bk_hash_of, data_hash_of, Exclusions};
use syncflow_core::value::{Row, Value};

fn vectors() -> Json {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../tests/fixtures/identity-v1.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("vector file")).expect("vector JSON")
}

/// Decodes the vector file's encodings of values JSON cannot hold: `{"$float": "nan"}`, `{"$int": "…"}`.
fn value(v: &Json) -> Value {
    if let Some(o) = v.as_object() {
        if let Some(f) = o.get("$float").and_then(Json::as_str) {
            return Value::Float(f.parse().expect("float word"));
        }
        if let Some(i) = o.get("$int").and_then(Json::as_str) {
            return i
                .parse()
                .map(Value::Int)
                .unwrap_or_else(|_| Value::Decimal(i.into()));
        }
    }
    Value::from_json(v.clone())
}

fn row(v: &Json) -> Row {
    let mut r = Row::new();
    for (k, x) in v.as_object().expect("record object") {
        r.push(k.as_str().into(), value(x));
    }
    r
}

fn strings(v: &Json) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn reproduces_every_bk_hash_vector() {
    let all = vectors();
    let cases = all["bk_hash"].as_array().unwrap();
    assert!(cases.len() >= 28);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let got = identity::bk_canonical(
            &row(&case["record"]),
            &strings(&case["business_key_fields"]),
            case["entity_name"].as_str(),
        );
        match case.get("error") {
            Some(err) => assert_eq!(
                got.map_err(|e| e.to_string()),
                Err(err.as_str().unwrap().to_owned()),
                "{name}"
            ),
            None => {
                let canonical = got.unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(canonical, case["canonical"].as_str().unwrap(), "{name}");
                assert_eq!(
                    bk_hash_of(&canonical).to_string(),
                    case["bk_hash"].as_str().unwrap(),
                    "{name}"
                );
            }
        }
    }
}

#[test]
fn reproduces_every_data_hash_vector() {
    let all = vectors();
    let cases = all["data_hash"].as_array().unwrap();
    assert!(cases.len() >= 18);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let exclusions = match case["exclude_fields"].as_array() {
            None => Exclusions::Default,
            Some(list) => Exclusions::Only(
                list.iter()
                    .map(|s| s.as_str().unwrap().to_owned())
                    .collect::<BTreeSet<_>>(),
            ),
        };
        let canonical = identity::data_canonical(
            &row(&case["row"]),
            case["rowversion_field"].as_str(),
            &exclusions,
        );
        assert_eq!(canonical, case["canonical"].as_str().unwrap(), "{name}");
        assert_eq!(
            data_hash_of(&canonical).to_string(),
            case["data_hash"].as_str().unwrap(),
            "{name}"
        );
    }
}

#[test]
fn reproduces_every_ref_str_vector() {
    let all = vectors();
    for case in all["ref_str"].as_array().unwrap() {
        let got = identity::erp_ref_str(
            &row(&case["record"]),
            &strings(&case["business_key_fields"]),
        );
        assert_eq!(got, case["ref_str"].as_str().unwrap());
    }
}
