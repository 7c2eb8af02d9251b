//! Saving connections and entities: a round trip keeps every field, saving twice is idempotent, and configurations
//! the engine would fail on are refused at save time with a message naming the problem.

use syncflow_core::config::{ConnectionDef, EntityDef, ParentRefDef};
use syncflow_core::model::{AuthKind, ConnectionKind, Strategy};
use syncflow_core::normalize::{ColumnDef, FieldMapping};
use syncflow_core::store::{connections, entities, Db, StoreError};

fn db() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path().join("c.db")).unwrap();
    for (name, kind) in [
        ("erp", ConnectionKind::Apismith),
        ("plan", ConnectionKind::Schedulehub),
    ] {
        connections::save(
            &db,
            &ConnectionDef {
                name: name.into(),
                kind,
                base_url: "http://127.0.0.1:1".into(),
                auth_kind: AuthKind::Password,
                username: Some("sync".into()),
                credential_key: None,
                secret_env: Some("X_PASSWORD".into()),
                ca_file: None,
                decimal_separator: Default::default(),
                date_order: Default::default(),
                source_timezone: Some("Europe/Istanbul".into()),
            },
        )
        .unwrap();
    }
    (dir, db)
}

fn col(name: &str) -> ColumnDef {
    ColumnDef {
        name: name.into(),
        data_type: Some("VARCHAR2(20)".into()),
        is_nullable: true,
        is_business_key: false,
        is_row_version: false,
    }
}

fn entity(name: &str, parents: &[&str]) -> EntityDef {
    EntityDef {
        name: name.into(),
        source_connection: "erp".into(),
        slug: name.replace('_', "-"),
        target_connection: "plan".into(),
        target_name: name.into(),
        business_keys: vec!["ID".into()],
        rowversion_field: Some("RV".into()),
        strategy: Strategy::Rowversion,
        columns: vec![col("ID"), col("NAME"), col("RV"), col("PARENT_ID")],
        mappings: vec![FieldMapping {
            source_field: "NAME".into(),
            target_field: "name".into(),
            transformation: Some("trim".into()),
            default_value: Some(serde_json::json!(0)),
            is_required: true,
        }],
        parents: parents
            .iter()
            .map(|p| ParentRefDef {
                ref_name: format!("{p}_ref"),
                parent_entity: (*p).into(),
                parent_fields: vec!["ID".into()],
                child_fields: vec!["PARENT_ID".into()],
            })
            .collect(),
        enabled: true,
        max_delete_ratio: 0.2,
        page_size: 1000,
    }
}

