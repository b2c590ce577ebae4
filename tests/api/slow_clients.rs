use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{eventually, spawn_app_with, Ending};

#[tokio::test]
async fn a_client_that_never_reads_is_closed_with_4002_and_never_delays_another_tab() {
    let app = spawn_app_with(|s| s.ws.outbound_queue_bytes = 256 * 1024);
    let mut stalled = app.connect("teacher").await;
    let mut reader = app.connect("teacher").await;
    app.wait_for_actors(2, 1).await;

    // Far more than the queue, the actix buffers and both loopback socket buffers together hold.
    let filler = "x".repeat(16 * 1024);
    const COUNT: usize = 1000;
    let publishing = async {
        for n in 0..COUNT {
            app.notify("teacher", "bulk", json!({ "n": n, "filler": filler })).await;
        }
    };
    let reading = async {
        let started = Instant::now();
        for n in 0..COUNT {
            assert_eq!(reader.next_notification().await["data"]["n"], n);
        }
        started.elapsed()
    };
    let ((), elapsed) = tokio::join!(publishing, reading);
    assert!(elapsed < Duration::from_secs(60), "the reading tab kept up: {elapsed:?}");

    let status = app.wait_for_actors(1, 1).await;
    assert!(status["notifications"]["dropped"]["slow_client"].as_u64().unwrap() > 0, "{status}");
    // The stalled tab finds, when it finally reads, frames in order and then the 4002 close.
    assert_eq!(stalled.ending(Duration::from_secs(10)).await, Ending::Closed(4002));
}

#[tokio::test]
async fn a_burst_of_500_notifications_reaches_a_reading_client_intact() {
    let app = spawn_app_with(|_| {});
    let mut tab = app.connect("burst").await;
    let payload = "y".repeat(512);
    for n in 0..500 {
        app.notify("burst", "essay_processed", json!({ "n": n, "text": payload })).await;
    }
    for n in 0..500 {
        assert_eq!(tab.next_notification().await["data"]["n"], n);
    }
    assert_eq!(app.status().await["actors"]["connection"], 1, "the burst did not trip the queue limit");
}

#[tokio::test]
async fn a_replay_of_500_notifications_arrives_as_one_burst_without_tripping_the_limit() {
    let app = spawn_app_with(|s| {
        s.history.max_len = 1000;
        s.ws.outbound_queue_bytes = 64 * 1024;
    });
    let mut tab = app.connect("returning").await;
    app.notify("returning", "first", json!({})).await;
    let first = tab.next_notification().await;
    tab.close().await;
    let payload = "z".repeat(512);
    for n in 0..500 {
        app.notify("returning", "missed", json!({ "n": n, "text": payload })).await;
    }
    let query = format!(
        "?token={}&since={}&epoch={}",
        app.token("returning"),
        first["id"].as_str().unwrap(),
        first["epoch"].as_str().unwrap()
    );
    let mut tab = app.connect_query(&query).await.unwrap();
    for n in 0..500 {
        assert_eq!(tab.next_notification().await["data"]["n"], n);
    }
    app.notify("returning", "live", json!({})).await;
    assert_eq!(tab.next_notification().await["event"], "live");
}

/// Whether the hub still holds a TCP connection from 127.0.0.1:`from` on `port` (IPv4 loopback).
fn hub_holds_connection(port: u16, from: u16) -> bool {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
    let (local, remote) = (format!("0100007F:{port:04X}"), format!("0100007F:{from:04X}"));
    table.lines().skip(1).any(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        fields.len() > 3 && fields[1] == local && fields[2] == remote
    })
}

#[tokio::test]
async fn a_client_that_never_reads_even_its_close_frame_is_dropped_after_the_close_timeout() {
    let app = spawn_app_with(|s| {
        s.ws.outbound_queue_bytes = 64 * 1024;
        s.ws.close_timeout = Duration::from_millis(500);
    });
    let stalled = app.connect("teacher").await;
    let client_port = stalled.local_port();
    assert!(hub_holds_connection(app.port, client_port));

    // More than the queue and both loopback socket buffers hold: the hub closes with 4002, and
    // the close frame cannot leave, because nothing the client was sent is being read.
    let filler = "x".repeat(16 * 1024);
    let mut n = 0;
    while app.status().await["notifications"]["dropped"]["slow_client"].as_u64().unwrap() == 0 {
        app.notify("teacher", "bulk", json!({ "n": n, "filler": filler })).await;
        n += 1;
        assert!(n < 5_000, "the queue never overflowed");
    }
    eventually("the hub to let go of a client that reads nothing", Duration::from_secs(10), || {
        !hub_holds_connection(app.port, client_port)
    })
    .await;
    drop(stalled);
}
