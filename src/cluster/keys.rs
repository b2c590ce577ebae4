//! Every Redis key and channel the clustered mode uses, in one place. A user's keys share a
//! hash tag (`{user}`, the user id escaped by [`user_tag`]), so they would share a slot on a Redis
//! Cluster; the hub itself talks to one Redis server, since a batch's hand-off touches many users'
//! keys.

use std::fmt::Write;

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

    /// The user's channel, as today's service and producers name it: `ws:{user_id}`. The id is
    /// not escaped: everything after `ws:` is the id, so the name is unambiguous, and a legacy
    /// producer reaches any user by the id it knows.
    pub fn user_channel(user: &str) -> String {
        format!("ws:{user}")
    }

    /// The user whose channel this is.
    pub fn user_of_channel(channel: &str) -> Option<&str> {
        channel.strip_prefix("ws:").filter(|user| !user.is_empty())
    }

    /// The user's history stream.
    pub fn history(&self, user: &UserId) -> String {
        self.of_user(user, "history")
    }

    /// The epoch of the user's history.
    pub fn epoch(&self, user: &UserId) -> String {
        self.of_user(user, "epoch")
    }

    /// The newest id trimmed from the user's history: resuming from before it is a gap.
    pub fn trimmed(&self, user: &UserId) -> String {
        self.of_user(user, "trimmed")
    }

    /// The dedupe mark of one notification of the user. The dedupe key is the name's tail, so it
    /// needs no escaping: everything after `:seen:` is the key.
    pub fn seen(&self, user: &UserId, dedupe_key: &str) -> String {
        self.of_user(user, &format!("seen:{dedupe_key}"))
    }

    /// `<prefix>:{<user tag>}:<what>`.
    fn of_user(&self, user: &UserId, what: &str) -> String {
        format!("{}:{{{}}}:{what}", self.prefix, user_tag(user))
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

/// The user id as it stands inside a key's `{...}`: `%`, `{`, `}`, `:` and control characters
/// percent-encoded (`%25`, `%7B`, `%7D`, `%3A`, `%0A`...), everything else as it is. So the tag
/// holds no brace (a Redis Cluster hash tag ends at the first `}`), no two ids share a tag, the
/// id can be read back from it, and an id without those characters is its own tag: its keys kept
/// their names when the escaping came in.
pub fn user_tag(user: &str) -> std::borrow::Cow<'_, str> {
    let escaped = |c: char| matches!(c, '%' | '{' | '}' | ':') || c.is_control();
    if !user.contains(escaped) {
        return user.into();
    }
    let mut tag = String::with_capacity(user.len() + 8);
    for c in user.chars() {
        if escaped(c) {
            let mut bytes = [0; 4];
            for byte in c.encode_utf8(&mut bytes).bytes() {
                write!(tag, "%{byte:02X}").expect("writing to a String cannot fail");
            }
        } else {
            tag.push(c);
        }
    }
    tag.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reverses [`user_tag`], to show that it loses nothing.
    fn untag(tag: &str) -> String {
        let mut bytes = Vec::new();
        let mut rest = tag.as_bytes();
        while let Some((&byte, tail)) = rest.split_first() {
            if byte == b'%' {
                let hex = std::str::from_utf8(&tail[..2]).unwrap();
                bytes.push(u8::from_str_radix(hex, 16).unwrap());
                rest = &tail[2..];
            } else {
                bytes.push(byte);
                rest = tail;
            }
        }
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn a_plain_id_is_its_own_tag_so_its_keys_keep_their_names() {
        let keys = Keys::new("hub");
        let user: UserId = "3f6c1a2e-8d4b-4e7f-9a15-c2b7d0e9f481".into();
        assert_eq!(keys.history(&user), "hub:{3f6c1a2e-8d4b-4e7f-9a15-c2b7d0e9f481}:history");
        assert_eq!(keys.seen(&user, "api|x|k:1"), "hub:{3f6c1a2e-8d4b-4e7f-9a15-c2b7d0e9f481}:seen:api|x|k:1");
    }

    #[test]
    fn a_tag_holds_no_brace_colon_or_control_character_and_reads_back_as_the_id() {
        for user in ["a{b}c", "}", "a:b", "50%", "%7B", "line\nbreak", "tab\tand\u{7f}", "ü{é}", ""] {
            let tag = user_tag(user);
            assert!(!tag.contains(['{', '}', ':']) && !tag.contains(char::is_control), "{user:?} -> {tag}");
            assert_eq!(untag(&tag), user);
        }
    }

    #[test]
    fn ids_that_collide_when_joined_naively_get_different_keys() {
        let keys = Keys::new("hub");
        // Naively, `x`'s dedupe mark for `k{}:history` was the history stream of this other user.
        let (x, other): (UserId, UserId) = ("x".into(), "x}:seen:api|x|k{".into());
        assert_ne!(keys.seen(&x, "api|x|k{}:history"), keys.history(&other));
        assert_eq!(keys.history(&other), "hub:{x%7D%3Aseen%3Aapi|x|k%7B}:history");
        assert_ne!(keys.history(&"a:b".into()), keys.history(&"a%3Ab".into()));
    }
}
