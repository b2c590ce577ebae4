use serde_json::json;

use crate::helpers::{now, spawn_app, spawn_app_with, token_with};

#[tokio::test]
async fn publishing_needs_a_valid_token_with_the_service_role() {
    let app = spawn_app();
    let body = json!({ "user_id": "u", "event": "e", "data": {} });
    let (code, response) = app.publish_as("", body.clone()).await;
    assert_eq!((code, response["error"].as_str()), (401, Some("unauthorized")));
    let (code, _) = app.publish_as(&app.token("a-teacher"), body.clone()).await;
    assert_eq!(code, 403);
    let single_role = token_with(json!({ "sub": "svc", "exp": now() + 60, "role": "service" }));
    let (code, response) = app.publish_as(&single_role, body).await;
    assert_eq!(code, 202, "a `role` string works as well as a `roles` array: {response}");
    assert!(response["id"].as_str().is_some_and(|id| id.contains('-')));
}

#[tokio::test]
async fn a_bad_body_gets_400_naming_the_field() {
    let app = spawn_app();
    let cases = [
        (json!({ "event": "e", "data": {} }), "user_id"),
        (json!({ "user_id": "", "event": "e", "data": {} }), "user_id"),
        (json!({ "user_id": "u", "data": {} }), "event"),
        (json!({ "user_id": "u", "event": "e" }), "data"),
        (json!({ "user_id": "u", "event": "e", "data": [] }), "data"),
        (json!({ "user_id": "u", "event": "e", "data": {}, "category": "batch_updates" }), "category"),
        (json!({ "user_id": "u", "event": "e", "data": {}, "priority": "urgent" }), "priority"),
        (json!({ "user_id": "u", "event": "e", "data": {}, "surprise": 1 }), "surprise"),
    ];
    for (body, field) in cases {
        let (code, response) = app.publish(body.clone()).await;
        assert_eq!(code, 400, "{body}");
        assert_eq!(response["error"], "invalid_request");
        let message = response["message"].as_str().unwrap();
        assert!(message.contains(field), "{body}: the message should name `{field}`: {message}");
    }
    let raw = reqwest::Client::new()
        .post(app.url("/api/v1/publish"))
        .bearer_auth(app.service_token())
        .header("content-type", "application/json")
        .body("{ not json")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
}

#[tokio::test]
async fn an_oversized_body_gets_413() {
    let app = spawn_app_with(|s| s.publish.max_body_bytes = 1024);
    let (code, response) =
        app.publish(json!({ "user_id": "u", "event": "e", "data": { "x": "y".repeat(2000) } })).await;
    assert_eq!(code, 413);
    assert_eq!(response["error"], "payload_too_large");
}

#[tokio::test]
async fn every_platform_category_and_priority_is_accepted() {
    let app = spawn_app();
    let mut tab = app.connect("u").await;
    let categories = [
        "batch_progress",
        "processing_results",
        "file_operations",
        "class_management",
        "student_workflow",
        "system_alerts",
    ];
    let priorities = ["critical", "immediate", "high", "standard", "low"];
    for (category, priority) in categories.iter().zip(priorities.iter().cycle()) {
        let body = json!({ "user_id": "u", "event": "e", "category": category, "priority": priority, "data": {} });
        assert_eq!(app.publish(body).await.0, 202);
        let frame = tab.next_notification().await;
        assert_eq!((frame["category"].as_str(), frame["priority"].as_str()), (Some(*category), Some(*priority)));
    }
}

#[tokio::test]
async fn the_same_dedupe_key_is_delivered_once() {
    let app = spawn_app();
    let mut tab = app.connect("u").await;
    let body = json!({ "user_id": "u", "event": "e", "data": {}, "dedupe_key": "upload-42" });
    let (_, first) = app.publish(body.clone()).await;
    let (code, second) = app.publish(body).await;
    assert_eq!(code, 202);
    assert_eq!(second["duplicate"], true);
    assert_eq!(second["id"], first["id"]);
    tab.next_notification().await;
    tab.expect_silence(std::time::Duration::from_millis(200)).await;
}

