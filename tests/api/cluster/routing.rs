use std::time::Duration;

use serde_json::{json, Value};

use super::redis_server::{spawn_instance, RedisServer};
use crate::helpers::eventually;

#[tokio::test]
async fn a_user_on_one_instance_receives_what_another_instance_accepts_over_one_subscription() {
    let redis = RedisServer::volatile();
    let a = spawn_instance(&redis, "a");
    let b = spawn_instance(&redis, "b");
    let mut tab = a.connect("teacher").await;
    assert_eq!(redis.subscribers("ws:teacher"), 1, "only the instance holding the user subscribes");

    let id = b.notify("teacher", "from_b", json!({ "n": 1 })).await;
    let frame = tab.next_notification().await;
    assert_eq!((frame["event"].as_str(), frame["id"].as_str()), (Some("from_b"), Some(id.as_str())));
    assert_eq!(frame["data"]["n"], 1);

    let status = a.status().await;
    assert_eq!(status["mode"], "clustered");
    let (_, ready) = a.get_json(&a.url("/readyz"), None).await;
    assert_eq!(ready["redis"]["state"], "connected");
}

#[tokio::test]
async fn a_frame_live_from_another_instance_is_the_frame_its_replay_gives() {
    let redis = RedisServer::volatile();
    let a = spawn_instance(&redis, "a");
    let b = spawn_instance(&redis, "b");
    let mut live = a.connect("teacher").await;
    b.notify("teacher", "e", json!({ "n": 1, "text": "a \"quoted\" ü, and a ','" })).await;
    let mut frame = live.next_notification().await;
    // A catch-up may have brought it first, marked as sent again (the mark is the last field).
    frame.as_object_mut().unwrap().remove("replayed");
    let epoch = frame["epoch"].as_str().unwrap();
    let query = format!("?token={}&since=0-0&epoch={epoch}", b.token("teacher"));
    let mut replayed = b.connect_query(&query).await.unwrap().next_notification().await;
    // The replay is marked as such; the rest compared as text, in key order.
    assert_eq!(replayed.as_object_mut().unwrap().remove("replayed"), Some(json!(true)));
    assert_eq!(replayed.to_string(), frame.to_string());
}

#[tokio::test]
async fn tabs_on_two_instances_each_get_every_notification_once_and_subscriptions_follow_the_sockets() {
    let redis = RedisServer::volatile();
    let a = spawn_instance(&redis, "a");
    let b = spawn_instance(&redis, "b");
    let c = spawn_instance(&redis, "c");
    let mut on_a = a.connect("teacher").await;
    let mut also_on_a = a.connect("teacher").await;
    let mut on_b = b.connect("teacher").await;
    assert_eq!(redis.subscribers("ws:teacher"), 2, "one subscription per instance, not per socket");

    // Published through all three instances, the third holding no socket of the user.
    for n in 0..21 {
        let publisher = [&a, &b, &c][n % 3];
        publisher.notify("teacher", "n", json!({ "n": n })).await;
    }
    assert_eq!(redis.subscribers("ws:teacher"), 2, "c never subscribed");
    for tab in [&mut on_a, &mut also_on_a, &mut on_b] {
        for n in 0..21 {
            assert_eq!(tab.next_notification().await["data"]["n"], n);
        }
        tab.expect_silence(Duration::from_millis(200)).await;
    }

    on_b.close().await;
    eventually("b to unsubscribe", Duration::from_secs(5), || redis.subscribers("ws:teacher") == 1).await;
    on_a.close().await;
    assert_eq!(redis.subscribers("ws:teacher"), 1, "a still holds one socket");
    also_on_a.close().await;
    eventually("a to unsubscribe", Duration::from_secs(5), || redis.subscribers("ws:teacher") == 0).await;
}

