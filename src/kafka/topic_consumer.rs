//! The actor of one topic. It pumps each partition assigned to it through the topic's pipeline
//! ([`Topic`]), one event at a time, and stops the pump when the partition is revoked; it
//! releases held events when their owner is learnt, and sweeps the holds for expired events and
//! owners learnt unannounced.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use actix::fut::wrap_future;
use actix::prelude::*;
use rdkafka::consumer::stream_consumer::StreamPartitionQueue;
use rdkafka::message::Message as _;
use tokio::sync::broadcast::error::RecvError;

use super::backoff::FIRST_PAUSE;
use super::commit::Coordinates;
use super::context::{Assigned, FromMainQueue, HubContext, Revoked};
use super::topic::Topic;
use crate::contracts::OwnerKey;

/// How often held events are checked for an owner learnt elsewhere, and for expiry.
const HOLD_SWEEP_INTERVAL: Duration = Duration::from_millis(500);

/// Consumes one topic.
pub(super) struct TopicConsumer {
    topic: Arc<Topic>,
    /// The pump of each partition assigned here.
    pumps: HashMap<i32, SpawnHandle>,
}

impl TopicConsumer {
    /// The actor of `topic`; partitions arrive with [`Assigned`].
    pub(super) fn new(topic: Topic) -> TopicConsumer {
        TopicConsumer { topic: Arc::new(topic), pumps: HashMap::new() }
    }

    fn release(&self, key: OwnerKey, ctx: &mut Context<Self>) {
        let topic = self.topic.clone();
        ctx.spawn(wrap_future(async move { topic.release(key).await }));
    }

    fn sweep_holds(&mut self, ctx: &mut Context<Self>) {
        self.topic.expire_holds();
        for key in self.topic.held_keys() {
            self.release(key, ctx);
        }
    }
}

impl Actor for TopicConsumer {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let learned = self.topic.owners_learned();
        ctx.add_stream(futures::stream::unfold(learned, |mut receiver| async move {
            loop {
                match receiver.recv().await {
                    Ok(key) => return Some((OwnerLearned { key }, receiver)),
                    // Missed announcements are caught by the periodic sweep.
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return None,
                }
            }
        }));
        ctx.run_interval(HOLD_SWEEP_INTERVAL, |act, ctx| act.sweep_holds(ctx));
        tracing::info!(topic = %self.topic.name(), "topic consumer started");
    }
}

impl Handler<Assigned> for TopicConsumer {
    type Result = ();

    fn handle(&mut self, assigned: Assigned, ctx: &mut Context<Self>) {
        let partition = assigned.partition;
        if let Some(previous) = self.pumps.remove(&partition) {
            ctx.cancel_future(previous);
        }
        let generation = self.topic.assign(partition);
        let pump = pump(self.topic.clone(), assigned.queue, partition, generation);
        self.pumps.insert(partition, ctx.spawn(wrap_future(pump)));
        tracing::info!(topic = %self.topic.name(), partition, "partition assigned");
    }
}

impl Handler<Revoked> for TopicConsumer {
    type Result = ();

    fn handle(&mut self, revoked: Revoked, ctx: &mut Context<Self>) {
        if let Some(pump) = self.pumps.remove(&revoked.partition) {
            ctx.cancel_future(pump);
        }
        self.topic.revoke(revoked.partition);
    }
}

impl Handler<FromMainQueue> for TopicConsumer {
    type Result = ();

    fn handle(&mut self, from_main: FromMainQueue, ctx: &mut Context<Self>) {
        let message = from_main.message;
        // Not assigned here (any more): its partition's owner reads it from the commit position.
        let Some(at) = self.topic.locate(&message) else { return };
        if self.topic.fence(at) {
            let topic = self.topic.clone();
            ctx.spawn(wrap_future(async move { topic.handle(at, Arc::new(message)).await }));
        }
    }
}

/// The owner of `key` was just learnt.
#[derive(Message)]
#[rtype(result = "()")]
struct OwnerLearned {
    /// The batch or class.
    key: OwnerKey,
}

impl StreamHandler<OwnerLearned> for TopicConsumer {
    fn handle(&mut self, learned: OwnerLearned, ctx: &mut Context<Self>) {
        self.release(learned.key, ctx);
    }

    fn finished(&mut self, _: &mut Context<Self>) {
        // The index is gone only at shutdown; the sweep still releases holds until then.
    }
}

/// Reads one partition's queue and takes each event through the pipeline before reading the
/// next.
async fn pump(topic: Arc<Topic>, queue: StreamPartitionQueue<HubContext>, partition: i32, generation: u64) {
    loop {
        let message = match queue.recv().await {
            Ok(message) => message.detach(),
            Err(error) => {
                tracing::warn!(partition, %error, "partition queue error");
                tokio::time::sleep(FIRST_PAUSE).await;
                continue;
            }
        };
        let at = Coordinates { partition, generation, offset: message.offset() };
        if topic.fence(at) {
            topic.handle(at, Arc::new(message)).await;
        }
    }
}
