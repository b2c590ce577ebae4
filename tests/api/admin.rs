use std::time::Duration;

use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn status_needs_the_admin_role_and_reports_live_actors_and_notification_counts() {
    let app = spawn_app();
    let (code, body) = app.get_json(&app.url("/status"), None).await;
    assert_eq!((code, body["error"].as_str()), (401, Some("unauthorized")));
    let (code, body) = app.get_json(&app.url("/status"), Some(&app.service_token())).await;
    assert_eq!((code, body["error"].as_str()), (403, Some("forbidden")));

    let mut tab = app.connect("t").await;
    app.notify("t", "e", json!({})).await;
    tab.next_notification().await;
    let status = app.wait_for_status("the delivery to be counted", |s| s["notifications"]["delivered"] == 1).await;
    assert!(status["instance_id"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(status["version"], env!("CARGO_PKG_VERSION"));
    assert!(status["uptime_seconds"].is_u64());
    assert_eq!(status["actors"], json!({ "connection": 1, "user_session": 1, "registry": 1, "topic_consumer": 0 }));
    assert_eq!(status["kafka"]["state"], "disabled");
    assert_eq!(status["sockets"], 1);
    assert_eq!(status["unique_users"], 1);
    assert_eq!(status["notifications"]["published"], 1);
}

#[tokio::test]
async fn an_operator_disconnect_closes_every_socket_of_that_user_with_4003_and_no_other() {
    let app = spawn_app();
    let mut a1 = app.connect("leaver").await;
    let mut a2 = app.connect("leaver").await;
    let mut other = app.connect("stayer").await;
    app.wait_for_actors(3, 2).await;

    let response = reqwest::Client::new()
        .post(app.url("/api/v1/users/leaver/disconnect"))
        .bearer_auth(app.admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<serde_json::Value>().await.unwrap()["sockets_closed"], 2);
    assert_eq!(a1.close_code().await, 4003);
    assert_eq!(a2.close_code().await, 4003);
    app.wait_for_actors(1, 1).await;
    app.notify("stayer", "still", json!({})).await;
    assert_eq!(other.next_notification().await["event"], "still");

    let forbidden = reqwest::Client::new()
        .post(app.url("/api/v1/users/stayer/disconnect"))
        .bearer_auth(app.service_token())
        .send()
        .await
        .unwrap();
    assert_eq!(forbidden.status(), 403);
}

#[tokio::test]
async fn probes_answer_without_auth_and_metrics_expose_the_hubs_series() {
    let app = spawn_app();
    let (code, body) = app.get_json(&app.url("/healthz"), None).await;
    assert_eq!((code, body), (200, json!({ "status": "ok" })));
    let (code, body) = app.get_json(&app.url("/readyz"), None).await;
    assert_eq!(code, 200);
    assert_eq!(body["status"], "ready");
    assert_eq!(body["draining"], false);

    let mut tab = app.connect("m").await;
    app.notify("m", "e", json!({})).await;
    tab.next_notification().await;
    let _ = app.connect_query("?token=bad").await;
    tab.close().await;
    tokio::time::sleep(Duration::from_millis(100)).await;

    let metrics = reqwest::get(app.url("/metrics")).await.unwrap().text().await.unwrap();
    for series in [
        "hub_ws_connections",
        "hub_user_sessions",
        "hub_publish_to_socket_seconds_bucket",
        "hub_notifications_delivered_total",
        "hub_notifications_published_total",
        "hub_auth_failures_total{reason=\"malformed\",stage=\"handshake\"}",
    ] {
        assert!(metrics.contains(series), "{series} missing from /metrics:\n{metrics}");
    }
}

#[tokio::test]
async fn with_an_admin_address_the_operator_routes_leave_the_public_listener() {
    let app = spawn_app_with(|s| s.server.admin_addr = Some("127.0.0.1:0".parse().unwrap()));
    assert!(app.admin_port.is_some());
    let (code, body) = app.get_json(&app.url("/healthz"), None).await;
    assert_eq!((code, body["error"].as_str()), (404, Some("not_found")), "errors are JSON: {body}");
    let (code, _) = app.get_json(&app.admin_url("/healthz"), None).await;
    assert_eq!(code, 200);
    let (code, _) = app.get_json(&app.admin_url("/status"), Some(&app.admin_token())).await;
    assert_eq!(code, 200);
}

/// A user id is a JWT `sub`, always UTF-8: a path that percent-decodes to anything else names
/// nobody. Decoded lossily, `%FF` would name the user "\u{FFFD}" and close that user's sockets.
#[tokio::test]
async fn a_disconnect_whose_user_id_is_not_utf8_is_refused_and_closes_nobodys_sockets() {
    let app = spawn_app();
    let mut bystander = app.connect("\u{FFFD}").await;
    app.wait_for_actors(1, 1).await;

    let response = reqwest::Client::new()
        .post(app.url("/api/v1/users/%FF/disconnect"))
        .bearer_auth(app.admin_token())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.json::<serde_json::Value>().await.unwrap();
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")), "{body}");

    app.notify("\u{FFFD}", "still-here", json!({})).await;
    assert_eq!(bystander.next_notification().await["event"], "still-here");
}
