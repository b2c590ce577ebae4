use std::time::Duration;

use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{spawn_app, spawn_app_with, Ending, PROMPTLY};

#[tokio::test]
async fn a_sixth_socket_for_one_user_is_closed_with_4000_and_the_first_five_keep_working() {
    let app = spawn_app();
    let mut tabs = Vec::new();
    for _ in 0..5 {
        tabs.push(app.connect("busy").await);
    }
    let mut sixth = app.connect_query(&format!("?token={}", app.token("busy"))).await.unwrap();
    assert_eq!(sixth.close_code().await, 4000);
    app.wait_for_actors(5, 1).await;
    app.notify("busy", "hello", json!({})).await;
    for tab in &mut tabs {
        assert_eq!(tab.next_notification().await["event"], "hello");
    }
}

#[tokio::test]
async fn past_the_global_socket_cap_the_handshake_gets_503_before_the_upgrade() {
    let app = spawn_app_with(|s| s.server.max_connections = Some(3));
    let _held: Vec<_> = futures::future::join_all((0..3).map(|i| {
        let app = &app;
        async move { app.connect(&format!("user-{i}")).await }
    }))
    .await;
    app.wait_for_actors(3, 3).await;
    let refused = app.connect_query(&format!("?token={}", app.token("late"))).await.err().expect("refused");
    assert_eq!(refused.status, 503);
    assert_eq!(refused.body["error"], "unavailable");
    let (code, ready) = app.get_json(&app.url("/readyz"), None).await;
    assert_eq!(code, 503, "a full instance is not ready for more sockets: {ready}");
    assert_eq!(ready["status"], "at_capacity");
}

#[tokio::test]
async fn an_oversized_inbound_frame_closes_with_1009() {
    let app = spawn_app_with(|s| s.ws.max_frame_bytes = 1024);
    let mut tab = app.connect("u").await;
    tab.send_text(&"x".repeat(4096)).await;
    assert_eq!(tab.close_code().await, 1009);
}

#[tokio::test]
async fn garbage_gets_error_frames_and_repeated_garbage_closes_with_1008() {
    let app = spawn_app_with(|s| s.ws.max_invalid_frames = 3);
    let mut tab = app.connect("u").await;
    tab.send_text("not json").await;
    let error = tab.next_frame().await;
    assert_eq!(error["type"], "error");
    assert_eq!(error["code"], "invalid_frame");
    tab.send_json(json!({ "type": "subscribe", "channel": "ws:someone-else" })).await;
    assert_eq!(tab.next_frame().await["code"], "invalid_frame");
    tab.send_message(Message::binary(vec![1, 2, 3])).await;
    assert_eq!(tab.close_code().await, 1008);
}

#[tokio::test]
async fn a_valid_frame_resets_the_garbage_count_and_ping_gets_pong() {
    let app = spawn_app_with(|s| s.ws.max_invalid_frames = 2);
    let mut tab = app.connect("u").await;
    for _ in 0..3 {
        tab.send_text("{").await;
        assert_eq!(tab.next_frame().await["type"], "error");
        tab.send_json(json!({ "type": "ping" })).await;
        assert_eq!(tab.next_frame().await, json!({ "type": "pong" }));
    }
}

#[tokio::test]
async fn the_origin_allow_list_refuses_foreign_pages_and_lets_non_browser_clients_in() {
    let app = spawn_app_with(|s| s.server.allowed_origins = vec!["https://app.example".into()]);
    let query = format!("?token={}", app.token("u"));
    let refused = app.connect_with_headers(&query, &[("origin", "https://evil.example")]).await.err().unwrap();
    assert_eq!(refused.status, 403);
    assert_eq!(refused.body["error"], "origin_not_allowed");
    app.connect_with_headers(&query, &[("origin", "https://app.example")]).await.expect("allowed origin");
    app.connect_query(&query).await.expect("no Origin header: not a browser");
}

#[tokio::test]
async fn actor_counts_are_exact_after_close_abrupt_drop_and_heartbeat_timeout() {
    let app = spawn_app_with(|s| {
        s.ws.ping_interval = Duration::from_millis(250);
        s.ws.client_timeout = Duration::from_millis(1500);
    });
    let polite = app.connect("a").await;
    let crashed = app.connect("a").await;
    let mut silent = app.connect("b").await;
    let status = app.wait_for_actors(3, 2).await;
    assert_eq!(status["unique_users"], 2);
    assert_eq!(status["actors"]["registry"], 1);

    polite.close().await;
    app.wait_for_actors(2, 2).await;
    crashed.drop_abruptly();
    app.wait_for_actors(1, 1).await;

    // A client that stops reading never answers pings: the heartbeat drops it.
    tokio::time::sleep(Duration::from_millis(2000)).await;
    app.wait_for_actors(0, 0).await;
    assert_eq!(silent.ending(PROMPTLY).await, Ending::Dropped);
}

#[tokio::test]
async fn a_client_that_answers_pings_outlives_the_client_timeout() {
    let app = spawn_app_with(|s| {
        s.ws.ping_interval = Duration::from_millis(100);
        s.ws.client_timeout = Duration::from_millis(300);
    });
    let mut tab = app.connect("alive").await;
    // Reading makes tungstenite answer the server's pings.
    tab.expect_silence(Duration::from_millis(1200)).await;
    app.wait_for_actors(1, 1).await;
}