#[tokio::test]
async fn legacy_messages_existing_producers_publish_reach_the_users_sockets_unnumbered() {
    let redis = RedisServer::volatile();
    let a = spawn_instance(&redis, "a");
    let mut tab = a.connect("teacher").await;
    let delivered: i64 = redis::cmd("PUBLISH")
        .arg("ws:teacher")
        .arg(r#"{"event": "batch_phase_concluded", "data": {"batch_id": "b1", "phase": "nlp", "status": "completed"}}"#)
        .query(&mut redis.client())
        .unwrap();
    assert_eq!(delivered, 1);
    let frame = tab.next_notification().await;
    assert_eq!(frame["id"], serde_json::Value::Null, "legacy messages are not resumable");
    assert_eq!(frame["event"], "batch_phase_concluded");
    assert_eq!(frame["data"], json!({ "batch_id": "b1", "phase": "nlp", "status": "completed" }));
    let x: i64 =
        redis::cmd("PUBLISH").arg("ws:teacher").arg(r#"{"event":"x","data":{}}"#).query(&mut redis.client()).unwrap();
    assert_eq!(x, 1);
    assert_eq!(tab.next_notification().await["event"], "x");
}

#[tokio::test]
async fn a_tab_that_reconnects_to_another_instance_resumes_with_no_gap_and_no_duplicate() {
    let redis = RedisServer::volatile();
    let a = spawn_instance(&redis, "a");
    let b = spawn_instance(&redis, "b");
    let mut tab = a.connect("teacher").await;
    a.notify("teacher", "seen", json!({ "n": 0 })).await;
    let seen = tab.next_notification().await;
    tab.close().await;
    for n in 1..=5 {
        a.notify("teacher", "missed", json!({ "n": n })).await;
    }
    let query = format!(
        "?token={}&since={}&epoch={}",
        b.token("teacher"),
        seen["id"].as_str().unwrap(),
        seen["epoch"].as_str().unwrap()
    );
    let (tab, ()) = tokio::join!(b.connect_query(&query), async {
        for n in 6..=10 {
            a.notify("teacher", "live", json!({ "n": n })).await;
        }
    });
    let mut tab = tab.unwrap();
    for n in 1..=10 {
        let frame = tab.next_notification().await;
        assert_eq!(frame["data"]["n"], n, "{frame}");
        assert_eq!(frame["epoch"], seen["epoch"]);
    }
    tab.expect_silence(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn history_that_cannot_cover_the_gap_says_resync() {
    let redis = RedisServer::volatile();
    let a = super::redis_server::spawn_instance_with(&redis, "a", |s| s.history.max_len = 3);
    let mut tab = a.connect("teacher").await;
    a.notify("teacher", "seen", json!({})).await;
    let seen = tab.next_notification().await;
    tab.close().await;
    for n in 0..5 {
        a.notify("teacher", "missed", json!({ "n": n })).await;
    }
    let (id, epoch) = (seen["id"].as_str().unwrap(), seen["epoch"].as_str().unwrap());
    let mut tab = a.connect_query(&format!("?token={}&since={id}&epoch={epoch}", a.token("teacher"))).await.unwrap();
    assert_eq!(tab.next_frame().await, json!({ "type": "resync", "epoch": epoch }));
    let mut other = a.connect_query(&format!("?token={}&since={id}&epoch=stale", a.token("teacher"))).await.unwrap();
    assert_eq!(other.next_frame().await, json!({ "type": "resync", "epoch": epoch }));
}

#[tokio::test]
async fn the_hand_off_trims_in_steps_yet_a_replay_is_judged_against_exactly_max_len() {
    let redis = RedisServer::volatile();
    let a = super::redis_server::spawn_instance_with(&redis, "a", |s| s.history.max_len = 8);
    let mut ids = Vec::new();
    for n in 0..30 {
        ids.push(a.notify("teacher", "n", json!({ "n": n })).await);
    }
    let len: usize = redis::cmd("XLEN").arg("hub:{teacher}:history").query(&mut redis.client()).unwrap();
    // Eight kept, plus at most a quarter of that before the next trim.
    assert!((8..=10).contains(&len), "the stream holds {len} entries");

    // Resuming after the ninth-newest: the eight newest come back, nothing older.
    let epoch = {
        let mut tab = a.connect("teacher").await;
        a.notify("teacher", "probe", json!({})).await;
        tab.next_notification().await["epoch"].as_str().unwrap().to_owned()
    };
    let since = &ids[ids.len() - 8];
    let mut tab = a.connect_query(&format!("?token={}&since={since}&epoch={epoch}", a.token("teacher"))).await.unwrap();
    for n in 23..30 {
        assert_eq!(tab.next_notification().await["data"]["n"], n);
    }
    // One step further back is beyond the eight kept (the probe is the newest): a gap.
    let since = &ids[ids.len() - 9];
    let mut tab = a.connect_query(&format!("?token={}&since={since}&epoch={epoch}", a.token("teacher"))).await.unwrap();
    assert_eq!(tab.next_frame().await, json!({ "type": "resync", "epoch": epoch }));
}

/// A notification id as a pair of integers, so that ids compare as the hub orders them.
fn id_of(value: &Value) -> (u64, u64) {
    let (ms, seq) = value.as_str().and_then(|id| id.split_once('-')).expect("an id like <ms>-<seq>");
    (ms.parse().unwrap(), seq.parse().unwrap())
}

/// The hand-off script as the hub loads it.
const HANDOFF: &str =
    concat!(include_str!("../../../src/cluster/history.lua"), include_str!("../../../src/cluster/handoff.lua"));

#[tokio::test]
async fn a_batch_for_more_users_than_one_hand_off_carries_keeps_each_users_order_and_reports_every_item() {
    let redis = RedisServer::volatile();
    let a = spawn_instance(&redis, "a");
    let b = spawn_instance(&redis, "b");
    // 150 users, more than one script call takes (100 notifications): two rounds of one
    // notification each, every second one after all the first, then a dedupe key repeated for
    // the last user; and one user with more notifications than a call takes.
    let users: Vec<String> = (0..150).map(|n| format!("teacher-{n}")).collect();
    let mut tabs = Vec::new();
    for user in ["teacher-0", "teacher-99", "teacher-100", "teacher-149", "busy"] {
        tabs.push((user, b.connect(user).await));
    }
    let mut batch: Vec<Value> = (0..2)
        .flat_map(|round| {
            users.iter().map(move |user| json!({ "user_id": user, "event": "n", "data": { "round": round } }))
        })
        .collect();
    let once = json!({ "user_id": "teacher-149", "event": "once", "data": {}, "dedupe_key": "k-1" });
    batch.extend([once.clone(), once]);
    batch.extend((0..250).map(|n| json!({ "user_id": "busy", "event": "busy", "data": { "n": n } })));
    // Counted once Redis has the script: an instance's first call loads it and calls again.
    a.notify("someone-else", "warm-up", json!({})).await;
    redis.log_every_command();

    let (code, body) = a.publish_batch(&Value::Array(batch).to_string()).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!((body["accepted"].as_u64(), body["failed"].as_u64()), (Some(552), Some(0)));
    // The first wave: the 150 users in two full calls, one of 98 and one of 4 (the last user's
    // four do not fit beside the 98), and busy's first 100; then busy's next 100, then its last
    // 50, each wave after the one before.
    assert_eq!(redis.calls_of_script(HANDOFF), 7);
    let results = body["results"].as_array().unwrap();
    for (n, user) in users.iter().enumerate() {
        let (first, second) = (&results[n], &results[150 + n]);
        assert!(id_of(&first["id"]) < id_of(&second["id"]), "{user}: {first} then {second}");
    }
    assert_eq!((results[300]["duplicate"].as_bool(), results[301]["duplicate"].as_bool()), (Some(false), Some(true)));
    assert_eq!(results[301]["id"], results[300]["id"]);
    let busy: Vec<(u64, u64)> = results[302..].iter().map(|result| id_of(&result["id"])).collect();
    assert!(busy.windows(2).all(|pair| pair[0] < pair[1]), "busy's ids increase across calls");

    for (user, tab) in &mut tabs {
        if *user == "busy" {
            for n in 0..250 {
                assert_eq!(tab.next_notification().await["data"]["n"], n);
            }
        } else {
            let n: usize = user.trim_start_matches("teacher-").parse().unwrap();
            for round in 0..2 {
                let frame = tab.next_notification().await;
                assert_eq!(
                    (&frame["data"]["round"], &frame["id"]),
                    (&json!(round), &results[150 * round + n]["id"]),
                    "{user}"
                );
            }
            if *user == "teacher-149" {
                assert_eq!(tab.next_notification().await["id"], results[300]["id"]);
            }
        }
        tab.expect_silence(Duration::from_millis(200)).await;
    }
    let len: usize = redis::cmd("XLEN").arg("hub:{teacher-99}:history").query(&mut redis.client()).unwrap();
    assert_eq!(len, 2);
}

#[tokio::test]
async fn a_notification_redis_refuses_fails_alone_in_its_batch() {
    let redis = RedisServer::volatile();
    let a = spawn_instance(&redis, "a");
    let mut tab = a.connect("fine").await;
    // A key of the wrong type where the user's history stream belongs: XADD is refused.
    let _: () = redis::cmd("SET").arg("hub:{broken}:history").arg("not a stream").query(&mut redis.client()).unwrap();
    let batch = json!([
        { "user_id": "fine", "event": "before", "data": {} },
        { "user_id": "broken", "event": "refused", "data": {} },
        { "user_id": "fine", "event": "after", "data": {} },
    ]);
    let (code, body) = a.publish_batch(&batch.to_string()).await;
    assert_eq!((code, body["accepted"].as_u64(), body["failed"].as_u64()), (200, Some(2), Some(1)), "{body}");
    let results = body["results"].as_array().unwrap();
    assert_eq!((results[0]["status"].as_u64(), results[2]["status"].as_u64()), (Some(202), Some(202)));
    assert_eq!(results[1]["status"], 503);
    assert!(results[1]["message"].as_str().unwrap().contains("WRONGTYPE"), "{}", results[1]);
    assert_eq!(tab.next_notification().await["event"], "before");
    assert_eq!(tab.next_notification().await["event"], "after");
    tab.expect_silence(Duration::from_millis(200)).await;
}

#[tokio::test]
async fn a_duplicate_is_recognised_by_any_instance() {
    let redis = RedisServer::volatile();
    let a = spawn_instance(&redis, "a");
    let b = spawn_instance(&redis, "b");
    let mut tab = a.connect("teacher").await;
    let body = json!({ "user_id": "teacher", "event": "once", "data": {}, "dedupe_key": "k-1" });
    let (_, first) = a.publish(body.clone()).await;
    let (_, second) = b.publish(body).await;
    assert_eq!(second["duplicate"], true);
    assert_eq!(second["id"], first["id"]);
    tab.next_notification().await;
    tab.expect_silence(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn the_cluster_view_lists_live_instances_and_an_operator_disconnect_reaches_every_one() {
    let redis = RedisServer::volatile();
    let a = spawn_instance(&redis, "a");
    let b = spawn_instance(&redis, "b");
    let mut on_a = a.connect("leaver").await;
    let mut on_b = b.connect("leaver").await;
    let mut stayer = b.connect("stayer").await;
    let status = a
        .wait_for_status("both instances with their sockets", |s| {
            s["cluster"]["totals"]["instances"] == 2 && s["cluster"]["totals"]["sockets"] == 3
        })
        .await;
    let ids: Vec<&str> =
        status["cluster"]["instances"].as_array().unwrap().iter().map(|i| i["instance_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["a", "b"]);

    let response = reqwest::Client::new()
        .post(a.url("/api/v1/users/leaver/disconnect"))
        .bearer_auth(a.admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(on_a.close_code().await, 4003);
    assert_eq!(on_b.close_code().await, 4003);
    b.notify("stayer", "still", json!({})).await;
    assert_eq!(stayer.next_notification().await["event"], "still");

    b.shutdown().trigger();
    b.wait_stopped(Duration::from_secs(10)).await;
    a.wait_for_status_within("b to leave the view after its TTL", Duration::from_secs(10), |s| {
        s["cluster"]["totals"]["instances"] == 1
    })
    .await;
}
