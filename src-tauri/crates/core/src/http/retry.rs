//! The retry strategy, separate from the clients: exponential backoff with jitter through `backon`, at least the
//! server's `Retry-After`, at most `max_attempts` tries, only for transient errors, and a wait that ends as soon as
//! the run is cancelled.

use super::error::HttpError;
use backon::{ExponentialBuilder, Retryable};
use std::future::Future;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Tries per request, the first included (SPEC §7: 5).
    pub max_attempts: u32,
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// A `Retry-After` longer than this is cut to it, so a confused server cannot park a run for a day.
    pub max_retry_after: Duration,
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            min_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(300),
            jitter: true,
        }
    }
}

/// Runs `op` until it succeeds, fails with a non-transient error, runs out of attempts, or `cancel` fires.
pub async fn with_retry<T, F, Fut>(
    policy: &RetryPolicy,
    errors: Option<&super::ErrorLog>,
    cancel: &CancellationToken,
    call: &str,
    op: F,
) -> Result<T, HttpError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, HttpError>>,
{
    let mut backoff = ExponentialBuilder::default()
        .with_min_delay(policy.min_delay)
        .with_max_delay(policy.max_delay)
        .with_factor(2.0)
        .with_max_times(policy.max_attempts.saturating_sub(1) as usize);
    if policy.jitter {
        backoff = backoff.with_jitter();
    }
    let max_retry_after = policy.max_retry_after;
    let retrying = op
        .retry(backoff)
        .sleep(tokio::time::sleep)
        .when(HttpError::is_transient)
        // `None` means the attempts are used up; keep it so, else wait at least what the server asked for.
        .adjust(move |e, delay| delay.map(|d| e.retry_after().map_or(d, |ra| d.max(ra.min(max_retry_after)))))
        .notify(|e, delay| {
            tracing::warn!(error = %e, retry_in_ms = delay.as_millis() as u64, "transient error, retrying");
            if let Some(log) = errors {
                log.push(format!("{e} (retried)"));
            }
        });
    tokio::select! {
        r = retrying => r,
        _ = cancel.cancelled() => Err(HttpError::Cancelled { call: call.to_owned() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use tokio::time::Instant;

    fn status(code: u16, retry_after: Option<u64>) -> HttpError {
        HttpError::Status {
            call: "test".into(),
            status: code,
            detail: "x".into(),
            retry_after: retry_after.map(Duration::from_secs),
        }
    }

    async fn run(
        fail_times: u32,
        err: impl Fn() -> HttpError,
    ) -> (Result<u32, HttpError>, u32, Duration) {
        let tries = AtomicU32::new(0);
        let start = Instant::now();
        let r = with_retry(
            &RetryPolicy::default(),
            None,
            &CancellationToken::new(),
            "test",
            || async {
                let n = tries.fetch_add(1, Ordering::SeqCst) + 1;
                if n <= fail_times {
                    Err(err())
                } else {
                    Ok(n)
                }
            },
        )
        .await;
        (r, tries.load(Ordering::SeqCst), start.elapsed())
    }

    #[tokio::test(start_paused = true)]
    async fn waits_at_least_retry_after_between_tries() {
        let (r, tries, elapsed) = run(2, || status(429, Some(7))).await;
        assert_eq!(r.unwrap(), 3, "third try succeeds");
        assert_eq!(tries, 3);
        assert!(
            elapsed >= Duration::from_secs(14),
            "two waits of at least 7 s each, got {elapsed:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_five_tries_on_persistent_5xx() {
        let (r, tries, _) = run(u32::MAX, || status(503, None)).await;
        assert_eq!(
            r.unwrap_err().status(),
            Some(503),
            "the last error is returned"
        );
        assert_eq!(tries, 5, "SPEC §7: at most 5 attempts");
    }

    #[tokio::test(start_paused = true)]
    async fn does_not_retry_other_4xx() {
        let (r, tries, _) = run(u32::MAX, || status(422, None)).await;
        assert!(r.is_err());
        assert_eq!(tries, 1, "a 422 will not get better by repeating it");
    }

    #[tokio::test(start_paused = true)]
    async fn cancellation_ends_a_retry_wait() {
        let cancel = CancellationToken::new();
        let c2 = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            c2.cancel();
        });
        let start = Instant::now();
        let r: Result<(), _> =
            with_retry(&RetryPolicy::default(), None, &cancel, "test", || async {
                Err(status(503, Some(120)))
            })
            .await;
        assert!(r.unwrap_err().is_cancelled());
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "the 120 s wait must not be sat out"
        );
    }
}
