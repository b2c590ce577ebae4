//! The one retry policy of the Kafka path: what is refused is tried again after a pause that
//! starts at 100 ms and doubles up to `kafka.retry_backoff_max`, until it is taken.

use std::future::Future;
use std::time::Duration;

/// The first pause; every refusal doubles the next one.
pub(super) const FIRST_PAUSE: Duration = Duration::from_millis(100);

/// Runs `attempt` until it succeeds, pausing between tries; `refused` hears of each refusal
/// with the pause that follows it.
pub(super) async fn retry<T, E, F>(
    max_pause: Duration,
    mut attempt: impl FnMut() -> F,
    mut refused: impl FnMut(&E, Duration),
) -> T
where
    F: Future<Output = Result<T, E>>,
{
    let mut pause = FIRST_PAUSE;
    loop {
        match attempt().await {
            Ok(taken) => return taken,
            Err(refusal) => {
                refused(&refusal, pause);
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(max_pause);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    #[tokio::test]
    async fn the_pause_doubles_up_to_the_maximum_until_the_attempt_is_taken() {
        let tries = Cell::new(0);
        let mut pauses = Vec::new();
        let taken = retry(
            Duration::from_millis(250),
            || {
                tries.set(tries.get() + 1);
                std::future::ready(if tries.get() < 4 { Err("refused") } else { Ok(tries.get()) })
            },
            |_, pause| pauses.push(pause.as_millis()),
        )
        .await;
        assert_eq!(taken, 4);
        assert_eq!(pauses, [100, 200, 250]);
    }
}
