//! `Client`, a real WebSocket client (tokio-tungstenite) with typed reads, and how a socket ends.

use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::PROMPTLY;

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
    pub(super) async fn open(request: Request) -> Result<Client, Refused> {
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
