//! The APISmith client against the APISmith simulator over real loopback HTTP: every call of the contract and each
//! failure mode (expired token, 429 with Retry-After, 503 then success, hanging request, malformed body,
//! `success: false`, bad credentials, cancellation).

mod common;

use common::{cancel, count, login_config, sim};
use std::time::{Duration, Instant};
use syncflow_core::error::{Coded, ErrorCode};
use syncflow_core::http::{ConnectionConfig, Credentials, HttpError, RetryPolicy};
use syncflow_core::secrets::Secret;
use syncflow_core::source::apismith::{ApiSmithClient, Cursor, Filter, PageQuery};
use syncflow_sim::{Faults, Mutation};

const EXECUTE: &str = "POST /api/v1/runtime/{slug}/execute";

fn client(url: &str) -> ApiSmithClient {
    ApiSmithClient::new(&login_config(url, "sync")).expect("client builds")
}

async fn read_all(
    c: &ApiSmithClient,
    q: &PageQuery,
    mut cursor: Cursor,
) -> (Vec<serde_json::Map<String, serde_json::Value>>, u64) {
    let (mut rows, mut pages) = (Vec::new(), 0);
    while let Some(p) = c
        .fetch_next("inventory-items", q, &mut cursor, &cancel())
        .await
        .expect("page")
    {
        assert!(
            p.body_bytes > 0,
            "the body size is reported for the run's byte counter"
        );
        rows.extend(p.rows.into_iter().map(|r| r.into_map()));
        pages += 1;
    }
    (rows, pages)
}

#[tokio::test]
async fn discovery_calls_describe_every_api() {
    let s = sim(100).await;
    let c = client(&s.apismith_url);
    assert_eq!(c.health(&cancel()).await.unwrap()["status"], "healthy");
    let connectors = c.connectors(&cancel()).await.unwrap();
    assert_eq!(connectors.len(), 1);
    let apis = c.all_apis(&cancel()).await.unwrap();
    let slugs: Vec<_> = apis.iter().map(|a| a.slug.as_str()).collect();
    assert_eq!(slugs, ["sites", "work-areas", "inventory-items"]);
    let page = c
        .list_apis(2, 2, Some(&connectors[0].uid), Some(true), &cancel())
        .await
        .unwrap();
    assert_eq!(
        (page.total, page.total_pages, page.items.len()),
        (3, 2, 1),
        "A3 pages and filters"
    );
    let items = c.api("inventory-items", &cancel()).await.unwrap();
    assert_eq!(items.business_key_columns, ["ITEM_ID", "SITE_ID"]);
    assert_eq!(items.rowversion_column.as_deref(), Some("ROWVERSION"));
    assert_eq!(items.delta_strategy, "rowversion");
    assert!(items
        .columns
        .iter()
        .any(|c| c.data_type.as_deref() == Some("NUMBER(12,2)")));
    let missing = c.api("no-such-api", &cancel()).await.unwrap_err();
    assert_eq!(
        (missing.status(), missing.code()),
        (Some(404), ErrorCode::NotFound)
    );
    assert!(
        missing.to_string().contains("no-such-api"),
        "the error names the call: {missing}"
    );
}

#[tokio::test]
async fn pages_until_total_rows_without_an_extra_empty_page() {
    let s = sim(2_500).await;
    let c = client(&s.apismith_url);
    let q = PageQuery::incremental(1_000, "ROWVERSION", None);
    let (rows, pages) = read_all(&c, &q, Cursor::default()).await;
    assert_eq!((rows.len(), pages), (2_500, 3));
    assert_eq!(
        count(&s.apismith_request_counts(), EXECUTE),
        3,
        "page 3 reaches total_rows: no 4th request"
    );
    let rvs: Vec<&str> = rows
        .iter()
        .map(|r| r["ROWVERSION"].as_str().unwrap())
        .collect();
    assert!(rvs.windows(2).all(|w| w[0] < w[1]), "sorted by rowversion");

    // Resuming after one committed page reads exactly the rest.
    let (rest, _) = read_all(&c, &q, Cursor::resume(1, 1_000)).await;
    assert_eq!(
        rest,
        rows[1_000..],
        "resume continues where the stored cursor points"
    );
}

