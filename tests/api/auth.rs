use std::time::Duration;

use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use crate::helpers::{now, spawn_app, spawn_app_with, token_with, AUDIENCE, ISSUER, SECRET};

fn b64(value: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}

fn sign(alg: Algorithm, key: &EncodingKey, claims: Value) -> String {
    jsonwebtoken::encode(&Header::new(alg), &claims, key).unwrap()
}

fn standard_claims(sub: &str) -> Value {
    json!({ "sub": sub, "exp": now() + 3600, "iss": ISSUER, "aud": AUDIENCE })
}

#[tokio::test]
async fn every_bad_token_is_refused_with_401_and_a_json_body_before_any_actor_exists() {
    let app = spawn_app();
    let hs = EncodingKey::from_secret(SECRET.as_bytes());
    let unsigned = format!("{}.{}.", b64(&json!({ "alg": "none", "typ": "JWT" })), b64(&standard_claims("u")));
    let other_secret = EncodingKey::from_secret(b"not-the-secret-not-the-secret-!!");
    let cases: Vec<(&str, Option<String>)> = vec![
        ("missing", None),
        ("malformed", Some("not.a.jwt".into())),
        ("garbage", Some("abc".into())),
        ("expired", Some(token_with(json!({ "sub": "u", "exp": now() - 1 })))),
        ("not yet valid", Some(token_with(json!({ "sub": "u", "exp": now() + 3600, "nbf": now() + 600 })))),
        ("bad signature", Some(sign(Algorithm::HS256, &other_secret, standard_claims("u")))),
        ("alg none", Some(unsigned)),
        ("wrong algorithm", Some(sign(Algorithm::HS384, &hs, standard_claims("u")))),
        ("empty sub", Some(token_with(json!({ "sub": "", "exp": now() + 3600 })))),
        ("missing sub", Some(token_with(json!({ "exp": now() + 3600 })))),
        ("missing exp", Some(token_with(json!({ "sub": "u" })))),
        ("refresh token", Some(token_with(json!({ "sub": "u", "exp": now() + 3600, "typ": "refresh" })))),
        ("wrong issuer", Some(token_with(json!({ "sub": "u", "exp": now() + 3600, "iss": "someone-else" })))),
        ("wrong audience", Some(token_with(json!({ "sub": "u", "exp": now() + 3600, "aud": "another-app" })))),
    ];
    for (case, token) in cases {
        let query = token.map(|t| format!("?token={t}")).unwrap_or_default();
        let refused = app.connect_query(&query).await.err().unwrap_or_else(|| panic!("{case}: the socket opened"));
        assert_eq!(refused.status, 401, "{case}");
        assert_eq!(refused.body["error"], "unauthorized", "{case}: {}", refused.body);
        assert!(refused.body["message"].as_str().is_some_and(|m| !m.is_empty()), "{case}");
    }
    let status = app.status().await;
    assert_eq!(status["actors"]["connection"], 0, "no actor was created for a refused handshake");
    assert_eq!(status["actors"]["user_session"], 0);
}

#[tokio::test]
async fn a_token_in_the_authorization_header_and_the_trailing_slash_path_both_work() {
    let app = spawn_app();
    let token = app.token("header-user");
    let bearer = format!("Bearer {token}");
    let _by_header = app.connect_with_headers("", &[("authorization", &bearer)]).await.expect("header token accepted");
    let _by_slash_path = app.connect_query(&format!("/?token={token}")).await.expect("/ws/ accepted");
    app.wait_for_actors(2, 1).await;
}

#[tokio::test]
async fn rs256_and_es256_tokens_verify_with_a_configured_public_key_and_hs256_is_then_refused() {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    for (alg, algorithm, public, private) in [
        ("RS256", Algorithm::RS256, "rs256_public.pem", "rs256_private.pem"),
        ("ES256", Algorithm::ES256, "es256_public.pem", "es256_private.pem"),
    ] {
        let public_path = format!("{fixtures}/{public}");
        let app = spawn_app_with(|s| {
            s.auth.jwt_algorithm = serde_json::from_value(json!(alg)).unwrap();
            s.auth.jwt_public_key = Some(public_path);
        });
        let pem = std::fs::read(format!("{fixtures}/{private}")).unwrap();
        let key = match algorithm {
            Algorithm::RS256 => EncodingKey::from_rsa_pem(&pem).unwrap(),
            _ => EncodingKey::from_ec_pem(&pem).unwrap(),
        };
        let good = sign(algorithm, &key, standard_claims("asym-user"));
        app.connect_query(&format!("?token={good}")).await.unwrap_or_else(|r| panic!("{alg}: {r:?}"));
        let hs = sign(Algorithm::HS256, &EncodingKey::from_secret(SECRET.as_bytes()), standard_claims("u"));
        let refused = app.connect_query(&format!("?token={hs}")).await.err().expect("HS256 refused");
        assert_eq!(refused.status, 401, "{alg}");
    }
}

