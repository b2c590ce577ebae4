use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::spawn_app_with;
use crate::helpers::{spawn_app, TestApp};

async fn received_then_left(app: &TestApp, user: &str, count: usize) -> (String, String) {
    let mut tab = app.connect(user).await;
    let mut last = Value::Null;
    for n in 0..count {
        app.notify(user, "before", json!({ "n": n })).await;
        last = tab.next_notification().await;
    }
    tab.close().await;
    (last["id"].as_str().unwrap().to_owned(), last["epoch"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_resuming_client_gets_everything_it_missed_in_order_then_live_frames() {
    let app = spawn_app();
    let (since, epoch) = received_then_left(&app, "r", 2).await;
    for n in 0..3 {
        app.notify("r", "missed", json!({ "n": n })).await;
    }
    let mut tab = app.connect_query(&format!("?token={}&since={since}&epoch={epoch}", app.token("r"))).await.unwrap();
    for n in 0..3 {
        let frame = tab.next_notification().await;
        assert_eq!((frame["event"].clone(), frame["data"]["n"].clone()), (json!("missed"), json!(n)));
    }
    app.notify("r", "live", json!({})).await;
    assert_eq!(tab.next_notification().await["event"], "live");
    tab.expect_silence(Duration::from_millis(200)).await;
}

#[tokio::test]
async fn frames_sent_again_from_history_are_marked_replayed_and_live_frames_are_not() {
    let app = spawn_app();
    let (since, epoch) = received_then_left(&app, "r", 1).await;
    app.notify("r", "missed", json!({})).await;
    let mut tab = app.connect_query(&format!("?token={}&since={since}&epoch={epoch}", app.token("r"))).await.unwrap();
    let replayed = tab.next_notification().await;
    assert_eq!((replayed["event"].clone(), replayed["replayed"].clone()), (json!("missed"), json!(true)));
    app.notify("r", "live", json!({})).await;
    let live = tab.next_notification().await;
    assert_eq!(live["event"], "live");
    assert!(live.get("replayed").is_none(), "a live frame carries no mark: {live}");
}

#[tokio::test]
async fn a_client_that_missed_nothing_resumes_without_a_replay_or_a_resync() {
    let app = spawn_app();
    let (since, epoch) = received_then_left(&app, "r", 2).await;
    let mut tab = app.connect_query(&format!("?token={}&since={since}&epoch={epoch}", app.token("r"))).await.unwrap();
    tab.expect_silence(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn a_gap_history_no_longer_covers_is_signalled_with_resync_before_live_frames() {
    let app = spawn_app_with(|s| s.history.max_len = 3);
    let (since, epoch) = received_then_left(&app, "r", 1).await;
    for n in 0..5 {
        app.notify("r", "missed", json!({ "n": n })).await;
    }
    let mut tab = app.connect_query(&format!("?token={}&since={since}&epoch={epoch}", app.token("r"))).await.unwrap();
    let resync = tab.next_frame().await;
    assert_eq!(resync, json!({ "type": "resync", "epoch": epoch }));
    app.notify("r", "live", json!({})).await;
    assert_eq!(tab.next_notification().await["event"], "live");
}

#[tokio::test]
async fn a_resume_from_another_epoch_gets_resync() {
    let app = spawn_app();
    let (since, epoch) = received_then_left(&app, "r", 1).await;
    let mut tab =
        app.connect_query(&format!("?token={}&since={since}&epoch=previous-run", app.token("r"))).await.unwrap();
    assert_eq!(tab.next_frame().await, json!({ "type": "resync", "epoch": epoch }));
}

#[tokio::test]
async fn every_start_of_an_embedded_hub_has_a_new_epoch() {
    let first = spawn_app();
    let second = spawn_app();
    let (_, a) = received_then_left(&first, "u", 1).await;
    let (_, b) = received_then_left(&second, "u", 1).await;
    assert_ne!(a, b);
}

#[tokio::test]
async fn notifications_published_during_the_reconnect_arrive_once_with_no_gap() {
    let app = spawn_app_with(|s| s.history.max_len = 1000);
    let (since, epoch) = received_then_left(&app, "r", 1).await;
    for n in 0..50 {
        app.notify("r", "n", json!({ "n": n })).await;
    }
    let query = format!("?token={}&since={since}&epoch={epoch}", app.token("r"));
    let (tab, ()) = tokio::join!(app.connect_query(&query), async {
        for n in 50..100 {
            app.notify("r", "n", json!({ "n": n })).await;
        }
    });
    let mut tab = tab.unwrap();
    for n in 0..100 {
        assert_eq!(tab.next_notification().await["data"]["n"], n);
    }
    tab.expect_silence(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn a_malformed_resume_point_is_a_400() {
    let app = spawn_app();
    for query in ["&since=abc&epoch=e", "&since=1-0", "&epoch=e"] {
        let refused = app.connect_query(&format!("?token={}{query}", app.token("u"))).await.err().unwrap();
        assert_eq!(refused.status, 400, "{query}");
        assert_eq!(refused.body["error"], "invalid_request");
    }
}

#[tokio::test]
async fn a_resume_across_the_eviction_of_the_users_history_gets_resync_not_only_what_came_after() {
    let app = spawn_app_with(|s| s.history.max_users = 1);
    let (seen, epoch) = received_then_left(&app, "a", 1).await;
    // Kept for "a" while offline, then lost with its history when "b"'s notification evicts it.
    app.notify("a", "evicted", json!({})).await;
    app.notify("b", "other", json!({})).await;
    app.notify("a", "after", json!({})).await;
    let mut tab = app.connect_query(&format!("?token={}&since={seen}&epoch={epoch}", app.token("a"))).await.unwrap();
    assert_eq!(tab.next_frame().await, json!({ "type": "resync", "epoch": epoch }), "never only what came after");
    app.notify("a", "live", json!({})).await;
    assert_eq!(tab.next_notification().await["event"], "live");
}

#[tokio::test]
async fn a_resume_that_lost_nothing_to_an_eviction_gets_the_tail_without_resync() {
    let app = spawn_app_with(|s| s.history.max_users = 1);
    let (seen, epoch) = received_then_left(&app, "a", 1).await;
    // "a"'s history held nothing it had not seen when "b"'s notification evicted it.
    app.notify("b", "other", json!({})).await;
    app.notify("a", "after", json!({})).await;
    let mut tab = app.connect_query(&format!("?token={}&since={seen}&epoch={epoch}", app.token("a"))).await.unwrap();
    assert_eq!(tab.next_notification().await["event"], "after");
    tab.expect_silence(Duration::from_millis(200)).await;
}