#[tokio::test]
async fn incremental_read_returns_only_rows_changed_after_the_watermark() {
    let s = sim(3_000).await;
    let c = client(&s.apismith_url);
    let (all, _) = read_all(
        &c,
        &PageQuery::incremental(1_000, "ROWVERSION", None),
        Cursor::default(),
    )
    .await;
    let watermark = all.last().unwrap()["ROWVERSION"]
        .as_str()
        .unwrap()
        .to_owned();
    let m = s
        .mutate(&Mutation {
            slug: "inventory-items".into(),
            update_rows: vec![5, 17],
            insert: 3,
            delete_rows: vec![9],
            ..Mutation::default()
        })
        .unwrap();
    assert_eq!(
        (m.updated.len(), m.inserted.len(), m.deleted.len()),
        (2, 3, 1)
    );
    let q = PageQuery::incremental(1_000, "ROWVERSION", Some(&watermark));
    let (changed, _) = read_all(&c, &q, Cursor::default()).await;
    assert_eq!(
        changed.len(),
        5,
        "2 updated + 3 inserted; the delete is only visible to a full read"
    );
    assert!(changed
        .iter()
        .all(|r| r["ROWVERSION"].as_str().unwrap() > watermark.as_str()));
    assert_eq!(
        changed[0]["ITEM_ID"], "ITM-00000006",
        "row 5 was updated first"
    );
    assert_ne!(
        changed[0]["DESCRIPTION"], all[5]["DESCRIPTION"],
        "an update changes values"
    );
}

#[tokio::test]
async fn expired_token_is_refreshed_once_and_the_call_repeated() {
    let s = sim(10).await;
    let c = client(&s.apismith_url);
    c.connectors(&cancel()).await.unwrap();
    s.expire_tokens();
    c.connectors(&cancel()).await.expect("refresh and repeat");
    let counts = s.apismith_request_counts();
    assert_eq!(count(&counts, "POST /api/v1/auth/login"), 1);
    assert_eq!(count(&counts, "POST /api/v1/auth/refresh"), 1);
    assert_eq!(
        count(&counts, "GET /api/v1/connectors"),
        3,
        "first call, the 401, the repeat"
    );

    // Tokens that die after every call: the refreshed token works once, so each call still succeeds.
    s.set_apismith_faults(Faults {
        token_expires_after_calls: Some(1),
        ..Faults::default()
    });
    for _ in 0..3 {
        c.connectors(&cancel())
            .await
            .expect("each call refreshes once");
    }
}

#[tokio::test]
async fn bad_credentials_are_an_auth_error_without_retries() {
    let s = sim(10).await;
    let c = ApiSmithClient::new(&login_config(&s.apismith_url, "wrong")).unwrap();
    let e = c.connectors(&cancel()).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Auth, "{e}");
    assert!(
        e.to_string().contains("invalid username or password"),
        "the server's detail is kept: {e}"
    );
    assert_eq!(
        count(&s.apismith_request_counts(), "POST /api/v1/auth/login"),
        1,
        "401 is not transient"
    );
}

#[tokio::test]
async fn static_token_connections_skip_login() {
    let s = sim(10).await;
    let mut cfg = ConnectionConfig::new(
        &s.apismith_url,
        Credentials::StaticToken(Secret::new("sim-static-token")),
    );
    cfg.retry = common::fast_retry();
    ApiSmithClient::new(&cfg)
        .unwrap()
        .connectors(&cancel())
        .await
        .expect("static token accepted");
    assert_eq!(
        count(&s.apismith_request_counts(), "POST /api/v1/auth/login"),
        0
    );
    cfg.credentials = Credentials::StaticToken(Secret::new("wrong"));
    let e = ApiSmithClient::new(&cfg)
        .unwrap()
        .connectors(&cancel())
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Auth);
}

#[tokio::test]
async fn rate_limit_waits_at_least_retry_after() {
    // Real sockets cannot run on tokio's paused clock (timeouts would fire at once), so elapsed wall time is
    // measured; the strategy itself is tested on the paused clock in `http::retry`.
    let s = sim(10).await;
    let c = client(&s.apismith_url);
    c.login(&cancel()).await.unwrap();
    s.set_apismith_faults(Faults {
        rate_limit_next: 1,
        retry_after_secs: Some(1),
        path_contains: Some("/execute".into()),
        ..Faults::default()
    });
    let started = Instant::now();
    let page = c
        .fetch_page("sites", &PageQuery::full(100, None), 1, &cancel())
        .await
        .expect("second try succeeds");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 honoured, took {:?}",
        started.elapsed()
    );
    assert_eq!(page.rows.len(), 50);
    assert_eq!(count(&s.apismith_request_counts(), EXECUTE), 2);
}

