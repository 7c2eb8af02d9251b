//! `ApiSmithClient`: every call of the APISmith contract (A1–A5). Cheap to clone (one `Arc`), safe to share across
//! tokio tasks; each call takes the run's cancellation token so retry waits stop when the run is cancelled.

use super::paging::{Cursor, Page, PageMetadata, PageQuery};
use super::types::{ApiDefinition, ApiList, Connector};
use crate::http::util::{check_segment, parse};
use crate::http::{ConnectionConfig, HttpError, Session};
use crate::value::RawPage;
use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

#[derive(Clone)]
pub struct ApiSmithClient {
    session: Arc<Session>,
}

#[derive(Deserialize)]
struct ExecuteResponse {
    success: bool,
    #[serde(default)]
    data: Option<RawPage>,
    #[serde(default)]
    metadata: Option<PageMetadata>,
    #[serde(default)]
    error: Option<String>,
}

impl ApiSmithClient {
    pub fn new(cfg: &ConnectionConfig) -> Result<Self, HttpError> {
        Ok(Self {
            session: Arc::new(Session::new("APISmith", cfg)?),
        })
    }

    /// A1: the service's health document (no authentication).
    pub async fn health(&self, cancel: &CancellationToken) -> Result<Value, HttpError> {
        self.session.health(cancel, "APISmith A1 health").await
    }

    /// Logs in now with the configured credentials (the "test connection" button).
    pub async fn login(&self, cancel: &CancellationToken) -> Result<(), HttpError> {
        self.session.login(cancel).await
    }

    /// A2.
    pub async fn connectors(
        &self,
        cancel: &CancellationToken,
    ) -> Result<Vec<Connector>, HttpError> {
        let call = "APISmith A2 connectors";
        let r = self
            .session
            .call(cancel, call, Method::GET, "/api/v1/connectors", None, true)
            .await?;
        parse(call, &r.body)
    }

    /// A3, one page; `connector_uid` and `is_active` filter when given.
    pub async fn list_apis(
        &self,
        page: u64,
        page_size: u64,
        connector_uid: Option<&str>,
        is_active: Option<bool>,
        cancel: &CancellationToken,
    ) -> Result<ApiList, HttpError> {
        let call = format!("APISmith A3 list APIs page {page}");
        let mut path = format!("/api/v1/apis?page={page}&page_size={page_size}");
        if let Some(c) = connector_uid {
            check_segment(&call, c)?;
            path.push_str(&format!("&connector_uid={c}"));
        }
        if let Some(a) = is_active {
            path.push_str(&format!("&is_active={a}"));
        }
        let r = self
            .session
            .call(cancel, &call, Method::GET, &path, None, true)
            .await?;
        parse(&call, &r.body)
    }

    /// A3 through every page: all API definitions.
    pub async fn all_apis(
        &self,
        cancel: &CancellationToken,
    ) -> Result<Vec<ApiDefinition>, HttpError> {
        let mut out = Vec::new();
        for page in 1.. {
            let list = self.list_apis(page, 100, None, None, cancel).await?;
            let empty = list.items.is_empty();
            out.extend(list.items);
            if empty || page >= list.total_pages || out.len() as u64 >= list.total {
                break;
            }
        }
        Ok(out)
    }

    /// A4: one API definition; an unknown slug is a `404` status error (`ErrorCode::NotFound`).
    pub async fn api(
        &self,
        slug: &str,
        cancel: &CancellationToken,
    ) -> Result<ApiDefinition, HttpError> {
        let call = format!("APISmith A4 API '{slug}'");
        check_segment(&call, slug)?;
        let r = self
            .session
            .call(
                cancel,
                &call,
                Method::GET,
                &format!("/api/v1/apis/slug/{slug}"),
                None,
                true,
            )
            .await?;
        parse(&call, &r.body)
    }

    /// A5 for page `page` (1-based) of `query`. `success: false` and a body that is not the contract's shape are
    /// errors of this page.
    pub async fn fetch_page(
        &self,
        slug: &str,
        query: &PageQuery,
        page: u64,
        cancel: &CancellationToken,
    ) -> Result<Page, HttpError> {
        let call = format!("APISmith A5 execute '{slug}' page {page}");
        check_segment(&call, slug)?;
        let path = format!("/api/v1/runtime/{slug}/execute");
        let r = self
            .session
            .call(
                cancel,
                &call,
                Method::POST,
                &path,
                Some(&query.body(page)),
                true,
            )
            .await?;
        let resp: ExecuteResponse = parse(&call, &r.body)?;
        if !resp.success {
            let message = resp
                .error
                .unwrap_or_else(|| "success: false with no error message".into());
            return Err(HttpError::Source { call, message });
        }
        let RawPage(rows) = resp.data.ok_or_else(|| HttpError::Malformed {
            call,
            message: "`data` is missing".into(),
        })?;
        Ok(Page {
            page,
            rows,
            metadata: resp.metadata,
            body_bytes: r.body.len(),
        })
    }

    /// The page at `cursor`, moving the cursor past it; `None` once the read is complete.
    pub async fn fetch_next(
        &self,
        slug: &str,
        query: &PageQuery,
        cursor: &mut Cursor,
        cancel: &CancellationToken,
    ) -> Result<Option<Page>, HttpError> {
        if cursor.done {
            return Ok(None);
        }
        let page = self
            .fetch_page(slug, query, cursor.next_page, cancel)
            .await?;
        cursor.advance(&page);
        Ok(Some(page))
    }
}
