//! The browser files the hub serves: the client library and the dashboard, and the origin rule
//! that lets the hub's own pages open a socket.

use reqwest::header::{
    ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, LOCATION,
    ORIGIN,
};
use reqwest::redirect::Policy;

use crate::helpers::{spawn_app, spawn_app_with};

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(Policy::none()).build().unwrap()
}

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> Option<String> {
    response.headers().get(name).map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn the_client_library_is_served_as_a_module_with_cors_for_the_allowed_origins_only() {
    let app = spawn_app_with(|s| s.server.allowed_origins = vec!["https://app.example".into()]);
    let url = app.url("/client/hub-client.js");
    let allowed = client().get(&url).header(ORIGIN, "https://app.example").send().await.unwrap();
    assert_eq!(allowed.status(), 200);
    assert_eq!(header(&allowed, CONTENT_TYPE).as_deref(), Some("text/javascript; charset=utf-8"));
    assert_eq!(header(&allowed, ACCESS_CONTROL_ALLOW_ORIGIN).as_deref(), Some("https://app.example"));
    let body = allowed.text().await.unwrap();
    assert_eq!(body.as_bytes(), include_bytes!("../../assets/client/hub-client.js"), "the committed build, as it is");
    assert!(body.contains("createHubClient"), "the module exports the client");

    let other = client().get(&url).header(ORIGIN, "https://elsewhere.example").send().await.unwrap();
    assert_eq!(other.status(), 200, "the file is public; only the browser's cross-origin read is refused");
    assert_eq!(header(&other, ACCESS_CONTROL_ALLOW_ORIGIN), None);
}

#[tokio::test]
async fn a_current_copy_is_revalidated_with_its_tag_and_not_sent_again() {
    let app = spawn_app();
    let url = app.url("/client/hub-client.js");
    let first = client().get(&url).send().await.unwrap();
    assert_eq!(header(&first, CACHE_CONTROL).as_deref(), Some("no-cache"));
    let tag = header(&first, ETAG).expect("an entity tag");
    let again = client().get(&url).header(IF_NONE_MATCH, &tag).send().await.unwrap();
    assert_eq!(again.status(), 304);
    assert!(again.bytes().await.unwrap().is_empty());
    let stale = client().get(&url).header(IF_NONE_MATCH, "\"something-else\"").send().await.unwrap();
    assert_eq!(stale.status(), 200);
}

#[tokio::test]
async fn the_dashboard_pages_are_served_under_a_strict_content_security_policy() {
    let app = spawn_app();
    for (path, file, kind) in [
        ("/dashboard/", include_str!("../../assets/dashboard/index.html"), "text/html; charset=utf-8"),
        ("/dashboard/admin", include_str!("../../assets/dashboard/admin.html"), "text/html; charset=utf-8"),
        ("/dashboard/feed.js", include_str!("../../assets/dashboard/feed.js"), "text/javascript; charset=utf-8"),
        ("/dashboard/dashboard.css", include_str!("../../assets/dashboard/dashboard.css"), "text/css; charset=utf-8"),
    ] {
        let response = client().get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(header(&response, CONTENT_TYPE).as_deref(), Some(kind), "{path}");
        let policy = header(&response, CONTENT_SECURITY_POLICY).unwrap_or_default();
        for directive in [
            "default-src 'self'",
            "script-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(policy.contains(directive), "{path}: {directive} missing from {policy:?}");
        }
        assert!(!policy.contains("unsafe"), "{path}: {policy}");
        assert_eq!(response.text().await.unwrap(), file, "{path}");
    }
    let bare = client().get(app.url("/dashboard")).send().await.unwrap();
    assert_eq!((bare.status().as_u16(), header(&bare, LOCATION).as_deref()), (308, Some("/dashboard/")));
    let (code, body) = app.get_json(&app.url("/dashboard/nothing.js"), None).await;
    assert_eq!((code, body["error"].as_str()), (404, Some("not_found")));
}

#[tokio::test]
async fn with_an_admin_address_the_admin_page_is_served_beside_status_and_not_publicly() {
    let app = spawn_app_with(|s| s.server.admin_addr = Some("127.0.0.1:0".parse().unwrap()));
    for path in ["/dashboard/admin", "/dashboard/admin.js", "/dashboard/dashboard.css"] {
        assert_eq!(
            client().get(app.admin_url(path)).send().await.unwrap().status(),
            200,
            "{path} on the admin listener"
        );
    }
    let (code, _) = app.get_json(&app.url("/dashboard/admin"), None).await;
    assert_eq!(code, 404, "the admin page leaves the public listener with /status");
    for path in ["/dashboard/", "/client/hub-client.js"] {
        assert_eq!(client().get(app.url(path)).send().await.unwrap().status(), 200, "{path} stays public");
    }
}

#[tokio::test]
async fn a_page_of_the_hubs_own_origin_may_open_a_socket_without_configuration() {
    let app = spawn_app_with(|s| s.server.allowed_origins = vec![]);
    let query = format!("?token={}", app.token("teacher"));
    let own = format!("http://127.0.0.1:{}", app.port);
    let mut tab = app.connect_with_headers(&query, &[("origin", &own)]).await.expect("the hub's own origin");
    app.notify("teacher", "hello", serde_json::json!({})).await;
    assert_eq!(tab.next_notification().await["event"], "hello");

    let other_port = format!("http://127.0.0.1:{}", app.port + 1);
    for origin in [other_port.as_str(), "http://localhost:5173", "null"] {
        let refused = app.connect_with_headers(&query, &[("origin", origin)]).await.err().expect(origin);
        assert_eq!((refused.status, refused.body["error"].as_str()), (403, Some("origin_not_allowed")), "{origin}");
    }
}
