//! A run's error log shared with its clients: transient failures that were retried land here, so the run summary
//! can list them (SPEC §7: every run's summary has its errors). Bounded: a flapping server cannot grow it.

use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
pub struct ErrorLog(Arc<Mutex<Vec<String>>>);

impl ErrorLog {
    /// Entries kept; later ones are counted in a last line instead.
    pub const MAX: usize = 50;

    pub fn push(&self, entry: impl Into<String>) {
        let mut v = self.0.lock().expect("error log poisoned");
        if v.len() < Self::MAX {
            v.push(entry.into());
        } else if v.len() == Self::MAX {
            v.push("… more errors were left out".into());
        }
    }

    /// Everything logged so far, emptying the log.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().expect("error log poisoned"))
    }
}

impl std::fmt::Debug for ErrorLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0.lock().map(|v| v.len()).unwrap_or_default();
        write!(f, "ErrorLog({n} entries)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_a_bounded_number_of_entries_and_says_when_it_dropped_some() {
        let log = ErrorLog::default();
        for i in 0..(ErrorLog::MAX + 10) {
            log.push(format!("error {i}"));
        }
        let v = log.take();
        assert_eq!(
            v.len(),
            ErrorLog::MAX + 1,
            "the cap plus one line saying more were left out"
        );
        assert!(v.last().unwrap().contains("left out"));
        assert!(log.take().is_empty(), "take empties the log");
    }
}
