//! The app's "now": the wall clock, shifted by an offset that is zero unless a test (or a debug build started with
//! `SYNCFLOW_CLOCK_OFFSET_SECS`) moves it. Every timestamp the store writes and every scheduler tick reads it, so a
//! test that moves the clock into tonight's window sees runs start, finish *tonight* and not run twice.

use chrono::{DateTime, Duration, Utc};
use std::sync::atomic::{AtomicI64, Ordering};

static OFFSET_SECS: AtomicI64 = AtomicI64::new(0);

pub fn now() -> DateTime<Utc> {
    Utc::now() + Duration::seconds(OFFSET_SECS.load(Ordering::Relaxed))
}

/// Moves the app's clock `secs` seconds away from the wall clock (0: the wall clock again).
pub fn set_offset_secs(secs: i64) {
    OFFSET_SECS.store(secs, Ordering::Relaxed);
}

pub fn offset_secs() -> i64 {
    OFFSET_SECS.load(Ordering::Relaxed)
}

/// Moves the clock so that `now()` reads `at` (then it runs on at the wall clock's pace).
pub fn set_now(at: DateTime<Utc>) {
    set_offset_secs((at - Utc::now()).num_seconds());
}
