//! Pipes JSON lines through the built `syncflow-cli` binary, as a support engineer would.

use std::io::Write;
use std::process::{Command, Stdio};

fn run(args: &[&str], input: &str) -> (Vec<serde_json::Value>, String, bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_syncflow-cli"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start syncflow-cli");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("every output line is JSON"))
        .collect();
    (
        lines,
        String::from_utf8(out.stderr).unwrap(),
        out.status.success(),
        stdout,
    )
}

#[test]
fn hash_answers_every_line_and_reports_bad_lines_without_stopping() {
    let input = concat!(
        r#"{"row": {"item_number": "PART-12345"}, "business_key_fields": ["item_number"], "entity_name": "items"}"#,
        "\n",
        "this is not json\n",
        r#"{"row": {"item_id": "1", "site_id": null}, "business_key_fields": ["item_id", "site_id"]}"#,
        "\n"
    );
    let (lines, _, ok, _) = run(&["hash"], input);
    assert!(ok);
    assert_eq!(lines.len(), 3, "one answer per input line");
    // The expected hash is the "entity prefix" vector of identity-v1.json.
    assert_eq!(lines[0]["bk_hash"], "7bb2bf34c5dc0431d8ccef24b59c9fdd");
    assert_eq!(lines[0]["bk_canonical"], "items|item_number=PART-12345");
    assert_eq!(lines[0]["erp_ref_str"], "item_number=PART-12345");
    assert!(lines[1]["error"]
        .as_str()
        .unwrap()
        .starts_with("not a hash request"));
    assert_eq!(lines[2]["error"], "Business key field 'site_id' is NULL");
}

#[test]
fn normalize_applies_columns_and_mappings_and_names_the_bad_field() {
    let dir = tempfile::tempdir().unwrap();
    let columns = dir.path().join("columns.json");
    let mappings = dir.path().join("mappings.json");
    std::fs::write(
        &columns,
        r#"[{"name": "QUANTITY", "data_type": "NUMBER(38,10)"}, {"name": "DUE", "data_type": "DATE"},
            {"name": "ITEM_ID", "data_type": "VARCHAR2(30)"}]"#,
    )
    .unwrap();
    std::fs::write(
        &mappings,
        r#"[{"source_field": "ITEM_ID", "target_field": "item_id", "is_required": true}]"#,
    )
    .unwrap();
    let input = concat!(
        r#"{"row": {"QUANTITY": "1.234.567.890.123.456.789,5", "DUE": "31.12.2025", "ITEM_ID": " A1 "}}"#,
        "\n",
        r#"{"row": {"QUANTITY": "12abc", "ITEM_ID": "A2"}}"#,
        "\n",
        r#"{"row": {"QUANTITY": "1"}}"#,
        "\n",
        "[1,2]\n"
    );
    let args = [
        "normalize",
        "--columns",
        columns.to_str().unwrap(),
        "--mappings",
        mappings.to_str().unwrap(),
    ];
    let (lines, stderr, ok, raw) = run(&[&args[..], &["--decimal-separator", ","]].concat(), input);
    assert!(ok, "{stderr}");
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["row"]["item_id"], "A1");
    assert_eq!(lines[0]["row"]["DUE"], "2025-12-31T00:00:00");
    // 20 significant digits: a float would round them, so check the text as written.
    assert!(
        raw.lines()
            .next()
            .unwrap()
            .contains(r#""QUANTITY":1234567890123456789.5"#),
        "{raw}"
    );
    assert_eq!(
        lines[1]["error"]["message"],
        r#"QUANTITY: "12abc" is not a number"#
    );
    assert_eq!(lines[1]["error"]["stage"], "normalize");
    assert_eq!(
        lines[2]["error"]["message"],
        "Required field 'ITEM_ID' is missing or NULL"
    );
    assert_eq!(lines[3]["error"]["stage"], "input");
}

#[test]
fn normalize_writes_decimals_digit_for_digit() {
    let dir = tempfile::tempdir().unwrap();
    let columns = dir.path().join("columns.json");
    std::fs::write(&columns, r#"[{"name": "Q", "data_type": "NUMBER"}]"#).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_syncflow-cli"))
        .args(["normalize", "--columns", columns.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"{\"row\": {\"Q\": \"12345678901234567890123456789.123456789\"}}\n")
        .unwrap();
    let out = String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap();
    assert_eq!(
        out.trim(),
        r#"{"row":{"Q":12345678901234567890123456789.123456789}}"#
    );
}

#[test]
fn refuses_a_configuration_the_app_would_refuse() {
    let dir = tempfile::tempdir().unwrap();
    let columns = dir.path().join("columns.json");
    let mappings = dir.path().join("mappings.json");
    std::fs::write(&columns, r#"[{"name": "A"}, {"name": "B"}]"#).unwrap();
    std::fs::write(&mappings, r#"[{"source_field": "A", "target_field": "x"}, {"source_field": "B", "target_field": "x"}]"#)
        .unwrap();
    let (_, stderr, ok, _) = run(
        &[
            "normalize",
            "--columns",
            columns.to_str().unwrap(),
            "--mappings",
            mappings.to_str().unwrap(),
        ],
        "",
    );
    assert!(!ok);
    assert!(
        stderr.contains("Fields 'A' and 'B' are both mapped to target field 'x'"),
        "{stderr}"
    );
}

#[test]
fn help_explains_the_line_formats() {
    let out = Command::new(env!("CARGO_BIN_EXE_syncflow-cli"))
        .args(["hash", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(
        help.contains("business_key_fields") && help.contains("Example"),
        "{help}"
    );
}
