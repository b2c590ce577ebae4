//! `spawn_app()`: the real application on a random port in its own actix system, and `TestApp`,
//! its typed helpers over real HTTP and real WebSockets.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use hub::settings::Settings;
use hub::startup::{Application, ShutdownTrigger};
use secrecy::SecretString;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use super::{now, token_with, Client, Refused, PROMPTLY, SECRET};

/// Settings every test starts from: embedded mode, random port, the test secret.
pub fn test_settings() -> Settings {
    let mut settings = Settings::default();
    settings.server.port = 0;
    settings.server.workers = Some(2);
    settings.auth.jwt_secret = SecretString::from(SECRET);
    settings.shutdown.grace_period = Duration::from_secs(5);
    settings
}

/// A running hub.
pub struct TestApp {
    pub port: u16,
    pub admin_port: Option<u16>,
    shutdown: ShutdownTrigger,
    stopped: mpsc::Receiver<()>,
    http: reqwest::Client,
}

pub fn spawn_app() -> TestApp {
    spawn_app_with(|_| {})
}

pub fn spawn_app_with(customise: impl FnOnce(&mut Settings)) -> TestApp {
    // `TEST_LOG=debug cargo nextest run ...` shows the hub's logs of a failing test.
    if let Ok(filter) = std::env::var("TEST_LOG") {
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
    }
    let mut settings = test_settings();
    customise(&mut settings);
    let (ready_tx, ready_rx) = mpsc::channel();
    let (stopped_tx, stopped_rx) = mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let app = Application::build(settings).await.expect("the app builds");
            ready_tx.send((app.port(), app.admin_port(), app.shutdown_trigger())).unwrap();
            app.run_until_stopped().await.expect("the app runs");
        });
        let _ = stopped_tx.send(());
    });
    let (port, admin_port, shutdown) = ready_rx.recv_timeout(PROMPTLY).expect("the app starts");
    TestApp { port, admin_port, shutdown, stopped: stopped_rx, http: reqwest::Client::new() }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn admin_url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.admin_port.unwrap_or(self.port))
    }

    pub fn ws_url(&self, query: &str) -> String {
        format!("ws://127.0.0.1:{}/ws{query}", self.port)
    }

    /// A valid user token for `sub` that lives an hour.
    pub fn token(&self, sub: &str) -> String {
        token_with(json!({ "sub": sub, "exp": now() + 3600 }))
    }

    pub fn service_token(&self) -> String {
        token_with(json!({ "sub": "svc-file", "exp": now() + 3600, "roles": ["service"] }))
    }

    pub fn admin_token(&self) -> String {
        token_with(json!({ "sub": "ops", "exp": now() + 3600, "role": "admin" }))
    }

    /// Opens a socket for `sub` and waits until it has joined its user's session, so that
    /// everything published afterwards reaches it; panics if that fails.
    pub async fn connect(&self, sub: &str) -> Client {
        let mut client =
            self.connect_query(&format!("?token={}", self.token(sub))).await.expect("the handshake succeeds");
        client.joined().await;
        client
    }

    /// Opens a socket with the given query string.
    pub async fn connect_query(&self, query: &str) -> Result<Client, Refused> {
        Client::open(self.ws_url(query).into_client_request().unwrap()).await
    }

    /// Opens a socket with extra request headers.
    pub async fn connect_with_headers(&self, query: &str, headers: &[(&'static str, &str)]) -> Result<Client, Refused> {
        let mut request = self.ws_url(query).into_client_request().unwrap();
        for (name, value) in headers {
            request.headers_mut().insert(*name, HeaderValue::from_str(value).unwrap());
        }
        Client::open(request).await
    }

    /// Publishes through the HTTP API with a service token; returns status and JSON body.
    pub async fn publish(&self, body: Value) -> (u16, Value) {
        self.publish_as(&self.service_token(), body).await
    }

    pub async fn publish_as(&self, token: &str, body: Value) -> (u16, Value) {
        let response = self.http.post(self.url("/api/v1/publish")).bearer_auth(token).json(&body).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Tells the hub who owns batches or classes (`POST /api/v1/owners` with a service token),
    /// expecting 202.
    pub async fn learn_owners(&self, body: Value) {
        let response = self
            .http
            .post(self.url("/api/v1/owners"))
            .bearer_auth(self.service_token())
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 202, "POST /api/v1/owners {body}");
    }

    /// Posts `body` (any text, so malformed bodies too) to the batch publish route with a service
    /// token; returns status and JSON body.
    pub async fn publish_batch(&self, body: &str) -> (u16, Value) {
        let request = self.http.post(self.url("/api/v1/publish/batch")).bearer_auth(self.service_token());
        let response = request.header("content-type", "application/json").body(body.to_owned()).send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or_default())
    }

    /// Publishes a simple notification `event` for `user` with `data`; asserts 202 and returns the id.
    pub async fn notify(&self, user: &str, event: &str, data: Value) -> String {
        let (status, body) = self.publish(json!({ "user_id": user, "event": event, "data": data })).await;
        assert_eq!(status, 202, "{body}");
        body["id"].as_str().unwrap().to_owned()
    }

    pub async fn get_json(&self, url: &str, token: Option<&str>) -> (u16, Value) {
        let mut request = self.http.get(url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }

    pub async fn status(&self) -> Value {
        let (code, body) = self.get_json(&self.admin_url("/status"), Some(&self.admin_token())).await;
        assert_eq!(code, 200, "{body}");
        body
    }

    /// Waits until the status satisfies `check`, or panics with the last status.
    pub async fn wait_for_status(&self, what: &str, check: impl Fn(&Value) -> bool) -> Value {
        self.wait_for_status_within(what, PROMPTLY, check).await
    }

    pub async fn wait_for_status_within(&self, what: &str, within: Duration, check: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let status = self.status().await;
            if check(&status) {
                return status;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}; last status: {status}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until live actor counts are exactly these.
    pub async fn wait_for_actors(&self, connections: i64, sessions: i64) -> Value {
        self.wait_for_status(&format!("{connections} connections and {sessions} sessions"), |s| {
            s["actors"]["connection"] == connections && s["actors"]["user_session"] == sessions
        })
        .await
    }

    /// Starts the graceful shutdown and waits for the app to stop.
    pub fn shutdown(&self) -> ShutdownTrigger {
        self.shutdown.clone()
    }

    pub async fn wait_stopped(&self, within: Duration) {
        let deadline = Instant::now() + within;
        while self.stopped.try_recv().is_err() {
            assert!(Instant::now() < deadline, "the app did not stop within {within:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
