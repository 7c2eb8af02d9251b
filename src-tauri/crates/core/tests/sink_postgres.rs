//! The PostgreSQL sink alone against a real server: quoted identifiers (a keyword, a space, a quote), exact big
//! numbers, one refused value among good rows (field and value named, the others loaded, nothing cut), deletes
//! that mark rows and an undelete when the row comes back, lookups by key hash, and the connection check.

mod pg_server;

use pg_server::PgServer;
use syncflow_core::secrets::Secret;
use syncflow_core::sink::postgres::{PgError, PgSettings, PostgresSink, TableSpec};
use syncflow_core::sink::schedulehub::Outgoing;

fn settings(pg: &PgServer, password: &str) -> PgSettings {
    PgSettings::new(
        "wh",
        &pg.url(),
        Some(pg_server::USER),
        Some(Secret::new(password)),
        None,
    )
    .unwrap()
}

fn spec() -> TableSpec {
    TableSpec {
        schema: "public".into(),
        table: "Order_Lines".into(),
        columns: vec![
            ("ORDER".into(), "varchar(12)".into()),
            ("line no".into(), "numeric(5)".into()),
            ("qty\"x".into(), "numeric(30,10)".into()),
            ("note".into(), "varchar(5)".into()),
            ("shipped".into(), "timestamp".into()),
        ],
        business_keys: vec!["ORDER".into(), "line no".into()],
    }
}

fn record(order: &str, line: u32, qty: &str, note: &str, data: &str) -> Outgoing {
    let key = format!("{order:0>16}{line:0>16}");
    let json = format!(
        r#"{{"ORDER":"{order}","line no":{line},"qty\"x":{qty},"note":"{note}","shipped":"2025-03-01T10:00:00+03:00","erp_key_hash":"{key}","erp_data_hash":"{data}","erp_rowversion":"7","erp_ref_str":"ORDER={order}"}}"#
    );
    Outgoing {
        erp_key_hash: key,
        json: serde_json::value::RawValue::from_string(json).unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sink_loads_marks_deleted_undeletes_and_names_a_refused_value() {
    let pg = PgServer::start();
    let c = pg.client().await;
    let sink = PostgresSink::for_table(
        settings(&pg, pg_server::PASSWORD),
        spec(),
        Box::new(|| None),
    );
    let big = "12345678901234567890.0123456789";
    let first = sink
        .upsert(vec![
            (None, record("SELECT", 1, big, "ok", "d1")),
            (None, record("SELECT", 2, "1e-7", "toolong", "d2")),
            (None, record("B", 1, "0.5", "fine", "d3")),
        ])
        .await
        .unwrap();
    assert_eq!(first.ids.len(), 2, "the good rows of the page landed");
    let refused = first.refused.values().next().expect("one refusal");
    assert_eq!(
        (refused.field.as_deref(), refused.value.as_deref()),
        (Some("note"), Some("toolong"))
    );
    assert!(
        refused.message.contains("'toolong'") && refused.message.contains("character varying(5)"),
        "{}",
        refused.message
    );
    let row = c
        .query_one(
            r#"SELECT "qty""x"::text, "shipped"::text, _bridge_deleted FROM "Order_Lines" WHERE "ORDER" = 'SELECT' AND "line no" = 1"#,
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        row.get::<_, String>(0),
        big,
        "28 significant digits, exactly"
    );
    assert_eq!(
        row.get::<_, String>(1),
        "2025-03-01 07:00:00",
        "a value with an offset is stored in UTC"
    );
    assert!(!row.get::<_, bool>(2));

    // Deleted, then back in the source: the same row, undeleted, same id.
    let id = first.ids.values().next().unwrap().clone();
    let key = first
        .ids
        .iter()
        .find(|(_, v)| **v == id)
        .map(|(k, _)| k.clone())
        .unwrap();
    let found = sink
        .find("Order_Lines", std::slice::from_ref(&key))
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].uid.as_deref(), Some(id.as_str()));
    assert_eq!(
        sink.mark_deleted(std::slice::from_ref(&id)).await.unwrap(),
        1
    );
    assert_eq!(
        sink.mark_deleted(std::slice::from_ref(&id)).await.unwrap(),
        0,
        "deleting again changes nothing"
    );
    assert!(
        sink.find("Order_Lines", std::slice::from_ref(&key))
            .await
            .unwrap()
            .is_empty(),
        "a deleted row is not found"
    );
    let again = sink
        .upsert(vec![
            (None, record("SELECT", 1, big, "ok", "d1")),
            (None, record("B", 1, "0.5", "fine", "d3")),
        ])
        .await
        .unwrap();
    assert!(again.refused.is_empty());
    assert!(
        again.ids.values().any(|v| *v == id),
        "the row came back under its id"
    );
    let rows: i64 = c
        .query_one(
            r#"SELECT COUNT(*) FROM "Order_Lines" WHERE NOT _bridge_deleted"#,
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 2, "undeleted, and nothing duplicated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connection_check_logs_in_and_a_wrong_password_is_an_auth_error() {
    let pg = PgServer::start();
    let version = PostgresSink::new(settings(&pg, pg_server::PASSWORD))
        .check()
        .await
        .expect("logs in");
    assert!(
        version.chars().next().is_some_and(|c| c.is_ascii_digit()),
        "{version}"
    );
    let e = PostgresSink::new(settings(&pg, "wrong"))
        .check()
        .await
        .unwrap_err();
    assert!(
        matches!(e, PgError::Connect { auth: true, .. }),
        "a refused password is an auth error: {e}"
    );
    let mut missing = settings(&pg, pg_server::PASSWORD);
    missing.schema = "nowhere".into();
    let e = PostgresSink::new(missing).check().await.unwrap_err();
    assert!(e.to_string().contains("schema 'nowhere'"), "{e}");
}

/// A throwaway CA and a server certificate for `localhost` signed by it (PEM): (CA, server cert, server key).
fn certificates() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let srv_key = KeyPair::generate().unwrap();
    let srv = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    let srv_cert = srv.signed_by(&srv_key, &ca_cert, &ca_key).unwrap();
    (ca_cert.pem(), srv_cert.pem(), srv_key.serialize_pem())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_is_verified_against_the_connections_ca_and_an_unknown_certificate_is_refused() {
    let (ca, cert, key) = certificates();
    let pg = PgServer::start_tls(&cert, &key);
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca).unwrap();
    let tls = |url: String, ca: Option<std::path::PathBuf>| {
        PgSettings::new(
            "wh",
            &url,
            Some(pg_server::USER),
            Some(Secret::new(pg_server::PASSWORD)),
            ca,
        )
        .unwrap()
    };
    assert!(tls(pg.url_tls("localhost"), None).tls, "TLS is the default");
    PostgresSink::new(tls(pg.url_tls("localhost"), Some(ca_file.clone())))
        .check()
        .await
        .expect("TLS with the connection's CA");
    let unknown = PostgresSink::new(tls(pg.url_tls("localhost"), None))
        .check()
        .await
        .unwrap_err();
    assert!(
        matches!(unknown, PgError::Connect { auth: false, .. })
            && unknown.to_string().to_lowercase().contains("certificate"),
        "a certificate no trusted CA signed is refused: {unknown}"
    );
    let wrong_name = PostgresSink::new(tls(pg.url_tls("127.0.0.1"), Some(ca_file)))
        .check()
        .await
        .unwrap_err();
    assert!(
        wrong_name
            .to_string()
            .to_lowercase()
            .contains("certificate"),
        "a certificate for another name is refused: {wrong_name}"
    );
}
