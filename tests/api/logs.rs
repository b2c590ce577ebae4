//! Runs the real `hub` binary, reads what it logs, and sends it a real SIGTERM.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{now, token_with, Client, Ending, HubProcess, SECRET};

#[tokio::test]
async fn logs_carry_user_and_connection_ids_never_tokens_and_sigterm_closes_sockets_with_1001() {
    let mut hub = HubProcess::start(&[("HUB__LOG__FILTER", "debug")]);
    let port = hub.port().await;
    let user_token = token_with(json!({ "sub": "log-user", "exp": now() + 3600 }));
    let service_token = token_with(json!({ "sub": "svc", "exp": now() + 3600, "roles": ["service"] }));
    let expired_token = token_with(json!({ "sub": "log-user", "exp": now() - 10 }));

    let connect = |token: &str| {
        let url = format!("ws://127.0.0.1:{port}/ws?token={token}");
        async move { tokio_tungstenite::connect_async(url).await }
    };
    let (ws, _) = connect(&user_token).await.expect("the socket opens");
    let mut tab = Client::from_stream(ws);
    tab.send_json(json!({ "type": "ping" })).await;
    assert_eq!(tab.next_frame().await, json!({ "type": "pong" }));
    assert!(connect(&expired_token).await.is_err());
    let response = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/v1/publish"))
        .bearer_auth(&service_token)
        .json(&json!({ "user_id": "log-user", "event": "logged", "data": {} }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    assert_eq!(tab.next_notification().await["event"], "logged");

    hub.terminate();
    assert_eq!(tab.ending(Duration::from_secs(5)).await, Ending::Closed(1001));
    let exit = hub.wait_exit(Duration::from_secs(8)).await;
    assert!(exit.success(), "{exit:?}");

    let lines = hub.lines.lock().unwrap().clone();
    for secret in [user_token.as_str(), service_token.as_str(), expired_token.as_str(), SECRET] {
        let leaks: Vec<_> = lines.iter().filter(|l| l.contains(secret)).collect();
        assert!(leaks.is_empty(), "a secret reached the logs: {leaks:?}");
    }
    // The signature part alone must not leak either (a token cut at a dot).
    let signature = user_token.rsplit('.').next().unwrap();
    assert!(lines.iter().all(|l| !l.contains(signature)));

    let entries: Vec<Value> = lines.iter().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let socket_open = entries
        .iter()
        .find(|e| e["message"] == "socket open")
        .unwrap_or_else(|| panic!("no socket-open line in {lines:#?}"));
    assert_eq!(socket_open["span"]["user_id"], "log-user", "{socket_open}");
    assert!(socket_open["span"]["conn_id"].is_u64(), "{socket_open}");
    let access =
        entries.iter().find(|e| e["message"] == "request" && e["span"]["path"] == "/ws").expect("access log for /ws");
    assert!(access.to_string().find("token").is_none(), "the access log has no query string: {access}");
    assert!(entries.iter().any(|e| e["message"] == "websocket handshake refused" && e["reason"] == "expired"));
}
