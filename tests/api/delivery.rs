use std::collections::HashMap;
use std::time::Duration;

use hub_actors::NotificationId;
use serde_json::json;

use crate::helpers::spawn_app;

fn id_of(frame: &serde_json::Value) -> NotificationId {
    frame["id"].as_str().expect("notifications carry an id").parse().expect("ids look like <ms>-<seq>")
}

#[tokio::test]
async fn a_notification_frame_has_the_v1_shape_and_the_keys_todays_clients_read() {
    let app = spawn_app();
    let mut tab = app.connect("teacher-1").await;
    let (status, body) = app
        .publish(json!({
            "user_id": "teacher-1",
            "event": "batch_files_uploaded",
            "category": "file_operations",
            "data": { "batch_id": "b-1", "filename": "Uppsats_Åsa.docx", "message": "uploaded" },
            "correlation_id": "corr-1",
        }))
        .await;
    assert_eq!(status, 202, "{body}");

    let frame = tab.next_notification().await;
    assert_eq!(frame["id"], body["id"]);
    assert!(frame["epoch"].as_str().is_some_and(|e| !e.is_empty()));
    assert_eq!(frame["event"], "batch_files_uploaded");
    assert_eq!(frame["category"], "file_operations");
    assert_eq!(frame["priority"], "standard", "priority defaults to standard");
    assert_eq!(frame["correlation_id"], "corr-1");
    let timestamp = frame["timestamp"].as_str().unwrap();
    assert!(timestamp.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(timestamp).is_ok(), "{timestamp}");

    let data = frame["data"].as_object().unwrap();
    assert_eq!(data["batch_id"], "b-1");
    assert_eq!(data["filename"], "Uppsats_Åsa.docx");
    assert_eq!(data["category"], "file_operations");
    assert_eq!(data["priority"], "standard");
    assert_eq!(data["action_required"], false);
    assert_eq!(data["deadline"], serde_json::Value::Null);
    assert_eq!(data["class_id"], serde_json::Value::Null);
    assert_eq!(data["correlation_id"], "corr-1");
    let legacy_timestamp = data["timestamp"].as_str().unwrap();
    assert!(legacy_timestamp.ends_with("+00:00"), "Python isoformat writes +00:00: {legacy_timestamp}");
}

#[tokio::test]
async fn three_users_with_two_tabs_each_get_exactly_their_own_notifications_in_order() {
    let app = spawn_app();
    let users = ["alice", "bob", "carol"];
    let mut tabs = Vec::new();
    for user in users {
        for _ in 0..2 {
            tabs.push((user, app.connect(user).await));
        }
    }
    app.wait_for_actors(6, 3).await;

    const PER_USER: usize = 40;
    let publishers = users.map(|user| {
        let app = &app;
        async move {
            for n in 0..PER_USER {
                app.notify(user, "progress", json!({ "for": user, "n": n })).await;
            }
        }
    });
    futures::future::join_all(publishers).await;

    for (user, tab) in &mut tabs {
        let mut last = NotificationId::ZERO;
        for n in 0..PER_USER {
            let frame = tab.next_notification().await;
            assert_eq!(frame["data"]["for"], *user, "a user only ever receives their own notifications");
            assert_eq!(frame["data"]["n"], n, "in publish order");
            let id = id_of(&frame);
            assert!(id > last, "ids increase per user");
            last = id;
        }
        tab.expect_silence(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_user_with_no_socket_here_gets_nothing_and_others_are_not_disturbed() {
    let app = spawn_app();
    let mut present = app.connect("present").await;
    app.notify("absent", "x", json!({})).await;
    app.notify("present", "y", json!({})).await;
    assert_eq!(present.next_notification().await["event"], "y");
    let status = app.status().await;
    assert_eq!(status["notifications"]["dropped"]["user_offline"], 1);
    assert_eq!(status["notifications"]["published"], 2);
}

#[tokio::test]
async fn ids_are_distinct_and_increasing_across_a_fast_burst() {
    let app = spawn_app();
    let mut tab = app.connect("u").await;
    let mut published = Vec::new();
    for n in 0..100 {
        published.push(app.notify("u", "n", json!({ "n": n })).await);
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut last = NotificationId::ZERO;
    for _ in 0..100 {
        let frame = tab.next_notification().await;
        let id = id_of(&frame);
        assert!(id > last);
        last = id;
        *seen.entry(frame["id"].as_str().unwrap().to_owned()).or_default() += 1;
    }
    assert!(published.iter().all(|id| seen.get(id) == Some(&1)), "each published id arrives exactly once");
}

#[tokio::test]
async fn a_notification_published_as_soon_as_the_handshake_is_answered_reaches_the_socket() {
    // A client counts its socket open at the 101, and the platform may publish that very moment:
    // the socket must have joined its user's session by then.
    let app = spawn_app();
    for n in 0..40 {
        let user = format!("fresh-{n}");
        let mut tab = app.connect_query(&format!("?token={}", app.token(&user))).await.expect("the handshake succeeds");
        let id = app.notify(&user, "right_away", json!({ "n": n })).await;
        assert_eq!(tab.next_notification().await["id"], id.as_str(), "socket {n}");
    }
}
