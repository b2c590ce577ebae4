//! A reconnect storm: an instance goes away and all its clients come to the survivor at once.

use std::time::Duration;

use serde_json::{json, Value};

use super::redis_server::{spawn_instance_with, RedisServer};
use crate::helpers::{Client, TestApp};

const USERS: usize = 2_500;
const TABS_PER_USER: usize = 2;

/// Opens a socket, retrying (with jitter) while the instance says 503 (rate limit).
async fn connect_with_retry(app: &TestApp, query: &str) -> Client {
    for _ in 0..100 {
        match app.connect_query(query).await {
            Ok(client) => return client,
            Err(refused) if refused.status == 503 => {
                tokio::time::sleep(Duration::from_millis(200 + rand::random::<u64>() % 800)).await;
            }
            Err(refused) => panic!("refused: {refused:?}"),
        }
    }
    panic!("never admitted");
}

async fn publish_to_everyone(app: &TestApp, event: &str) {
    let everyone: Vec<Value> =
        (0..USERS).map(|u| json!({ "user_id": format!("storm-{u}"), "event": event, "data": { "user": u } })).collect();
    for batch in everyone.chunks(1000) {
        let response = reqwest::Client::new()
            .post(app.url("/api/v1/publish/batch"))
            .bearer_auth(app.service_token())
            .json(&batch)
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["failed"], 0, "{body}");
    }
}

#[tokio::test]
async fn five_thousand_sockets_reconnecting_at_once_all_resume_without_loss() {
    let redis = RedisServer::volatile();
    let doomed = spawn_instance_with(&redis, "doomed", |s| {
        s.shutdown.close_batch_size = 1_000;
        s.shutdown.close_batch_interval = Duration::from_millis(20);
    });
    let survivor = spawn_instance_with(&redis, "survivor", |s| s.server.max_handshakes_per_second = 1_000);

    let queries: Vec<(usize, String)> = (0..USERS * TABS_PER_USER)
        .map(|i| (i % USERS, format!("?token={}", doomed.token(&format!("storm-{}", i % USERS)))))
        .collect();
    let mut tabs: Vec<(usize, Client)> = futures::future::join_all(queries.iter().map(|(user, q)| async {
        let mut tab = connect_with_retry(&doomed, q).await;
        tab.joined().await;
        (*user, tab)
    }))
    .await;
    doomed
        .wait_for_status_within("every socket joined", Duration::from_secs(60), |s| {
            s["sockets"] == USERS * TABS_PER_USER && s["unique_users"] == USERS
        })
        .await;

    publish_to_everyone(&survivor, "before").await;
    let firsts: Vec<Value> = futures::future::join_all(tabs.iter_mut().map(|(_, tab)| tab.next_notification())).await;

    doomed.shutdown().trigger();
    futures::future::join_all(tabs.iter_mut().map(|(_, tab)| tab.ending(Duration::from_secs(30)))).await;
    publish_to_everyone(&survivor, "missed").await;

    let resumes: Vec<(usize, String)> = tabs
        .iter()
        .zip(&firsts)
        .map(|((user, _), first)| {
            let query = format!(
                "?token={}&since={}&epoch={}",
                survivor.token(&format!("storm-{user}")),
                first["id"].as_str().unwrap(),
                first["epoch"].as_str().unwrap()
            );
            (*user, query)
        })
        .collect();
    drop(tabs);
    let mut tabs: Vec<(usize, Client)> = futures::future::join_all(
        resumes.iter().map(|(user, q)| async { (*user, connect_with_retry(&survivor, q).await) }),
    )
    .await;
    let missed: Vec<Value> = futures::future::join_all(tabs.iter_mut().map(|(_, tab)| tab.next_notification())).await;
    for ((user, _), frame) in tabs.iter().zip(&missed) {
        assert_eq!(frame["event"], "missed");
        assert_eq!(frame["data"]["user"], *user);
    }
    let silent =
        futures::future::join_all(tabs.iter_mut().map(|(_, tab)| tab.next_frame_within(Duration::from_millis(300))))
            .await;
    assert!(silent.iter().all(Option::is_none), "no duplicate after the replay");
    let metrics = reqwest::get(survivor.url("/metrics")).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("hub_ws_refused_total{why=\"rate_limited\"}"), "the rate limit worked during the storm");
}
