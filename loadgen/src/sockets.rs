//! One task per client socket: connect (from a chosen loopback source address), authenticate
//! with `?token=`, prove the join with a ping/pong, then read frames and stamp each probe
//! notification's arrival until told to stop.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::{oneshot, watch, OwnedSemaphorePermit};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::WebSocketStream;

use crate::clock::unix_nanos;

/// Read and write buffers per socket. tokio-tungstenite's default 128 KiB read buffer is
/// zero-filled on first use and would cost ~137 KiB resident per socket; 4 KiB costs ~9.4 KiB.
const BUFFER_BYTES: usize = 4 * 1024;

/// How long a socket may take to close politely at the end of a run.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// One delivered probe frame.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sample {
    /// The notification's `data.seq`.
    pub seq: u64,
    /// Arrival minus `data.sent_ns`, in nanoseconds.
    pub latency_ns: u64,
}

/// What to open.
pub(crate) struct SocketSpec {
    /// Index of the user (within this shard) the socket belongs to.
    pub user: u32,
    /// `ws://host:port/ws?token=...`.
    pub url: String,
    /// The hub's loopback address.
    pub addr: SocketAddr,
    /// Local address to bind before connecting, if any.
    pub bind: Option<IpAddr>,
    /// Bound on connect + handshake + first ping/pong.
    pub timeout: Duration,
}

/// What a socket saw.
#[derive(Debug, Default)]
pub(crate) struct SocketResult {
    /// Whether the socket joined (handshake and ping/pong done).
    pub joined: bool,
    /// The user index.
    pub user: u32,
    /// Probe frames in arrival order.
    pub samples: Vec<Sample>,
    /// Wall-clock ns of the last probe frame.
    pub last_arrival_ns: u64,
    /// Text frames that were not probes (pong, token_expiring, ...).
    pub other_frames: u64,
    /// How the socket ended before the run stopped it (`closed_4002`, `dropped`, ...).
    pub ended_early: Option<String>,
}

/// The WebSocket settings every client socket uses.
pub(crate) fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(BUFFER_BYTES)
        .write_buffer_size(BUFFER_BYTES)
        .max_write_buffer_size(64 * 1024)
}

/// Runs one socket. `ready` gets `Ok` once the socket has joined its user's session (the hub
/// answered a ping), or the reason it did not; the permit is released at that moment.
pub(crate) async fn run(
    spec: SocketSpec,
    permit: OwnedSemaphorePermit,
    ready: oneshot::Sender<Result<(), String>>,
    mut stop: watch::Receiver<bool>,
) -> SocketResult {
    let mut result = SocketResult { user: spec.user, ..SocketResult::default() };
    let opened = tokio::time::timeout(spec.timeout, open(&spec)).await.unwrap_or_else(|_| Err("timeout".into()));
    drop(permit);
    let mut ws = match opened {
        Ok(ws) => ws,
        Err(reason) => {
            let _ = ready.send(Err(reason));
            return result;
        }
    };
    result.joined = true;
    let _ = ready.send(Ok(()));
    loop {
        tokio::select! {
            biased;
            message = ws.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    let now = unix_nanos();
                    match parse_probe(text.as_str()) {
                        Some((seq, sent_ns)) => {
                            result.samples.push(Sample { seq, latency_ns: now.saturating_sub(sent_ns) });
                            result.last_arrival_ns = now;
                        }
                        None => result.other_frames += 1,
                    }
                }
                Some(Ok(Message::Close(frame))) => {
                    let code = frame.map(|f| u16::from(f.code)).unwrap_or(1005);
                    result.ended_early = Some(format!("closed_{code}"));
                    return result;
                }
                // tungstenite answers pings itself while we read.
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    result.ended_early = Some(format!("error_{}", error_kind(&e)));
                    return result;
                }
                None => {
                    result.ended_early = Some("dropped".into());
                    return result;
                }
            },
            _ = stop.changed() => break,
        }
    }
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, async {
        let _ = ws.close(None).await;
        while ws.next().await.is_some() {}
    })
    .await;
    result
}

async fn open(spec: &SocketSpec) -> Result<WebSocketStream<TcpStream>, String> {
    let socket = if spec.addr.is_ipv4() { TcpSocket::new_v4() } else { TcpSocket::new_v6() };
    let socket = socket.map_err(|e| format!("socket_{:?}", e.kind()))?;
    if let Some(ip) = spec.bind {
        socket.bind(SocketAddr::new(ip, 0)).map_err(|e| format!("bind_{:?}", e.kind()))?;
    }
    let stream = socket.connect(spec.addr).await.map_err(|e| format!("connect_{:?}", e.kind()))?;
    stream.set_nodelay(true).map_err(|e| format!("nodelay_{:?}", e.kind()))?;
    let request = spec.url.as_str().into_client_request().map_err(|e| format!("request_{}", error_kind(&e)))?;
    let (mut ws, _) = tokio_tungstenite::client_async_with_config(request, stream, Some(ws_config()))
        .await
        .map_err(|e| format!("handshake_{}", error_kind(&e)))?;
    // The hub reads client frames only once the socket has joined its session: a pong proves
    // that everything published from now on reaches this socket.
    ws.send(Message::text(r#"{"type":"ping"}"#)).await.map_err(|e| format!("ping_{}", error_kind(&e)))?;
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(text))) if text.as_str().contains(r#""type":"pong""#) => return Ok(ws),
            Some(Ok(Message::Close(frame))) => {
                return Err(format!("closed_{}", frame.map(|f| u16::from(f.code)).unwrap_or(1005)));
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(format!("join_{}", error_kind(&e))),
            None => return Err("join_dropped".into()),
        }
    }
}

/// A short label for an error, for counting.
fn error_kind(e: &WsError) -> String {
    match e {
        WsError::Http(response) => format!("http_{}", response.status().as_u16()),
        WsError::Io(io) => format!("io_{:?}", io.kind()),
        WsError::ConnectionClosed | WsError::AlreadyClosed => "closed".into(),
        WsError::Protocol(_) => "protocol".into(),
        WsError::Capacity(_) => "capacity".into(),
        WsError::Utf8(_) => "utf8".into(),
        WsError::Url(_) => "url".into(),
        _ => "other".into(),
    }
}

/// `(seq, sent_ns)` of a probe notification frame, found without parsing the whole frame.
/// The hub keeps the publisher's `data` keys first and in order (`"data":{"seq":..,"sent_ns":..`).
pub(crate) fn parse_probe(frame: &str) -> Option<(u64, u64)> {
    let data = frame.find(r#""data":{"#)?;
    let rest = &frame[data..];
    Some((number_after(rest, r#""seq":"#)?, number_after(rest, r#""sent_ns":"#)?))
}

fn number_after(text: &str, key: &str) -> Option<u64> {
    let start = text.find(key)? + key.len();
    let digits = text[start..].trim_start();
    let end = digits.find(|c: char| !c.is_ascii_digit()).unwrap_or(digits.len());
    digits[..end].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_are_found_in_hub_frames() {
        let frame = r#"{"type":"notification","id":"1795311104021-7","epoch":"c88d","event":"loadgen_probe","category":null,"priority":"standard","timestamp":"2026-11-22T01:31:44.021358Z","correlation_id":"x","data":{"seq":42,"sent_ns":1795311104021000000,"category":null,"priority":"standard"}}"#;
        assert_eq!(parse_probe(frame), Some((42, 1_795_311_104_021_000_000)));
        assert_eq!(parse_probe(r#"{"type":"pong"}"#), None);
        assert_eq!(parse_probe(r#"{"type":"notification","data":{"batch_id":"b"}}"#), None);
    }
}