#[tokio::test]
async fn dedupe_keys_are_scoped_per_user_without_ambiguity() {
    let app = spawn_app();
    let mut first = app.connect("a|b").await;
    let mut second = app.connect("a").await;
    for (user, dedupe_key, n) in [("a|b", "c", 1), ("a", "b|c", 2)] {
        let body = json!({ "user_id": user, "event": "e", "data": { "n": n }, "dedupe_key": dedupe_key });
        let (code, reply) = app.publish(body).await;
        assert_eq!((code, reply["duplicate"].as_bool()), (202, Some(false)), "{user} with {dedupe_key}: {reply}");
    }
    assert_eq!(first.next_notification().await["data"]["n"], 1);
    assert_eq!(second.next_notification().await["data"]["n"], 2);
}

#[tokio::test]
async fn a_batch_publishes_every_good_item_in_order_and_reports_each_bad_one() {
    let app = spawn_app();
    let mut alice = app.connect("alice").await;
    let mut bob = app.connect("bob").await;
    let batch = json!([
        { "user_id": "alice", "event": "a1", "data": {} },
        { "user_id": "bob", "event": "b1", "data": {} },
        { "user_id": "alice", "event": "bad", "data": {}, "priority": "urgent" },
        { "user_id": "alice", "event": "a2", "data": {} },
        "not an object",
    ]);
    let (code, body) = app.publish_batch(&batch.to_string()).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!((body["accepted"].as_u64(), body["failed"].as_u64()), (Some(3), Some(2)));
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    assert_eq!(results[0]["status"], 202);
    assert!(results[0]["id"].is_string());
    assert_eq!(results[2]["status"], 400);
    assert!(results[2]["message"].as_str().unwrap().contains("priority"), "{}", results[2]);
    assert_eq!(results[4]["error"], "invalid_request");

    assert_eq!(alice.next_notification().await["event"], "a1");
    assert_eq!(alice.next_notification().await["event"], "a2");
    assert_eq!(bob.next_notification().await["event"], "b1");
    alice.expect_silence(std::time::Duration::from_millis(200)).await;
}

#[tokio::test]
async fn a_batch_that_is_not_an_array_or_too_large_is_refused_whole() {
    let app = spawn_app_with(|s| {
        s.publish.max_batch_items = 3;
        s.publish.max_batch_bytes = 2048;
    });
    let (code, body) = app.publish_batch(r#"{"user_id":"u"}"#).await;
    assert_eq!((code, body["error"].as_str()), (400, Some("invalid_request")));
    let four: Vec<_> = (0..4).map(|_| json!({ "user_id": "u", "event": "e", "data": {} })).collect();
    let (code, body) = app.publish_batch(&serde_json::to_string(&four).unwrap()).await;
    assert_eq!((code, body["error"].as_str()), (413, Some("payload_too_large")));
    let big = json!([{ "user_id": "u", "event": "e", "data": { "x": "y".repeat(4096) } }]);
    assert_eq!(app.publish_batch(&big.to_string()).await.0, 413);
    assert_eq!(app.status().await["notifications"]["published"], 0, "nothing of a refused batch is published");
}

#[tokio::test]
async fn a_dedupe_key_repeated_within_one_batch_is_published_once() {
    let app = spawn_app();
    let mut tab = app.connect("alice").await;
    let item = json!({ "user_id": "alice", "event": "once", "data": {}, "dedupe_key": "k-1" });
    let batch = json!([item, { "user_id": "alice", "event": "other", "data": {} }, item]);
    let (code, body) = app.publish_batch(&batch.to_string()).await;
    assert_eq!(code, 200, "{body}");
    let results = body["results"].as_array().unwrap();
    assert_eq!((results[0]["duplicate"].as_bool(), results[2]["duplicate"].as_bool()), (Some(false), Some(true)));
    assert_eq!(results[2]["id"], results[0]["id"]);
    assert_eq!(tab.next_notification().await["event"], "once");
    assert_eq!(tab.next_notification().await["event"], "other");
    tab.expect_silence(std::time::Duration::from_millis(200)).await;
}