#[tokio::test]
async fn service_unavailable_then_success() {
    let s = sim(10).await;
    let c = client(&s.apismith_url);
    s.set_apismith_faults(Faults {
        fail_next: 2,
        path_contains: Some("/execute".into()),
        ..Faults::default()
    });
    c.fetch_page("work-areas", &PageQuery::full(1_000, None), 1, &cancel())
        .await
        .expect("third try succeeds");
    assert_eq!(count(&s.apismith_request_counts(), EXECUTE), 3);

    s.set_apismith_faults(Faults {
        error_rate: 1.0,
        path_contains: Some("/execute".into()),
        ..Faults::default()
    });
    let e = c
        .fetch_page("work-areas", &PageQuery::full(1_000, None), 1, &cancel())
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert!(
        e.to_string().contains("service unavailable") && e.to_string().contains("page 1"),
        "{e}"
    );
    assert_eq!(
        count(&s.apismith_request_counts(), EXECUTE),
        3 + 5,
        "five attempts, then the error"
    );
}

#[tokio::test]
async fn a_hanging_request_times_out_and_is_retried() {
    let s = sim(10).await;
    let mut cfg = login_config(&s.apismith_url, "sync");
    cfg.read_timeout = Duration::from_millis(300);
    let c = ApiSmithClient::new(&cfg).unwrap();
    s.set_apismith_faults(Faults {
        hang_next: 1,
        path_contains: Some("/execute".into()),
        ..Faults::default()
    });
    let started = Instant::now();
    c.fetch_page("sites", &PageQuery::full(10, None), 1, &cancel())
        .await
        .expect("the retry succeeds");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the hang was cut by the read timeout"
    );

    cfg.retry = RetryPolicy {
        max_attempts: 2,
        ..common::fast_retry()
    };
    let c = ApiSmithClient::new(&cfg).unwrap();
    s.set_apismith_faults(Faults {
        hang_rate: 1.0,
        path_contains: Some("/execute".into()),
        ..Faults::default()
    });
    let e = c
        .fetch_page("sites", &PageQuery::full(10, None), 1, &cancel())
        .await
        .unwrap_err();
    assert!(matches!(e, HttpError::Timeout { .. }), "{e}");
    assert_eq!(e.code(), ErrorCode::Network);
}

#[tokio::test]
async fn a_malformed_page_fails_that_page_with_a_clear_error() {
    let s = sim(10).await;
    let c = client(&s.apismith_url);
    s.set_apismith_faults(Faults {
        malformed_next: 1,
        path_contains: Some("/execute".into()),
        ..Faults::default()
    });
    let e = c
        .fetch_page("inventory-items", &PageQuery::full(10, None), 1, &cancel())
        .await
        .unwrap_err();
    assert!(matches!(e, HttpError::Malformed { .. }), "{e}");
    assert!(
        e.to_string().contains("inventory-items") && e.to_string().contains("page 1"),
        "names the page: {e}"
    );
    assert_eq!(
        count(&s.apismith_request_counts(), EXECUTE),
        1,
        "a malformed body is not retried"
    );
    c.fetch_page("inventory-items", &PageQuery::full(10, None), 1, &cancel())
        .await
        .expect("next call is fine");
}

#[tokio::test]
async fn success_false_is_an_error_of_that_page() {
    let s = sim(10).await;
    let c = client(&s.apismith_url);
    let mut q = PageQuery::full(10, None);
    q.filters.push(Filter::new("NO_SUCH_COLUMN", "=", "x"));
    let e = c
        .fetch_page("inventory-items", &q, 1, &cancel())
        .await
        .unwrap_err();
    assert!(matches!(e, HttpError::Source { .. }), "{e}");
    assert!(
        e.to_string().contains("NO_SUCH_COLUMN"),
        "the source's message is kept: {e}"
    );
}

#[tokio::test]
async fn cancellation_stops_a_retry_wait() {
    let s = sim(10).await;
    let c = client(&s.apismith_url);
    s.set_apismith_faults(Faults {
        error_rate: 1.0,
        retry_after_secs: Some(30),
        ..Faults::default()
    });
    let token = cancel();
    let t2 = token.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        t2.cancel();
    });
    let started = Instant::now();
    let e = c.connectors(&token).await.unwrap_err();
    assert!(e.is_cancelled(), "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "did not sit out Retry-After: 30"
    );
}
