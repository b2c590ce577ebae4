//! Partitions of the topic coming and going: each assignment is a new generation, whose events
//! are fenced as they are read so that no commit passes them; a revoked partition's positions
//! and held events are forgotten, since its next reader starts from its commit position.

use rdkafka::message::{Message as _, OwnedMessage};

use super::Topic;
use crate::kafka::commit::Coordinates;

impl Topic {
    /// `partition` is assigned here (again): the generation its events are read under.
    pub(in crate::kafka) fn assign(&self, partition: i32) -> u64 {
        let mut commits = self.commits.lock();
        let generation = commits.assign(partition);
        self.stats.partitions(commits.assigned());
        generation
    }

    /// `partition` left: its positions and its held events are forgotten.
    pub(in crate::kafka) fn revoke(&self, partition: i32) {
        {
            let mut commits = self.commits.lock();
            if let Some(in_flight) = commits.revoke(partition) {
                tracing::info!(topic = %self.name, partition, in_flight, "partition revoked");
            }
            self.stats.partitions(commits.assigned());
        }
        let mut holds = self.holds.lock();
        holds.retain(|event| event.at.partition != partition);
        self.stats.held(holds.len());
    }

    /// Starts tracking `at`, so that no commit passes it; `false` when its partition's
    /// assignment is over. Each offset is counted as consumed once.
    pub(in crate::kafka) fn fence(&self, at: Coordinates) -> bool {
        let Some(first_time) = self.commits.lock().fence(at) else { return false };
        if first_time {
            self.stats.consumed();
        }
        true
    }

    /// Where `message` sits, if its partition is assigned here.
    pub(in crate::kafka) fn locate(&self, message: &OwnedMessage) -> Option<Coordinates> {
        let generation = self.commits.lock().generation(message.partition())?;
        Some(Coordinates { partition: message.partition(), generation, offset: message.offset() })
    }
}
