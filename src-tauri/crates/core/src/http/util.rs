//! Small helpers both clients use on request paths and response bodies.

use super::error::HttpError;

pub(crate) use super::session::parse;

/// Slugs, entity names and uids go into URL paths as they are: refuse anything that would need escaping.
pub(crate) fn check_segment(call: &str, s: &str) -> Result<(), HttpError> {
    let ok = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    if ok && s != "." && s != ".." {
        Ok(())
    } else {
        Err(HttpError::Config(format!(
            "{call}: '{s}' is not a valid URL path segment"
        )))
    }
}
