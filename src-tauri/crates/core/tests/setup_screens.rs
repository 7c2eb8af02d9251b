//! What the Connections, Entities and Field-mappings screens do underneath, against the real simulators over
//! loopback and a real SQLite file: credentials go to the secret store and never to the database, Test reports
//! reachability and the login, a connection in use is not deleted, bad settings are refused naming the field, the
//! preview runs real normalization and identity, fixing a mapping lets the failed rows be retried to resolved, and the
//! connection list reads each credential from the keychain at most once a session (none after a locked refusal).

mod pipeline_common;

use pipeline_common::*;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use syncflow_core::app::{RetrySelection, SyncFlow};
use syncflow_core::config::ConnectionDef;
use syncflow_core::error::{Coded, ErrorCode};
use syncflow_core::model::{AuthKind, ConnectionKind, RunStatus, Stage};
use syncflow_core::normalize::FieldMapping;
use syncflow_core::secrets::{MemoryStore, Secret, SecretError, SecretStore};
use syncflow_core::setup::CredentialState;
use syncflow_core::store::{connections, entities, Db};

const REQUIRED_DESCRIPTION: &str = r#"
[[entities.inventory_items.mappings]]
source = "DESCRIPTION"
target = "DESCRIPTION"
required = true
"#;

fn def(name: &str, url: &str) -> ConnectionDef {
    ConnectionDef {
        name: name.into(),
        kind: ConnectionKind::Apismith,
        base_url: url.into(),
        auth_kind: AuthKind::Password,
        username: Some("sync".into()),
        credential_key: None,
        secret_env: None,
        ca_file: None,
        decimal_separator: Default::default(),
        date_order: Default::default(),
        source_timezone: None,
    }
}

struct Fresh {
    app: SyncFlow,
    secrets: Arc<MemoryStore>,
    dir: tempfile::TempDir,
}

fn fresh() -> Fresh {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path().join("syncflow.db")).unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let app = SyncFlow::new(db, secrets.clone() as Arc<dyn SecretStore>);
    Fresh { app, secrets, dir }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_password_lives_in_the_secret_store_and_test_reports_the_login() {
    let h = harness(50, 0.0, "").await;
    let f = fresh();
    f.app
        .save_connection(
            def("erp", &h.sim.apismith_url),
            Some(Secret::new("sync-pass-7f3a")),
            false,
        )
        .unwrap();
    assert_eq!(
        f.secrets.get("connection:erp").unwrap().expose(),
        "sync-pass-7f3a",
        "the password is in the secret store under the connection's key"
    );
    let (_, stored) = connections::get_by_name(&f.app.db, "erp").unwrap();
    assert_eq!(stored.credential_key.as_deref(), Some("connection:erp"));
    assert_eq!(
        f.app.credential_state(&stored).unwrap(),
        CredentialState::Saved
    );
    drop(f.app.db.conn().unwrap());
    let mut on_disk = Vec::new();
    for entry in std::fs::read_dir(f.dir.path()).unwrap() {
        on_disk.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    assert!(
        !on_disk
            .windows(b"sync-pass-7f3a".len())
            .any(|w| w == b"sync-pass-7f3a"),
        "the password is nowhere in the database files"
    );

    // The simulator's password is "sync": the typed one is wrong, so the service is reachable but refuses it.
    let check = f.app.check_connection("erp").await.unwrap();
    assert!(check.reachable, "{check:?}");
    assert_eq!(check.authenticated, Some(false), "{check:?}");

    // Saving again without a secret keeps the stored one; with the right one the login succeeds.
    f.app
        .save_connection(def("erp", &h.sim.apismith_url), None, false)
        .unwrap();
    assert_eq!(
        f.secrets.get("connection:erp").unwrap().expose(),
        "sync-pass-7f3a"
    );
    f.app
        .save_connection(
            def("erp", &h.sim.apismith_url),
            Some(Secret::new("sync")),
            false,
        )
        .unwrap();
    let check = f.app.check_connection("erp").await.unwrap();
    assert_eq!(
        (check.reachable, check.authenticated),
        (true, Some(true)),
        "{check:?}"
    );

    // Adding a connection under a name that exists is refused: nothing is replaced.
    let e = f
        .app
        .save_connection(
            def("erp", "http://127.0.0.1:1"),
            Some(Secret::new("other")),
            true,
        )
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);
    assert!(e.to_string().contains("'erp' already exists"), "{e}");
    assert_eq!(f.secrets.get("connection:erp").unwrap().expose(), "sync");
    assert_eq!(
        connections::get_by_name(&f.app.db, "erp")
            .unwrap()
            .1
            .base_url,
        h.sim.apismith_url
    );
    let listed = f.app.connection_summaries().unwrap();
    assert!(listed
        .iter()
        .all(|c| c.credential == CredentialState::Saved));

    // Nothing listens on port 9: unreachable, and the login is not even tried.
    f.app
        .save_connection(
            def("gone", "http://127.0.0.1:9"),
            Some(Secret::new("x")),
            false,
        )
        .unwrap();
    let check = f.app.check_connection("gone").await.unwrap();
    assert!(
        !check.reachable && check.authenticated.is_none(),
        "{check:?}"
    );
    assert!(check.message.is_some(), "an unreachable service says why");
}

