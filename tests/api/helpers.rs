//! `spawn_app()` starts the real hub on a random port in its own actix system; `TestApp` and
//! `Client` give tests typed helpers over real HTTP and real WebSockets.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures::{SinkExt, StreamExt};
use hub::settings::Settings;
use hub::startup::{Application, ShutdownTrigger};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::SecretString;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const SECRET: &str = "integration-test-secret-0123456789";
pub const ISSUER: &str = "huleedu-identity-service";
pub const AUDIENCE: &str = "huleedu-platform";

/// How long a test waits for something that should happen promptly.
pub const PROMPTLY: Duration = Duration::from_secs(5);

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

/// Signs `claims` (with `iss` and `aud` added unless present) with the test secret.
pub fn token_with(mut claims: Value) -> String {
    let object = claims.as_object_mut().unwrap();
    object.entry("iss").or_insert(json!(ISSUER));
    object.entry("aud").or_insert(json!(AUDIENCE));
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(SECRET.as_bytes())).unwrap()
}

pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// A refused handshake: the HTTP status and JSON body.
#[derive(Debug)]
pub struct Refused {
    pub status: u16,
    pub body: Value,
}

/// A real WebSocket client.
pub struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// When the server's close frame arrived.
    pub closed_at: Option<Instant>,
    /// The last notification frame read, for resuming elsewhere.
    pub last_notification: Option<Value>,
}

/// How a socket ended, as the client saw it.
#[derive(Debug, PartialEq, Eq)]
pub enum Ending {
    /// A close frame with this code.
    Closed(u16),
    /// The TCP connection ended without a close frame.
    Dropped,
}

impl Client {
    async fn open(request: tokio_tungstenite::tungstenite::handshake::client::Request) -> Result<Client, Refused> {
        // Small buffers: a storm test holds thousands of these (DEPENDENCIES.md: the default
        // 128 KiB read buffer is zero-filled per socket).
        let config = WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(4096);
        match tokio_tungstenite::connect_async_with_config(request, Some(config), true).await {
            Ok((ws, _)) => Ok(Client { ws, closed_at: None, last_notification: None }),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                let status = response.status().as_u16();
                let body =
                    response.body().as_deref().and_then(|b| serde_json::from_slice(b).ok()).unwrap_or(Value::Null);
                Err(Refused { status, body })
            }
            Err(other) => panic!("handshake failed below HTTP: {other}"),
        }
    }

    /// Waits until the socket has joined its user's session (so everything published from now
    /// on reaches it): the connection reads client frames only once it has, so a pong proves it.
    pub async fn joined(&mut self) {
        self.send_json(json!({ "type": "ping" })).await;
        assert_eq!(self.next_frame().await, json!({ "type": "pong" }), "the socket joined");
    }

    /// The next text frame as JSON; panics on close or timeout.
    pub async fn next_frame(&mut self) -> Value {
        self.next_frame_within(PROMPTLY).await.expect("a frame arrives")
    }

    /// The next text frame within `within`, or `None` if none came.
    pub async fn next_frame_within(&mut self, within: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let message = match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => return None,
                Ok(message) => message,
            };
            match message {
                Some(Ok(Message::Text(text))) => return Some(serde_json::from_str(&text).expect("frames are JSON")),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                other => panic!("expected a text frame, got {other:?}"),
            }
        }
    }

    /// The next `type: notification` frame, skipping nothing else: any other frame fails.
    pub async fn next_notification(&mut self) -> Value {
        let frame = self.next_frame().await;
        assert_eq!(frame["type"], "notification", "{frame}");
        self.last_notification = Some(frame.clone());
        frame
    }

    /// Asserts that no text frame arrives for `within`.
    pub async fn expect_silence(&mut self, within: Duration) {
        if let Some(frame) = self.next_frame_within(within).await {
            panic!("expected no frame, got {frame}");
        }
    }

    pub async fn send_text(&mut self, text: &str) {
        self.ws.send(Message::text(text)).await.unwrap();
    }

    pub async fn send_json(&mut self, value: Value) {
        self.send_text(&value.to_string()).await;
    }

    pub async fn send_message(&mut self, message: Message) {
        self.ws.send(message).await.unwrap();
    }

    /// Reads until the socket ends (skipping frames) and says how.
    pub async fn ending(&mut self, within: Duration) -> Ending {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => panic!("the socket did not end within {within:?}"),
                Ok(Some(Ok(Message::Close(frame)))) => {
                    self.closed_at = Some(Instant::now());
                    // Finish the closing handshake as a browser does: tungstenite answers the
                    // close while we keep reading until the server ends the connection.
                    let _ = tokio::time::timeout(PROMPTLY, async { while self.ws.next().await.is_some() {} }).await;
                    return Ending::Closed(frame.map(|f| u16::from(f.code)).unwrap_or(1005));
                }
                Ok(Some(Ok(_))) => continue,
                Ok(Some(Err(_)) | None) => return Ending::Dropped,
            }
        }
    }

    /// The client's end of the TCP connection, to find the connection in `/proc/net/tcp`.
    pub fn local_port(&self) -> u16 {
        match self.ws.get_ref() {
            MaybeTlsStream::Plain(tcp) => tcp.local_addr().unwrap().port(),
            _ => unreachable!("the tests connect without TLS"),
        }
    }

    /// The close code the server sends next (skipping frames before it).
    pub async fn close_code(&mut self) -> u16 {
        match self.ending(PROMPTLY).await {
            Ending::Closed(code) => code,
            Ending::Dropped => panic!("the socket dropped without a close frame"),
        }
    }

    /// Closes politely.
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
        let _ = tokio::time::timeout(PROMPTLY, async { while self.ws.next().await.is_some() {} }).await;
    }

    /// Drops the TCP connection without a close frame, as a crashed browser would.
    pub fn drop_abruptly(self) {
        let stream = self.ws.into_inner();
        if let MaybeTlsStream::Plain(tcp) = stream {
            // Linger zero: the kernel answers with a reset, as when a machine vanishes.
            #[allow(deprecated)]
            tcp.set_linger(Some(Duration::ZERO)).ok();
            drop(tcp);
        }
    }
}

