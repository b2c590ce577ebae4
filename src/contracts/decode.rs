//! The entry point: one Kafka message in, one notification out.

use crate::contracts::content_digest::ContentDigest;
use crate::contracts::envelope::Envelope;
use crate::contracts::error::{echo, DecodeError};
use crate::contracts::events::Context;
use crate::contracts::limits::Limits;
use crate::contracts::notification::Notification;
use crate::contracts::topics::find;
use crate::contracts::traceparent::TraceParent;

/// A decoded message: the notification, plus the envelope facts the
/// consumer logs and traces with.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// What to publish.
    pub notification: Notification,
    /// The envelope's id: identifies this delivery in logs (not a dedupe key:
    /// the outbox relay regenerates it).
    pub event_id: String,
    /// The envelope's correlation id, for the consumer's tracing span.
    pub correlation_id: String,
    /// `metadata.traceparent`, when present and well-formed, to continue the
    /// producer's trace.
    pub traceparent: Option<TraceParent>,
    /// Who published it, as the producer spells itself.
    pub source_service: String,
}

/// Decodes the message `value` that arrived on Kafka `topic`.
///
/// The topic picks the contract. The envelope's `event_type` must equal the
/// topic, or form one of the `aliases` pairs `(topic, event_type)` the
/// caller allows (e.g. BOS sends `batch.pipeline.completed` on
/// `huleedu.batch.pipeline.completed.v1`).
///
/// # Errors
///
/// A [`DecodeError`] when the topic has no contract, the value is not a
/// valid envelope ([`Envelope::from_slice`]), the `event_type` does not
/// belong on the topic, or `data` does not satisfy the topic's contract.
pub fn decode(
    topic: &str,
    value: &[u8],
    limits: &Limits,
    aliases: &[(String, String)],
) -> Result<Decoded, DecodeError> {
    let spec = find(topic).ok_or_else(|| DecodeError::UnknownTopic { topic: echo(topic) })?;
    let envelope = Envelope::from_slice(value, limits)?;
    let allowed = envelope.event_type == spec.topic
        || aliases
            .iter()
            .any(|(alias_topic, event_type)| alias_topic == spec.topic && *event_type == envelope.event_type);
    if !allowed {
        return Err(DecodeError::EventTypeMismatch {
            topic: spec.topic.to_owned(),
            event_type: echo(&envelope.event_type),
        });
    }
    let traceparent = envelope.traceparent();
    let context = Context {
        topic: spec.topic,
        envelope_correlation_id: &envelope.correlation_id,
        envelope_timestamp: envelope.event_timestamp,
        digest: ContentDigest::of(&envelope.data),
    };
    let notification = spec.build(envelope.data, &context)?;
    Ok(Decoded {
        notification,
        event_id: envelope.event_id,
        correlation_id: envelope.correlation_id,
        traceparent,
        source_service: envelope.source_service,
    })
}
