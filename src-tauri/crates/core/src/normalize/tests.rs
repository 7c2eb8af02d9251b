//! The normalizer end to end: layers 1-5 together on whole rows.

use super::*;
use serde_json::{json, Map};

fn cols(spec: &[(&str, Option<&str>)]) -> Vec<ColumnDef> {
    spec.iter()
        .map(|(n, t)| ColumnDef {
            name: n.to_string(),
            data_type: t.map(Into::into),
            is_nullable: true,
            is_business_key: false,
            is_row_version: false,
        })
        .collect()
}

fn obj(v: serde_json::Value) -> Map<String, Json> {
    v.as_object().unwrap().clone()
}

fn required(src: &str, dst: &str) -> FieldMapping {
    FieldMapping {
        source_field: src.into(),
        target_field: dst.into(),
        transformation: Some("uppercase".into()),
        default_value: None,
        is_required: true,
    }
}

#[test]
fn normalizes_a_whole_row_in_column_order() {
    let n = Normalizer::new(
        &cols(&[
            ("ITEM_ID", Some("VARCHAR2(30)")),
            ("QTY", Some("NUMBER(10,2)")),
            ("DUE", Some("DATE")),
        ]),
        &[required("ITEM_ID", "item_id")],
        NormalizeOptions::default(),
    )
    .unwrap();
    let row = n
        .normalize(obj(
            json!({"QTY": "1,234.50", "DUE": "15/01/2025", "ITEM_ID": " ab-1 ", "X": "007"}),
        ))
        .unwrap();
    assert_eq!(
        row.to_json_string(),
        r#"{"item_id":"AB-1","QTY":1234.5,"DUE":"2025-01-15T00:00:00","X":"007"}"#
    );
}

#[test]
fn hands_back_the_untouched_raw_row_when_refusing_it() {
    let n = Normalizer::new(
        &cols(&[("QUANTITY", Some("NUMBER"))]),
        &[],
        NormalizeOptions::default(),
    )
    .unwrap();
    let raw = obj(json!({"QUANTITY": "12abc", "NOTE": "  keep me  "}));
    let rejected = n.normalize(raw.clone()).unwrap_err();
    assert_eq!(
        rejected.raw, raw,
        "the failed record must keep what APISmith sent"
    );
    assert_eq!(
        rejected.error.message,
        r#"QUANTITY: "12abc" is not a number"#
    );
}

#[test]
fn a_required_field_that_is_blank_text_fails_validation() {
    let n = Normalizer::new(
        &cols(&[("ITEM_ID", Some("VARCHAR2"))]),
        &[required("ITEM_ID", "item_id")],
        Default::default(),
    )
    .unwrap();
    let e = n
        .normalize(obj(json!({"ITEM_ID": "   "})))
        .unwrap_err()
        .error;
    assert_eq!(
        e.message, "Required field 'ITEM_ID' is missing or NULL",
        "blank text is NULL after layer 2"
    );
}

