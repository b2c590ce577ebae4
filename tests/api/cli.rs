//! The `hub` binary's subcommands and its refusal of bad settings.

use std::process::{Command, Output};

use crate::helpers::{spawn_app, SECRET};

fn hub(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hub"));
    command.args(args).current_dir(std::env::temp_dir()).env_remove("HUB_CONFIG").env("HUB__AUTH__JWT_SECRET", SECRET);
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("the hub binary runs")
}

#[tokio::test]
async fn hub_token_mints_a_token_the_hub_accepts() {
    let app = spawn_app();
    let output = hub(&["token", "--sub", "cli-user", "--ttl", "10m"], &[]);
    assert!(output.status.success(), "{output:?}");
    let token = String::from_utf8(output.stdout).unwrap();
    app.connect_query(&format!("?token={}", token.trim())).await.expect("the minted token opens a socket");

    let service = hub(&["token", "--sub", "svc", "--role", "service"], &[]);
    let service = String::from_utf8(service.stdout).unwrap();
    let (status, _) =
        app.publish_as(service.trim(), serde_json::json!({ "user_id": "u", "event": "e", "data": {} })).await;
    assert_eq!(status, 202);
}

#[tokio::test]
async fn hub_healthcheck_succeeds_against_a_live_hub_and_fails_against_nothing() {
    let app = spawn_app();
    let addr = format!("127.0.0.1:{}", app.port);
    assert!(hub(&["healthcheck", "--addr", &addr], &[]).status.success());
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
    let output = hub(&["healthcheck", "--addr", &closed], &[]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains(&closed));
}

#[test]
fn an_invalid_setting_stops_start_up_with_a_message_naming_it() {
    for (key, value, named) in [
        ("HUB__WS__CLIENT_TIMEOUT", "1s", "ws.client_timeout"),
        ("HUB__WS__PING_INTERVAL", "often", "ping_interval"),
        ("HUB__SERVER__PORT", "eighty", "port"),
        ("HUB__AUTH__JWT_ALGORITHM", "HS512", "jwt_algorithm"),
    ] {
        let output = hub(&["serve"], &[(key, value)]);
        assert_eq!(output.status.code(), Some(2), "{key}={value}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(named), "{key}={value}: {stderr}");
    }
}

#[test]
fn the_development_secret_is_refused_on_a_public_interface() {
    let output =
        hub(&["serve"], &[("HUB__AUTH__JWT_SECRET", "dev-secret-change-me"), ("HUB__SERVER__HOST", "0.0.0.0")]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("auth.jwt_secret"));
}