impl Client {
    /// Wraps a socket opened elsewhere (e.g. against a hub process).
    pub fn from_stream(ws: WebSocketStream<MaybeTlsStream<TcpStream>>) -> Client {
        Client { ws, closed_at: None, last_notification: None }
    }
}

/// The real `hub` binary, started with `HUB__*` settings; killed on drop.
pub struct HubProcess {
    child: std::process::Child,
    pub lines: Arc<Mutex<Vec<String>>>,
}

impl HubProcess {
    /// Starts it on a free port with JSON logs; `settings` are extra `HUB__*` variables.
    pub fn start(settings: &[(&str, &str)]) -> HubProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hub"))
            .current_dir(std::env::temp_dir())
            .env_remove("RUST_LOG")
            .env_remove("HUB_CONFIG")
            .env("HUB__SERVER__PORT", "0")
            .env("HUB__AUTH__JWT_SECRET", SECRET)
            .env("HUB__LOG__FORMAT", "json")
            .env("HUB__SHUTDOWN__GRACE_PERIOD", "5s")
            .envs(settings.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the hub binary starts");
        let lines = Arc::new(Mutex::new(Vec::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let lines = lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    lines.lock().unwrap().push(line);
                }
            });
        }
        HubProcess { child, lines }
    }

    /// The port it logged that it listens on.
    pub async fn port(&self) -> u16 {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let found = self.lines.lock().unwrap().iter().find_map(|line| {
                let entry: Value = serde_json::from_str(line).ok()?;
                entry["message"].as_str()?.starts_with("hub listening").then(|| entry["port"].as_u64())?
            });
            if let Some(port) = found {
                return port as u16;
            }
            assert!(Instant::now() < deadline, "no listening line: {:?}", self.lines.lock().unwrap());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit.
    pub async fn wait_exit(&mut self, within: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the hub did not exit within {within:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl HubProcess {
    /// Kills it at once (SIGKILL): no graceful shutdown, no final commit.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// Polls `check` every 20 ms for up to `within`.
pub async fn eventually(what: &str, within: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
