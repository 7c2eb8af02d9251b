//! Paging as the contract says: pages 1, 2, 3 … with the same filters and sort; the end is the first empty page or
//! the point where the rows read reach `metadata.total_rows`. The `Cursor` is plain data the pipeline stores with
//! its checkpoint, so a run resumes at the page after the last one it committed.

use super::types::{Direction, Filter, Sort};
use crate::value::RawRow;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The query every page of one read repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageQuery {
    pub page_size: u32,
    pub filters: Vec<Filter>,
    pub sort: Option<Sort>,
}

/// Largest page the contract allows.
pub const MAX_PAGE_SIZE: u32 = 10_000;

impl PageQuery {
    /// Everything, sorted by `sort_field` ascending when given (needed for stable pages across a resume).
    pub fn full(page_size: u32, sort_field: Option<&str>) -> Self {
        Self {
            page_size: page_size.clamp(1, MAX_PAGE_SIZE),
            filters: Vec::new(),
            sort: sort_field.map(|f| Sort {
                field: f.into(),
                direction: Direction::Asc,
            }),
        }
    }

    /// Rows changed since `watermark` (`rowversion > watermark`), in rowversion order; no watermark reads all.
    /// The contract's sort names one field; business keys break ties only where the source does so itself.
    pub fn incremental(page_size: u32, rowversion_column: &str, watermark: Option<&str>) -> Self {
        let mut q = Self::full(page_size, Some(rowversion_column));
        if let Some(w) = watermark {
            q.filters.push(Filter::new(rowversion_column, ">", w));
        }
        q
    }

    pub(crate) fn body(&self, page: u64) -> Value {
        let mut b = serde_json::json!({"page": page, "page_size": self.page_size});
        if !self.filters.is_empty() {
            b["filters"] = serde_json::to_value(&self.filters).expect("filters serialise");
        }
        if let Some(s) = &self.sort {
            b["sort"] = serde_json::to_value(s).expect("sort serialises");
        }
        b
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageMetadata {
    pub total_rows: u64,
    #[serde(default)]
    pub page: Option<u64>,
    #[serde(default)]
    pub page_size: Option<u64>,
    #[serde(default)]
    pub execution_time_ms: Option<u64>,
}

/// One fetched page.
#[derive(Debug, Clone)]
pub struct Page {
    pub page: u64,
    pub rows: Vec<RawRow>,
    /// Missing metadata is allowed; it just cannot end the read.
    pub metadata: Option<PageMetadata>,
    /// Size of the response body, for the run's byte counter.
    pub body_bytes: usize,
}

/// Where a read stands: the next page to ask for and the rows read so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub next_page: u64,
    pub rows_read: u64,
    pub done: bool,
}

impl Default for Cursor {
    fn default() -> Self {
        Self {
            next_page: 1,
            rows_read: 0,
            done: false,
        }
    }
}

impl Cursor {
    /// Resumes after `pages_done` committed pages holding `rows_read` rows.
    pub fn resume(pages_done: u64, rows_read: u64) -> Self {
        Self {
            next_page: pages_done + 1,
            rows_read,
            done: false,
        }
    }

    /// Moves past `page` and decides whether it was the last one.
    pub fn advance(&mut self, page: &Page) {
        self.next_page = page.page + 1;
        self.rows_read += page.rows.len() as u64;
        let reached_total = page
            .metadata
            .as_ref()
            .is_some_and(|m| self.rows_read >= m.total_rows);
        self.done = page.rows.is_empty() || reached_total;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(n: u64, rows: usize, total: Option<u64>) -> Page {
        Page {
            page: n,
            rows: vec![RawRow::default(); rows],
            metadata: total.map(|t| PageMetadata {
                total_rows: t,
                page: Some(n),
                page_size: None,
                execution_time_ms: None,
            }),
            body_bytes: 0,
        }
    }

    #[test]
    fn stops_when_rows_read_reach_total_rows() {
        let mut c = Cursor::default();
        c.advance(&page(1, 10, Some(15)));
        assert!(!c.done, "10 of 15 read");
        c.advance(&page(2, 5, Some(15)));
        assert!(c.done, "15 of 15 read: no need to fetch an empty page 3");
        assert_eq!((c.next_page, c.rows_read), (3, 15));
    }

    #[test]
    fn a_page_without_metadata_is_not_the_last_by_itself() {
        let mut c = Cursor::default();
        c.advance(&page(1, 3, None));
        assert!(
            !c.done,
            "a short page with no metadata does not end the read"
        );
        c.advance(&page(2, 0, None));
        assert!(c.done, "the first empty page does");
    }

    #[test]
    fn resume_continues_after_the_committed_pages() {
        let c = Cursor::resume(4, 4_000);
        assert_eq!((c.next_page, c.rows_read, c.done), (5, 4_000, false));
    }

    #[test]
    fn incremental_query_filters_and_sorts_by_rowversion() {
        let q = PageQuery::incremental(20_000, "ROWVERSION", Some("0x00000000000007D3"));
        let b = q.body(2);
        assert_eq!(b["page_size"], 10_000, "clamped to the contract's maximum");
        assert_eq!(
            b["filters"][0],
            serde_json::json!({"field": "ROWVERSION", "operator": ">", "value": "0x00000000000007D3"})
        );
        assert_eq!(
            b["sort"],
            serde_json::json!({"field": "ROWVERSION", "direction": "asc"})
        );
        assert!(
            PageQuery::incremental(10, "RV", None)
                .body(1)
                .get("filters")
                .is_none(),
            "first run reads all"
        );
    }
}
