//! `GET /ws`: verify the token, upgrade, register the session for fan-out, and answer the
//! client's pings until it leaves. In the actor mode the socket also owns one empty actor.

use actix::{Actor, Context};
use actix_web::error::ErrorUnauthorized;
use actix_web::{web, HttpRequest, HttpResponse};
use actix_ws::{AggregatedMessage, CloseReason, MessageStream, Session};
use bytestring::ByteString;
use serde::Deserialize;

use crate::{AppState, Mode};

/// The hub's default `ws.max_frame_bytes`, for single frames and aggregated continuations.
const MAX_FRAME_BYTES: usize = 64 * 1024;

/// The answer to an application-level ping.
const PONG: &str = r#"{"type":"pong"}"#;

/// The "one empty actor" of the RSS baseline: no state, no messages, no timers.
pub struct Idle;

impl Actor for Idle {
    type Context = Context<Self>;
}

#[derive(Deserialize)]
struct ConnectQuery {
    /// Absent is as bad as invalid: 401.
    #[serde(default)]
    token: String,
}

/// The start of any client frame.
#[derive(Deserialize)]
struct ClientFrame<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
}

/// 401 unless the token verifies; then the upgrade, and one task per socket.
pub async fn connect(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> actix_web::Result<HttpResponse> {
    let query = web::Query::<ConnectQuery>::from_query(req.query_string())?;
    let user = state.verifier.verify(&query.token).map_err(|_| ErrorUnauthorized("invalid token"))?.sub;
    let (response, mut session, stream) = actix_ws::handle(&req, body)?;
    let id = state.sockets.add(&user, session.clone());
    let idle = (state.mode == Mode::Actor).then(|| Idle.start());
    actix_web::rt::spawn(async move {
        let reason = converse(&mut session, stream).await;
        state.sockets.remove(&user, id);
        let _ = session.close(reason).await;
        // The actor lives exactly as long as the socket.
        drop(idle);
    });
    Ok(response)
}

/// Answers pings until the client closes (its close reason is returned, to echo) or the stream
/// ends or fails.
async fn converse(session: &mut Session, stream: MessageStream) -> Option<CloseReason> {
    let mut stream =
        stream.max_frame_size(MAX_FRAME_BYTES).aggregate_continuations().max_continuation_size(MAX_FRAME_BYTES);
    while let Some(Ok(message)) = stream.recv().await {
        let written = match message {
            AggregatedMessage::Text(text) if is_ping(&text) => session.text(ByteString::from_static(PONG)).await,
            AggregatedMessage::Ping(payload) => session.pong(&payload).await,
            AggregatedMessage::Close(reason) => return reason,
            _ => Ok(()),
        };
        if written.is_err() {
            break;
        }
    }
    None
}

fn is_ping(text: &str) -> bool {
    serde_json::from_str::<ClientFrame>(text).is_ok_and(|frame| frame.kind == "ping")
}
