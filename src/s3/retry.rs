//! The one retry policy for long jobs (transfers and cleanup runs), on the desktop and in the
//! browser alike: the SDK retries each request on a partition of its own, and what the SDK cannot
//! retry (an answer cut short) or does not see (a body that broke off, a key DeleteObjects asks
//! to send again) backs off through [`back_off`].

use std::time::Duration;

use super::error::S3Error;

/// Attempts per request before a transfer gives up: s5cmd and rclone also try 10 times.
pub const TRANSFER_ATTEMPTS: u32 = 10;

/// Transfers ride out more than listings do: up to [`TRANSFER_ATTEMPTS`] attempts with
/// exponential backoff and jitter on 5xx, SlowDown, timeouts and dropped connections.
///
/// Every request may use all its attempts. The SDK's retry quota is shared by all clients of a
/// region in the process and spent for good by each retry beyond a request's first, so one
/// throttled transfer would leave every later one failing at its first 503 until the process
/// ends. The scheduler already bounds the requests in flight, and so how fast they can retry.
pub fn transfer_retries() -> aws_sdk_s3::config::Builder {
    use aws_sdk_s3::config::retry::{RetryConfig, RetryPartition, TokenBucket};
    static TRANSFERS: std::sync::LazyLock<RetryPartition> = std::sync::LazyLock::new(|| {
        RetryPartition::custom("skiff-transfers")
            .token_bucket(TokenBucket::unlimited())
            .build()
    });
    aws_sdk_s3::config::Builder::new()
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(TRANSFER_ATTEMPTS)
                .with_max_backoff(Duration::from_secs(5)),
        )
        .retry_partition(TRANSFERS.clone())
}

/// Sends an idempotent write again when its success answer arrived cut short (a dropped
/// connection after the status line): the SDK does not retry what it could not read.
pub async fn retry_unreadable<T, F, Fut>(send: F) -> Result<T, S3Error>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, S3Error>>,
{
    let mut attempt = 0u32;
    loop {
        match send().await {
            // A server too slow for the network in between answers late again and again:
            // back off rather than hammer it.
            Err(S3Error::UnreadableAnswer { .. }) if attempt < 6 => {
                back_off(attempt).await;
                attempt += 1;
            }
            result => return result,
        }
    }
}

/// The pause before the `attempt`th retry (from 0): half of 0.2 s doubling up to 5 s, plus up to
/// as much again at random, so that many requests refused together do not return together.
pub fn backoff(attempt: u32) -> Duration {
    let base_ms = (200u64 << attempt.min(5)).min(5_000);
    let jitter_ms = (base_ms as f64 / 2.0 * crate::runtime::random_fraction()) as u64;
    Duration::from_millis(base_ms / 2 + jitter_ms)
}

/// Waits [`backoff`]`(attempt)`.
pub async fn back_off(attempt: u32) {
    crate::runtime::sleep(backoff(attempt)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stays_bounded() {
        assert!(backoff(1) >= Duration::from_millis(200));
        assert!(backoff(10) <= Duration::from_secs(5));
        for attempt in 0..20 {
            let base = (200u64 << attempt.min(5)).min(5_000);
            let pause = backoff(attempt).as_millis() as u64;
            assert!((base / 2..=base).contains(&pause), "{attempt}: {pause} ms");
        }
    }

    #[test]
    fn retries_refused_together_are_spread_apart() {
        let pauses: std::collections::BTreeSet<Duration> = (0..10).map(|_| backoff(2)).collect();
        assert!(pauses.len() > 1, "ten draws gave one pause: {pauses:?}");
    }
}