#[test]
fn bad_settings_are_refused_naming_the_field_and_the_value_and_nothing_is_saved() {
    let f = fresh();
    let cases = [
        (
            ConnectionDef {
                source_timezone: Some("Mars/Olympus".into()),
                ..def("erp", "http://127.0.0.1:8007")
            },
            "source time zone: unknown time zone 'Mars/Olympus'",
        ),
        (
            ConnectionDef {
                ca_file: Some("/no/such/ca.pem".into()),
                ..def("erp", "http://127.0.0.1:8007")
            },
            "CA file: cannot read CA file /no/such/ca.pem",
        ),
        (
            def("erp", "ftp://127.0.0.1"),
            "base URL 'ftp://127.0.0.1' is not",
        ),
        (
            ConnectionDef {
                username: None,
                ..def("erp", "http://127.0.0.1:8007")
            },
            "username: a password login needs a username",
        ),
    ];
    for (bad, expected) in cases {
        let e = f
            .app
            .save_connection(bad, Some(Secret::new("never-stored")), false)
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::Validation);
        assert!(
            e.to_string().contains(expected),
            "{e} should say {expected}"
        );
    }
    let not_pem = f.dir.path().join("not-a-cert.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    let e = f
        .app
        .save_connection(
            ConnectionDef {
                ca_file: Some(not_pem.display().to_string()),
                ..def("erp", "http://127.0.0.1:8007")
            },
            None,
            false,
        )
        .unwrap_err();
    assert!(e.to_string().contains("holds no certificate"), "{e}");
    let ca = rcgen::generate_simple_self_signed(vec!["erp.plant.example".into()]).unwrap();
    let good_pem = f.dir.path().join("corp-ca.pem");
    std::fs::write(&good_pem, ca.cert.pem()).unwrap();
    let good = ConnectionDef {
        ca_file: Some(good_pem.display().to_string()),
        ..def("with-ca", "https://erp.plant.example:8007")
    };
    f.app
        .save_connection(good, Some(Secret::new("s")), true)
        .unwrap();
    assert_eq!(
        connections::list(&f.app.db).unwrap().len(),
        1,
        "a readable PEM CA file is accepted"
    );
    f.app.delete_connection("with-ca").unwrap();
    assert!(
        connections::list(&f.app.db).unwrap().is_empty(),
        "no refused connection was saved"
    );
    assert!(
        matches!(
            f.secrets.get("connection:erp"),
            Err(syncflow_core::secrets::SecretError::NotFound(_))
        ),
        "a refused connection's secret is not stored either"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_entities_use_is_not_deleted_and_an_unused_one_goes_with_its_secret() {
    let h = harness(50, 0.0, "").await;
    let e = h.app.delete_connection("erp").unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);
    assert!(
        e.to_string()
            .contains("used by entities inventory_items, sites, work_areas"),
        "{e}"
    );
    assert!(
        connections::get_by_name(&h.db, "erp").is_ok(),
        "nothing was deleted"
    );

    let f = fresh();
    f.app
        .save_connection(
            def("spare", &h.sim.apismith_url),
            Some(Secret::new("s")),
            false,
        )
        .unwrap();
    f.app
        .save_connection(def("no-secret", &h.sim.apismith_url), None, true)
        .unwrap();
    let listed = f.app.connection_summaries().unwrap();
    let no_secret = listed.iter().find(|c| c.name == "no-secret").unwrap();
    assert!(
        no_secret.credential == CredentialState::NotSet,
        "a connection whose password was never typed is not shown as saved"
    );
    f.app.delete_connection("no-secret").unwrap();
    f.app.delete_connection("spare").unwrap();
    assert!(connections::list(&f.app.db).unwrap().is_empty());
    assert!(
        f.secrets.get("connection:spare").is_err(),
        "the keychain entry went with the connection"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renamed_connection_keeps_its_entities_and_its_credential_and_frees_the_old_name() {
    let h = harness(50, 0.0, "").await;
    h.app.rename_connection("erp", "ERP (production)").unwrap();
    let sites = entities::get_by_name(&h.db, "sites").unwrap();
    assert_eq!(
        sites.def.source_connection, "ERP (production)",
        "entities follow the rename"
    );
    assert!(connections::get_by_name(&h.db, "erp").is_err());
    // The run logs in with the password the old name's keychain entry held: it moved with the connection.
    assert_eq!(h.run("sites", false).await.status, RunStatus::Completed);

    for (to, code, says) in [
        (
            "plan",
            ErrorCode::Conflict,
            "a connection named 'plan' already exists",
        ),
        (
            " padded",
            ErrorCode::Validation,
            "must not start or end with spaces",
        ),
        ("", ErrorCode::Validation, "a connection needs a name"),
    ] {
        let e = h.app.rename_connection("ERP (production)", to).unwrap_err();
        assert_eq!(e.code(), code, "{to:?}: {e}");
        assert!(e.to_string().contains(says), "{to:?}: {e}");
    }
    let e = h.app.rename_connection("erp", "other").unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound, "{e}");
    assert!(
        connections::get_by_name(&h.db, "ERP (production)").is_ok(),
        "refusals change nothing"
    );

    let f = fresh();
    f.app
        .save_connection(
            def("spare", "http://127.0.0.1:1"),
            Some(Secret::new("s")),
            true,
        )
        .unwrap();
    f.app.rename_connection("spare", "reserve").unwrap();
    assert_eq!(f.secrets.get("connection:reserve").unwrap().expose(), "s");
    assert!(
        f.secrets.get("connection:spare").is_err(),
        "the old name's keychain entry is gone"
    );
    f.app
        .save_connection(def("spare", "http://127.0.0.1:1"), None, true)
        .unwrap();
    let listed = f.app.connection_summaries().unwrap();
    let spare = listed.iter().find(|c| c.name == "spare").unwrap();
    assert_eq!(
        spare.credential,
        CredentialState::NotSet,
        "a new connection under the old name does not find the renamed one's password"
    );

    let named = ConnectionDef {
        credential_key: Some("corp/erp".into()),
        ..def("named", "http://127.0.0.1:1")
    };
    f.app
        .save_connection(named, Some(Secret::new("n")), true)
        .unwrap();
    f.app.rename_connection("named", "renamed").unwrap();
    let (_, renamed) = connections::get_by_name(&f.app.db, "renamed").unwrap();
    assert_eq!(
        renamed.credential_key.as_deref(),
        Some("corp/erp"),
        "an entry the planner named stays"
    );
    assert_eq!(f.secrets.get("corp/erp").unwrap().expose(), "n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovered_entities_are_created_once() {
    let h = harness(50, 0.0, "").await;
    let f = fresh();
    for (name, url) in [
        ("erp", &h.sim.apismith_url),
        ("plan", &h.sim.schedulehub_url),
    ] {
        let mut d = def(name, url);
        if name == "plan" {
            d.kind = ConnectionKind::Schedulehub;
        }
        f.app
            .save_connection(d, Some(Secret::new("sync")), false)
            .unwrap();
    }
    let found = f.app.discover("erp", "plan").await.unwrap();
    let sites = found.iter().find(|d| d.slug == "sites").unwrap().clone();
    assert!(
        sites.columns.iter().any(|c| c.name == "SITE_ID"),
        "discovery brings the columns with their types"
    );
    assert_eq!(
        f.app.create_entities(std::slice::from_ref(&sites)).unwrap(),
        ["sites"]
    );
    let again = f.app.create_entities(&[sites]).unwrap_err();
    assert_eq!(again.code(), ErrorCode::Conflict);
    assert_eq!(entities::list(&f.app.db).unwrap().len(), 1);

    // The editor reads what the store holds about drift: the known report, or another shape as text.
    let stored = entities::get_by_name(&f.app.db, "sites").unwrap();
    let drift =
        serde_json::json!({"added": ["REGION"], "removed": [], "retyped": [], "fatal": null});
    entities::save_drift(&f.app.db, stored.id, &stored.def.columns, Some(&drift)).unwrap();
    let detail = f.app.entity_detail("sites").unwrap();
    assert_eq!(detail.schema_drift.unwrap().added, ["REGION"]);
    let odd = serde_json::json!({"new_columns": ["REGION"]});
    entities::save_drift(&f.app.db, stored.id, &stored.def.columns, Some(&odd)).unwrap();
    let detail = f.app.entity_detail(&stored.id.to_string()).unwrap();
    assert!(detail.schema_drift.is_none());
    assert_eq!(
        detail.schema_drift_other.as_deref(),
        Some(r#"{"new_columns":["REGION"]}"#)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_preview_shows_row_errors_and_the_hash_change_a_mapping_edit_makes() {
    let h = harness(400, 0.0, REQUIRED_DESCRIPTION).await;
    let saved = entities::get_by_name(&h.db, "inventory_items").unwrap().def;

    let p = h.app.preview_mappings(&saved, 50).await.unwrap();
    assert_eq!(p.rows.len(), 50);
    assert_eq!(
        p.hashes_changed, 0,
        "the saved configuration against itself"
    );
    let missing: Vec<_> = p
        .rows
        .iter()
        .filter_map(|r| r.error.as_ref())
        .filter(|e| e.stage == Stage::Validate && e.field.as_deref() == Some("DESCRIPTION"))
        .collect();
    assert!(
        !missing.is_empty(),
        "items without a description fail the required mapping"
    );
    assert!(p
        .rows
        .iter()
        .any(|r| r.bk_hash.is_some() && r.data_hash.is_some()));

    let mut with_default = saved.clone();
    with_default.mappings[0].default_value = Some(serde_json::json!("(no description)"));
    let p = h.app.preview_mappings(&with_default, 50).await.unwrap();
    assert!(
        p.rows.iter().all(|r| r.error.is_none()),
        "a default fills the missing descriptions"
    );
    assert!(p.rows.iter().any(|r| r
        .mapped
        .as_deref()
        .is_some_and(|m| m.contains("(no description)"))));

    let mut upper = saved.clone();
    upper.mappings.push(FieldMapping {
        source_field: "CATEGORY".into(),
        target_field: "CATEGORY".into(),
        transformation: Some("uppercase".into()),
        default_value: None,
        is_required: false,
    });
    let p = h.app.preview_mappings(&upper, 20).await.unwrap();
    assert!(
        p.hashes_changed > 0,
        "uppercasing a category changes data hashes"
    );

    let mut broken = saved;
    broken.mappings[0].transformation = Some("shout".into());
    let e = h.app.preview_mappings(&broken, 5).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Validation);
    assert!(
        e.to_string().contains("unknown transformation 'shout'"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixing_the_mapping_lets_the_failed_rows_retry_to_resolved() {
    let h = harness(400, 0.0, REQUIRED_DESCRIPTION).await;
    h.sync_all().await;
    let open = |h: &Harness| {
        h.count(
            "SELECT COUNT(*) FROM failed_records WHERE resolved_at IS NULL AND stage = 'validate'",
        )
    };
    let failed = open(&h);
    assert!(failed > 0, "items without a description failed validation");

    let mut def = entities::get_by_name(&h.db, "inventory_items").unwrap().def;
    def.mappings[0].default_value = Some(serde_json::json!("(no description)"));
    let (_, hashes_changed) = entities::save(&h.db, &def).unwrap();
    assert!(
        hashes_changed,
        "a mapping change is reported as one that alters hashes"
    );

    let out = h
        .app
        .retry_failed(RetrySelection::Entity("inventory_items".into()))
        .await
        .unwrap();
    let resolved: u64 = out.iter().map(|o| o.resolved).sum();
    assert_eq!(resolved, failed, "every row the mapping failed is resolved");
    assert_eq!(open(&h), 0);
}

/// A keychain that counts its reads and can be locked.
#[derive(Default)]
struct CountingKeychain {
    inner: MemoryStore,
    reads: AtomicU32,
    locked: AtomicBool,
}

impl SecretStore for CountingKeychain {
    fn get(&self, key: &str) -> Result<Secret, SecretError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        if self.locked.load(Ordering::SeqCst) {
            return Err(SecretError::Locked(key.into()));
        }
        self.inner.get(key)
    }
    fn set(&self, key: &str, secret: &Secret) -> Result<(), SecretError> {
        self.inner.set(key, secret)
    }
    fn delete(&self, key: &str) -> Result<(), SecretError> {
        self.inner.delete(key)
    }
}

#[test]
fn the_connection_list_reads_each_credential_once_a_session_and_stops_at_a_locked_keychain() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path().join("syncflow.db")).unwrap();
    let keychain = Arc::new(CountingKeychain::default());
    let session = |keychain: &Arc<CountingKeychain>| {
        SyncFlow::new(db.clone(), keychain.clone() as Arc<dyn SecretStore>)
    };
    let app = session(&keychain);
    for name in ["erp", "plan"] {
        app.save_connection(
            def(name, "http://127.0.0.1:1"),
            Some(Secret::new("pw")),
            true,
        )
        .unwrap();
    }
    app.save_connection(def("spare", "http://127.0.0.1:1"), None, true)
        .unwrap();
    let states = |app: &SyncFlow| -> Vec<(String, CredentialState)> {
        app.connection_summaries()
            .unwrap()
            .into_iter()
            .map(|c| (c.name, c.credential))
            .collect()
    };
    let expected = vec![
        ("erp".to_owned(), CredentialState::Saved),
        ("plan".to_owned(), CredentialState::Saved),
        ("spare".to_owned(), CredentialState::NotSet),
    ];
    assert_eq!(states(&app), expected);
    assert_eq!(
        keychain.reads.load(Ordering::SeqCst),
        1,
        "only the credential this session has not seen saved is read"
    );
    assert_eq!(states(&app), expected);
    assert_eq!(
        keychain.reads.load(Ordering::SeqCst),
        1,
        "listing again reads nothing"
    );
    app.delete_connection("spare").unwrap();

    // The next session starts with the keychain locked: one refused read, not one prompt per connection.
    keychain.locked.store(true, Ordering::SeqCst);
    keychain.reads.store(0, Ordering::SeqCst);
    let next = session(&keychain);
    assert_eq!(
        states(&next),
        vec![
            ("erp".to_owned(), CredentialState::Unknown),
            ("plan".to_owned(), CredentialState::Unknown),
        ],
        "not known is shown as such, not as missing or saved"
    );
    assert_eq!(keychain.reads.load(Ordering::SeqCst), 1);
    keychain.locked.store(false, Ordering::SeqCst);
    assert_eq!(states(&next), expected[..2].to_vec(), "unlocked: checked");
    assert_eq!(keychain.reads.load(Ordering::SeqCst), 3);
}

#[test]
fn a_locked_keychain_refuses_a_rename_that_would_leave_the_credential_behind() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path().join("syncflow.db")).unwrap();
    let keychain = Arc::new(CountingKeychain::default());
    let app = SyncFlow::new(db, keychain.clone() as Arc<dyn SecretStore>);
    app.save_connection(
        def("erp", "http://127.0.0.1:1"),
        Some(Secret::new("pw")),
        true,
    )
    .unwrap();
    let from_env = ConnectionDef {
        secret_env: Some("PLAN_PASSWORD".into()),
        ..def("plan", "http://127.0.0.1:1")
    };
    app.save_connection(from_env, None, true).unwrap();
    keychain.locked.store(true, Ordering::SeqCst);

    let e = app.rename_connection("erp", "erp-izmir").unwrap_err();
    assert!(e.to_string().contains("locked"), "{e}");
    assert!(
        connections::get_by_name(&app.db, "erp").is_ok(),
        "nothing was renamed"
    );
    // A credential from the environment does not need the keychain: the rename goes ahead.
    app.rename_connection("plan", "plan-izmir").unwrap();
    let (_, renamed) = connections::get_by_name(&app.db, "plan-izmir").unwrap();
    assert_eq!(renamed.secret_env.as_deref(), Some("PLAN_PASSWORD"));

    keychain.locked.store(false, Ordering::SeqCst);
    app.rename_connection("erp", "erp-izmir").unwrap();
    assert_eq!(keychain.get("connection:erp-izmir").unwrap().expose(), "pw");
}