#[tokio::test]
async fn a_renewed_token_keeps_the_session_alive_past_the_first_expiry() {
    let app = spawn_app_with(|s| s.auth.renew_notice = Duration::from_secs(2));
    let first = token_with(json!({ "sub": "renewer", "exp": now() + 3 }));
    let mut tab = app.connect_query(&format!("?token={first}")).await.unwrap();

    let warning = tab.next_frame().await;
    assert_eq!(warning["type"], "token_expiring", "{warning}");
    assert!(warning["exp"].as_u64().is_some());
    tab.send_json(json!({ "type": "auth", "token": token_with(json!({ "sub": "renewer", "exp": now() + 3600 })) }))
        .await;

    tab.expect_silence(Duration::from_secs(4)).await;
    app.notify("renewer", "still-here", json!({})).await;
    assert_eq!(tab.next_notification().await["event"], "still-here");
}

#[tokio::test]
async fn an_unrenewed_token_closes_the_socket_with_4001() {
    let app = spawn_app_with(|s| s.auth.renew_notice = Duration::from_secs(1));
    let short = token_with(json!({ "sub": "lapsed", "exp": now() + 2 }));
    let mut tab = app.connect_query(&format!("?token={short}")).await.unwrap();
    assert_eq!(tab.next_frame().await["type"], "token_expiring");
    assert_eq!(tab.close_code().await, 4001);
    app.wait_for_actors(0, 0).await;
}

#[tokio::test]
async fn a_renewal_for_another_user_is_refused_and_the_socket_still_expires() {
    let app = spawn_app_with(|s| s.auth.renew_notice = Duration::from_secs(1));
    let short = token_with(json!({ "sub": "victim", "exp": now() + 2 }));
    let mut tab = app.connect_query(&format!("?token={short}")).await.unwrap();
    tab.send_json(json!({ "type": "auth", "token": app.token("intruder") })).await;
    let refusal = tab.next_frame().await;
    assert_eq!(refusal["type"], "error");
    assert_eq!(refusal["code"], "auth_subject_mismatch");
    assert_eq!(tab.next_frame().await["type"], "token_expiring");
    assert_eq!(tab.close_code().await, 4001);
}

#[tokio::test]
async fn an_invalid_renewal_token_gets_an_error_frame() {
    let app = spawn_app();
    let mut tab = app.connect("u").await;
    tab.send_json(json!({ "type": "auth", "token": "nonsense" })).await;
    let frame = tab.next_frame().await;
    assert_eq!(frame["type"], "error");
    assert_eq!(frame["code"], "auth_failed");
    assert!(!frame["message"].as_str().unwrap().contains("nonsense"), "the token is never echoed");
}

#[tokio::test]
async fn repeated_failed_renewals_close_the_socket_with_4001_even_between_valid_frames() {
    let app = spawn_app_with(|s| s.ws.max_invalid_frames = 3);
    let mut tab = app.connect("u").await;
    let other_user = app.token("someone-else");
    for bad in ["nonsense", other_user.as_str()] {
        tab.send_json(json!({ "type": "auth", "token": bad })).await;
        assert_eq!(tab.next_frame().await["type"], "error", "{bad}");
        // A valid frame between failed renewals does not make them free.
        tab.send_json(json!({ "type": "ping" })).await;
        assert_eq!(tab.next_frame().await["type"], "pong");
    }
    tab.send_json(json!({ "type": "auth", "token": "nonsense" })).await;
    assert_eq!(tab.close_code().await, 4001, "the client fetches a new token and reconnects");
}

#[tokio::test]
async fn a_successful_renewal_clears_the_count_of_failed_ones() {
    let app = spawn_app_with(|s| s.ws.max_invalid_frames = 2);
    let mut tab = app.connect("u").await;
    for _ in 0..3 {
        tab.send_json(json!({ "type": "auth", "token": "nonsense" })).await;
        assert_eq!(tab.next_frame().await["type"], "error");
        tab.send_json(json!({ "type": "auth", "token": app.token("u") })).await;
        tab.send_json(json!({ "type": "ping" })).await;
        assert_eq!(tab.next_frame().await["type"], "pong", "still open");
    }
}