#[test]
fn layers_alone_give_the_same_row_as_the_fused_path() {
    let n = Normalizer::new(
        &cols(&[("A", Some("CHAR")), ("B", None), ("C", Some("NUMBER"))]),
        &[FieldMapping {
            source_field: "B".into(),
            target_field: "b".into(),
            transformation: Some("lowercase".into()),
            default_value: Some(json!(0)),
            is_required: false,
        }],
        Default::default(),
    )
    .unwrap();
    let raw = obj(json!({"C": "(5)", "A": "x  y", "B": "HeLLo", "Z": "10,000"}));
    let split = n.map_row(n.coerce_row(&raw).unwrap()).unwrap();
    let fused = n.normalize(raw).unwrap();
    assert_eq!(fused, split);
    assert_eq!(fused.get("Z"), Some(&Value::Int(10000)));
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn json_value() -> impl Strategy<Value = Json> {
        let leaf = prop_oneof![
            Just(Json::Null),
            any::<bool>().prop_map(Json::Bool),
            any::<i64>().prop_map(|i| json!(i)),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| json!(f)),
            "\\PC{0,12}".prop_map(Json::String),
            "[ \\t\\r\\n0-9,.$()eE+-]{0,10}".prop_map(Json::String),
        ];
        leaf.prop_recursive(2, 8, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Json::Array),
                prop::collection::btree_map("[a-z]{1,3}", inner, 0..3)
                    .prop_map(|m| Json::Object(m.into_iter().collect())),
            ]
        })
    }

    const TYPES: [Option<&str>; 7] = [
        None,
        Some("VARCHAR2(9)"),
        Some("NUMBER(9,2)"),
        Some("DATE"),
        Some("BOOLEAN"),
        Some("RAW(8)"),
        Some("XMLTYPE"),
    ];

    proptest! {
        #[test]
        fn normalization_never_panics_on_any_json_value(v in json_value(), t in 0..TYPES.len()) {
            let n = Normalizer::new(&cols(&[("F", TYPES[t])]), &[], Default::default()).unwrap();
            let raw: Map<String, Json> = [("F".to_string(), v)].into_iter().collect();
            match n.normalize(raw.clone()) {
                Ok(row) => prop_assert_eq!(row, n.coerce_row(&raw).unwrap()),
                Err(rej) => prop_assert_eq!(rej.raw, raw),
            }
        }

        /// The page path (one column plan per shape, `ShapePlan`) against the general path (`normalize`, which
        /// decides every field of every row by name): the same rows and the same refusals, with declared, undeclared
        /// and missing fields, mappings with transformations, defaults and required fields, and pages whose rows
        /// change shape.
        #[test]
        fn the_page_column_plan_gives_what_the_general_path_gives(
            types in prop::collection::vec(0..TYPES.len(), 4),
            maps in prop::collection::vec(
                (0..5usize, 0..3usize, 0..3usize, 0..3usize, any::<bool>()),
                0..4,
            ),
            shapes in prop::collection::vec(prop::sample::subsequence((0..6usize).collect::<Vec<_>>(), 0..=6).prop_shuffle(), 1..3),
            rows in prop::collection::vec(
                (0..2usize, prop::collection::vec(prop_oneof![
                    json_value(),
                    Just(json!("  a  b ")),
                    Just(json!("12,5")),
                    Just(json!(" 1,234.50 ")),
                    Just(json!("15/01/2025")),
                    Just(json!("0xAB")),
                    Just(json!("Y")),
                    Just(json!("  ")),
                    Just(json!(7)),
                    Just(json!(2.5)),
                ], 6)),
                1..8,
            ),
        ) {
            const NAMES: [&str; 6] = ["A", "B", "C", "D", "X", "Y"];
            let columns: Vec<(&str, Option<&str>)> =
                NAMES[..4].iter().zip(&types).map(|(n, &t)| (*n, TYPES[t])).collect();
            let mappings: Vec<FieldMapping> = maps
                .iter()
                .map(|&(src, dst, tr, default, required)| FieldMapping {
                    source_field: ["A", "B", "C", "X", "Y"][src].into(),
                    target_field: ["t1", "t2", "A"][dst].into(),
                    transformation: [None, Some("uppercase"), Some("trim")][tr].map(Into::into),
                    default_value: [None, Some(json!("dflt")), Some(json!(5))][default].clone(),
                    is_required: required,
                })
                .collect();
            let n = Normalizer::new(&cols(&columns), &mappings, Default::default()).unwrap();
            // Rows of one page share their names, as `RawPage` makes them.
            let names: Vec<FieldName> = NAMES.iter().map(|&k| Arc::from(k)).collect();
            let page: Vec<RawRow> = rows
                .iter()
                .map(|(shape, values)| {
                    shapes[shape % shapes.len()]
                        .iter()
                        .map(|&f| (names[f].clone(), values[f].clone()))
                        .collect()
                })
                .collect();
            let (mut paged, mut borrowing) = (n.page(), n.page());
            for raw in page {
                let want = n.normalize(raw.clone());
                prop_assert_eq!(
                    borrowing.normalize_ref(&raw),
                    want.clone().map_err(|r| r.error),
                    "{:?}", raw
                );
                prop_assert_eq!(paged.normalize(raw.clone()), want, "{:?}", raw);
            }
        }

        #[test]
        fn string_cleanup_is_idempotent(s in "\\PC{0,20}|[ \\t\\r\\n\\x00-\\x1f\\u{85}\\u{a0}\\u{3000}a-c]{0,20}") {
            if let Some(once) = layer2_strings::clean_owned(s) {
                prop_assert_eq!(layer2_strings::clean(&once), layer2_strings::Cleaned::Unchanged);
            }
        }
    }
}