fn refused(r: Result<(syncflow_core::ids::EntityId, bool), StoreError>) -> String {
    match r {
        Err(StoreError::Invalid(m)) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn an_entity_round_trips_and_saving_it_twice_changes_nothing() {
    let (_d, db) = db();
    let def = entity("sites", &[]);
    let (id, changed) = entities::save(&db, &def).unwrap();
    assert!(!changed, "a new entity changes no stored hashes");
    let (id2, changed) = entities::save(&db, &def).unwrap();
    assert_eq!((id, changed), (id2, false), "same id, nothing changed");
    let got = entities::get_by_name(&db, "sites").unwrap();
    assert_eq!(got.def, def);
    let (_, conn) = connections::get_by_name(&db, "erp").unwrap();
    assert_eq!(conn.source_timezone.as_deref(), Some("Europe/Istanbul"));
}

#[test]
fn refuses_configurations_the_engine_would_fail_on() {
    let (_d, db) = db();
    let mut dup = entity("a", &[]);
    dup.mappings.push(FieldMapping {
        source_field: "ID".into(),
        target_field: "name".into(),
        transformation: None,
        default_value: None,
        is_required: false,
    });
    assert!(refused(entities::save(&db, &dup)).contains("both mapped to target field 'name'"));
    let mut t = entity("a", &[]);
    t.mappings[0].transformation = Some("shout".into());
    assert!(refused(entities::save(&db, &t)).contains("unknown transformation 'shout'"));
    let mut bk = entity("a", &[]);
    bk.business_keys = vec!["NOPE".into()];
    assert!(refused(entities::save(&db, &bk)).contains("Business key 'NOPE' names no field"));
    let mut rv = entity("a", &[]);
    rv.rowversion_field = Some("NOPE".into());
    assert!(refused(entities::save(&db, &rv)).contains("Rowversion field 'NOPE'"));
    let mut c = entity("a", &[]);
    c.source_connection = "nowhere".into();
    assert!(refused(entities::save(&db, &c)).contains("source connection 'nowhere' does not exist"));
    assert_eq!(
        entities::count(&db).unwrap(),
        0,
        "nothing refused was saved"
    );
}

#[test]
fn refuses_a_parent_cycle() {
    let (_d, db) = db();
    entities::save(&db, &entity("a", &[])).unwrap();
    entities::save(&db, &entity("b", &["a"])).unwrap();
    let m = refused(entities::save(&db, &entity("a", &["b"])));
    assert!(m.contains("cycle"), "{m}");
    assert!(refused(entities::save(&db, &entity("c", &["c"]))).contains("cycle"));
    let order: Vec<String> = entities::all_parent_first(&db)
        .unwrap()
        .into_iter()
        .map(|e| e.def.name)
        .collect();
    assert_eq!(order, ["a", "b"], "parents first");
}

#[test]
fn refuses_parent_fields_that_can_never_find_the_parent() {
    let (_d, db) = db();
    entities::save(&db, &entity("sites", &[])).unwrap();
    let mut not_key = entity("items", &["sites"]);
    not_key.parents[0].parent_fields = vec!["name".into()];
    let m = refused(entities::save(&db, &not_key));
    assert!(
        m.contains("the parent's fields (name) must be sites's business key (ID)"),
        "{m}"
    );
    let mut no_such_field = entity("items", &["sites"]);
    no_such_field.parents[0].child_fields = vec!["SITE".into()];
    let m = refused(entities::save(&db, &no_such_field));
    assert!(m.contains("'SITE' names no field here"), "{m}");
    let mut empty = entity("items", &["sites"]);
    empty.parents[0].child_fields = vec![String::new()];
    let m = refused(entities::save(&db, &empty));
    assert!(m.contains("pair 1 is incomplete"), "{m}");
    assert_eq!(
        entities::count(&db).unwrap(),
        1,
        "nothing refused was saved"
    );
    entities::save(&db, &entity("items", &["sites"]))
        .expect("the parent's key, a field here: saved");
}

fn pg_connection(url: &str, username: Option<&str>) -> ConnectionDef {
    ConnectionDef {
        name: "wh".into(),
        kind: ConnectionKind::Postgres,
        base_url: url.into(),
        auth_kind: AuthKind::Password,
        username: username.map(Into::into),
        credential_key: None,
        secret_env: None,
        ca_file: None,
        decimal_separator: Default::default(),
        date_order: Default::default(),
        source_timezone: None,
    }
}

#[test]
fn a_postgres_connection_and_entity_are_checked_at_save_time_naming_the_field_and_value() {
    let (_d, db) = db();
    let e = connections::save(
        &db,
        &pg_connection("http://127.0.0.1:5432/db", Some("sync")),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("URL") && e.contains("'http://127.0.0.1:5432/db'"),
        "{e}"
    );
    let e = connections::save(&db, &pg_connection("postgres://127.0.0.1/db", None))
        .unwrap_err()
        .to_string();
    assert!(e.contains("username"), "{e}");
    connections::save(
        &db,
        &pg_connection(
            "postgres://127.0.0.1:5432/db?schema=sync&sslmode=disable",
            Some("sync"),
        ),
    )
    .expect("a good PostgreSQL connection is saved");

    let mut def = entity("items", &[]);
    def.target_connection = "wh".into();
    def.target_name = "items; drop table x".into();
    let e = refused(entities::save(&db, &def));
    assert!(e.contains("table: 'items; drop table x'"), "{e}");
    def.target_name = "items".into();
    def.business_keys.clear();
    def.rowversion_field = None;
    let e = refused(entities::save(&db, &def));
    assert!(e.contains("business keys"), "{e}");
    let mut def = entity("items", &[]);
    def.target_connection = "wh".into();
    entities::save(&db, &def).expect("a PostgreSQL entity with a table and keys is saved");

    // Its parent loads into ScheduleHub: a PostgreSQL child cannot check it there.
    entities::save(&db, &entity("sites", &[])).unwrap();
    let mut child = entity("lines", &["sites"]);
    child.target_connection = "wh".into();
    let e = refused(entities::save(&db, &child));
    assert!(
        e.contains("parent entity 'sites' loads into connection 'plan', not 'wh'"),
        "{e}"
    );
    // The other way round: a ScheduleHub child of a PostgreSQL parent would be refused by ScheduleHub forever.
    let e = refused(entities::save(&db, &entity("item_notes", &["items"])));
    assert!(
        e.contains("parent entity 'items' loads into connection 'wh', not 'plan'"),
        "{e}"
    );
    let mut wrong = entity("wrong", &[]);
    wrong.source_connection = "wh".into();
    let e = refused(entities::save(&db, &wrong));
    assert!(
        e.contains("source connection 'wh' is a postgres connection"),
        "{e}"
    );
}
