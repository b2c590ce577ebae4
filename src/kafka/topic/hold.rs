//! The hold stage: an event whose owner is not known yet waits in the topic's
//! [`Holds`](crate::ingest::holds::Holds), behind earlier events of its batch or class, and its
//! partition's commit position stays at it. The events of a key are released in order once its
//! owner is learnt, here or by another instance; those still waiting at `ownership.hold_timeout`
//! are dead-lettered with reason `owner_unknown`.

use std::time::{Duration, Instant};

use super::{HeldEvent, Refusal, Topic};
use crate::contracts::OwnerKey;
use crate::kafka::backoff;
use hub_actors::ErrorChain;

impl Topic {
    /// Hold: `event` waits for the owner of `key`, behind the events already waiting for it.
    pub(super) fn hold(&self, key: OwnerKey, event: HeldEvent) -> Result<(), Refusal> {
        if !self.commits.lock().is_current(event.at) {
            return Ok(()); // Revoked meanwhile: the partition's next reader reads it again.
        }
        let mut holds = self.holds.lock();
        if !holds.has_room_for(&event) {
            return Err(Refusal::HoldsFull);
        }
        tracing::info!(
            topic = %self.name, partition = event.at.partition, offset = event.at.offset, %key,
            "owner not known yet; holding the event"
        );
        holds.push(key, Instant::now() + self.ingest.hold_timeout, event);
        self.stats.held(holds.len());
        Ok(())
    }

    /// Keys whose owner was just learnt, here or by another instance.
    pub(in crate::kafka) fn owners_learned(&self) -> tokio::sync::broadcast::Receiver<OwnerKey> {
        self.ingest.owners.learned()
    }

    /// Hands off the events held for `key`, in order, once its owner is known, each retried
    /// until the bridge takes it (to the teacher it names, or else to the owner), then
    /// committed. Events for the key that arrive meanwhile queue behind and go next. While the
    /// owner is unknown (or the index unreachable) they stay, but those at the front that name
    /// their teacher go (the events they waited behind have expired); the periodic sweep tries
    /// again.
    pub(in crate::kafka) async fn release(&self, key: OwnerKey) {
        if !self.holds.lock().begin_release(&key) {
            return;
        }
        loop {
            let owner = match self.ingest.owners.lookup(&key).await {
                Ok(owner) => owner,
                Err(error) => {
                    tracing::debug!(%key, error = %ErrorChain(&error), "owner not looked up; the sweep tries again");
                    break;
                }
            };
            let events = self.take_held(&key, owner.is_some());
            if events.is_empty() {
                break;
            }
            for event in events {
                let teacher = event.teacher.as_ref().or(owner.as_ref()).expect("taken only with a teacher");
                let hand_off = || self.hand_off(&event.notification, teacher);
                let accepted = backoff::retry(self.ingest.retry_backoff_max, hand_off, refused).await;
                self.stats.accepted(accepted);
                self.commit(event.at);
            }
            if !self.holds.lock().is_waiting(&key) {
                break;
            }
        }
        self.holds.lock().end_release(&key);
    }

    /// Dead-letters and commits the events whose owner did not become known in time.
    pub(in crate::kafka) fn expire_holds(&self) {
        let expired = {
            let mut holds = self.holds.lock();
            let expired = holds.expire(Instant::now());
            self.stats.held(holds.len());
            expired
        };
        for (key, event) in expired {
            tracing::warn!(
                topic = %self.name, partition = event.at.partition, offset = event.at.offset, %key,
                "no owner became known in time; dead-lettering the event"
            );
            self.stats.owner_unknown();
            self.dead_letter(&event.message, "owner_unknown");
            self.commit(event.at);
        }
    }

    /// The keys with events waiting and no release under way: their owner may have been learnt
    /// by another instance, whose announcement this one missed.
    pub(in crate::kafka) fn held_keys(&self) -> Vec<OwnerKey> {
        self.holds.lock().idle_keys().cloned().collect()
    }

    /// The events waiting for `key`: all of them once its owner is known, else those at the
    /// front that name their teacher.
    fn take_held(&self, key: &OwnerKey, owner_known: bool) -> Vec<HeldEvent> {
        let mut holds = self.holds.lock();
        let events = holds.release_while(key, |event| owner_known || event.teacher.is_some());
        self.stats.held(holds.len());
        events
    }
}

fn refused(error: &hub_actors::BridgeError, backoff: Duration) {
    tracing::warn!(error = %ErrorChain(error), ?backoff, "the bridge refused a released event; retrying");
}
