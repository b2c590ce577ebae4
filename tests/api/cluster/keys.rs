//! Redis key names stay unambiguous for any user id: a user's keys carry the id escaped
//! (`%`, `{`, `}`, `:` and control characters percent-encoded), and a dedupe key is scoped by
//! its user. A stream whose key was renamed by that escaping starts a new epoch.

use std::time::Duration;

use futures::future;
use serde_json::{json, Value};

use super::redis_server::{spawn_instance, RedisServer};
use crate::helpers::TestApp;

/// Ids that need escaping in a key name, one of each kind.
const AWKWARD_IDS: [&str; 5] = ["a{b}c", "}{", "a:b", "50%", "tab\tand\u{7f}"];

async fn publish_deduped(app: &TestApp, user: &str, dedupe_key: &str, n: u64) -> Value {
    let body = json!({ "user_id": user, "event": "e", "data": { "n": n }, "dedupe_key": dedupe_key });
    let (code, reply) = app.publish(body).await;
    assert_eq!(code, 202, "{user} with {dedupe_key}: {reply}");
    reply
}

#[tokio::test]
async fn dedupe_keys_are_scoped_per_user_without_ambiguity_across_instances() {
    let redis = RedisServer::volatile();
    let (a, b) = (spawn_instance(&redis, "a"), spawn_instance(&redis, "b"));
    let mut first = a.connect("a|b").await;
    let mut second = b.connect("a").await;
    let one = publish_deduped(&a, "a|b", "c", 1).await;
    let two = publish_deduped(&b, "a", "b|c", 2).await;
    assert_eq!((one["duplicate"].as_bool(), two["duplicate"].as_bool()), (Some(false), Some(false)));
    assert_eq!(first.next_notification().await["data"]["n"], 1);
    assert_eq!(second.next_notification().await["data"]["n"], 2);
}

#[tokio::test]
async fn users_whose_ids_need_escaping_get_their_notifications_across_two_instances_and_resume() {
    let redis = RedisServer::volatile();
    let (a, b) = (spawn_instance(&redis, "a"), spawn_instance(&redis, "b"));
    let mut seen = Vec::new();
    for user in AWKWARD_IDS {
        let mut tab = a.connect(user).await;
        b.notify(user, "live", json!({ "user": user })).await;
        let frame = tab.next_notification().await;
        assert_eq!(frame["data"]["user"], user);
        seen.push((tab, frame));
    }
    let (tabs, seen): (Vec<_>, Vec<Value>) = seen.into_iter().unzip();
    future::join_all(tabs.into_iter().map(|tab| tab.close())).await;
    for (user, seen) in AWKWARD_IDS.into_iter().zip(seen) {
        b.notify(user, "missed", json!({ "user": user })).await;
        let (since, epoch) = (seen["id"].as_str().unwrap(), seen["epoch"].as_str().unwrap());
        let query = format!("?token={}&since={since}&epoch={epoch}", b.token(user));
        let mut tab = b.connect_query(&query).await.unwrap();
        let missed = tab.next_notification().await;
        assert_eq!((missed["event"].as_str(), missed["data"]["user"].as_str()), (Some("missed"), Some(user)));
        assert_eq!(missed["epoch"], epoch, "{user}");
        // A legacy producer names the channel by the id as it is.
        let legacy = r#"{"event":"legacy","data":{}}"#;
        let heard: i64 =
            redis::cmd("PUBLISH").arg(format!("ws:{user}")).arg(legacy).query(&mut redis.client()).unwrap();
        assert_eq!(heard, 1, "{user}: b subscribed to the channel under the id as it is");
        let frame = tab.next_notification().await;
        assert_eq!((frame["event"].as_str(), frame["id"].as_str()), (Some("legacy"), None));
    }
    let mut keys: Vec<String> = redis::cmd("KEYS").arg("hub:{*").query(&mut redis.client()).unwrap();
    keys.sort();
    for key in &keys {
        let tag = &key[key.find('{').unwrap() + 1..key.find('}').unwrap()];
        assert!(!tag.contains(['{', ':']) && !tag.contains(char::is_control), "{key:?}: the tag holds its whole id");
    }
    assert!(keys.contains(&"hub:{a%7Bb%7Dc}:history".to_owned()), "{keys:?}");
}

#[tokio::test]
async fn two_users_whose_ids_collide_when_joined_naively_stay_separate() {
    let redis = RedisServer::volatile();
    let app = spawn_instance(&redis, "a");
    // Joined naively, `x`'s dedupe mark for this key was the other user's history stream.
    let (x, other) = ("x", "x}:seen:api|x|k{");
    let mut x_tab = app.connect(x).await;
    let mut other_tab = app.connect(other).await;
    app.notify(other, "for_other", json!({})).await;
    let reply = publish_deduped(&app, x, "k{}:history", 1).await;
    assert_eq!(reply["duplicate"], false);
    app.notify(other, "for_other_again", json!({})).await;
    assert_eq!(x_tab.next_notification().await["data"]["n"], 1);
    for event in ["for_other", "for_other_again"] {
        assert_eq!(other_tab.next_notification().await["event"], event);
    }
    x_tab.expect_silence(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn a_resume_across_the_key_renaming_gets_resync_with_a_new_epoch_never_a_hole() {
    let redis = RedisServer::volatile();
    let app = spawn_instance(&redis, "a");
    let user = "a:b";
    let mut tab = app.connect(user).await;
    app.notify(user, "before_the_upgrade", json!({})).await;
    let seen = tab.next_notification().await;
    tab.close().await;
    // Leave Redis as the hub before the escaping left it: the user's keys under the raw id.
    let mut redis_client = redis.client();
    for what in ["history", "epoch"] {
        let old_name = format!("hub:{{{user}}}:{what}");
        let found: Vec<String> = redis::cmd("KEYS").arg(format!("hub:{{*}}:{what}")).query(&mut redis_client).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        if found[0] != old_name {
            let _: () = redis::cmd("RENAME").arg(&found[0]).arg(&old_name).query(&mut redis_client).unwrap();
        }
    }
    app.notify(user, "after_the_upgrade", json!({})).await;

    let (since, epoch) = (seen["id"].as_str().unwrap(), seen["epoch"].as_str().unwrap());
    let query = format!("?token={}&since={since}&epoch={epoch}", app.token(user));
    let mut tab = app.connect_query(&query).await.unwrap();
    let resync = tab.next_frame().await;
    assert_eq!(resync["type"], "resync", "{resync}");
    assert_ne!(resync["epoch"], epoch, "the renamed stream has a new epoch");
}
