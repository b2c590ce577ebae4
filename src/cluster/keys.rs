//! Every Redis key and channel the clustered mode uses, in one place. A user's keys share a
//! hash tag (`{user}`), so they would share a slot on a Redis Cluster; the hub itself talks to one
//! Redis server, since a batch's hand-off touches many users' keys.

use hub_actors::UserId;

use crate::contracts::OwnerKey;

/// Names under one prefix.
#[derive(Debug, Clone)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    /// Keys under `prefix`.
    pub fn new(prefix: &str) -> Keys {
        Keys { prefix: prefix.to_owned() }
    }

    /// The user's channel, as today's service and producers name it: `ws:{user_id}`.
    pub fn user_channel(user: &str) -> String {
        format!("ws:{user}")
    }

    /// The user whose channel this is.
    pub fn user_of_channel(channel: &str) -> Option<&str> {
        channel.strip_prefix("ws:").filter(|user| !user.is_empty())
    }

    /// The user's history stream.
    pub fn history(&self, user: &UserId) -> String {
        format!("{}:{{{user}}}:history", self.prefix)
    }

    /// The epoch of the user's history.
    pub fn epoch(&self, user: &UserId) -> String {
        format!("{}:{{{user}}}:epoch", self.prefix)
    }

    /// The newest id trimmed from the user's history: resuming from before it is a gap.
    pub fn trimmed(&self, user: &UserId) -> String {
        format!("{}:{{{user}}}:trimmed", self.prefix)
    }

    /// The dedupe mark of one notification of the user.
    pub fn seen(&self, user: &UserId, dedupe_key: &str) -> String {
        format!("{}:{{{user}}}:seen:{dedupe_key}", self.prefix)
    }

    /// The owner of a batch or class.
    pub fn owner(&self, key: &OwnerKey) -> String {
        format!("{}:owner:{key}", self.prefix)
    }

    /// Announcements of learnt owners, so every instance releases its held events.
    pub fn owners_channel(&self) -> String {
        format!("{}:owners", self.prefix)
    }

    /// Operator commands for every instance (disconnect a user).
    pub fn control_channel(&self) -> String {
        format!("{}:control", self.prefix)
    }

    /// One instance's heartbeat (its counts), expiring with it.
    pub fn instance(&self, id: &str) -> String {
        format!("{}:instance:{id}", self.prefix)
    }

    /// The ids of instances that have heartbeated.
    pub fn instances(&self) -> String {
        format!("{}:instances", self.prefix)
    }
}
