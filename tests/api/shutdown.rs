use std::time::{Duration, Instant};

use crate::helpers::{spawn_app_with, Ending};

#[tokio::test]
async fn shutdown_turns_readyz_to_503_closes_sockets_with_1001_in_paced_batches_and_exits() {
    let app = spawn_app_with(|s| {
        s.shutdown.close_batch_size = 2;
        s.shutdown.close_batch_interval = Duration::from_millis(300);
        s.shutdown.grace_period = Duration::from_secs(5);
    });
    let mut tabs = Vec::new();
    for i in 0..6 {
        tabs.push(app.connect(&format!("user-{i}")).await);
    }
    app.wait_for_actors(6, 6).await;

    let started = Instant::now();
    app.shutdown().trigger();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (code, ready) = app.get_json(&app.url("/readyz"), None).await;
    assert_eq!(code, 503, "draining instances leave the load balancer: {ready}");
    assert_eq!(ready["draining"], true);
    let refused = app.connect_query(&format!("?token={}", app.token("latecomer"))).await.err().expect("refused");
    assert_eq!(refused.status, 503);

    let endings = futures::future::join_all(tabs.iter_mut().map(|tab| async {
        let ending = tab.ending(Duration::from_secs(5)).await;
        (ending, tab.closed_at.map_or(Duration::MAX, |at| at - started))
    }))
    .await;
    assert!(endings.iter().all(|(ending, _)| *ending == Ending::Closed(1001)), "{endings:?}");
    let first = endings.iter().map(|(_, at)| *at).min().unwrap();
    let last = endings.iter().map(|(_, at)| *at).max().unwrap();
    assert!(last - first >= Duration::from_millis(500), "three batches 300 ms apart: {first:?}..{last:?}");
    app.wait_stopped(Duration::from_secs(6)).await;
}
