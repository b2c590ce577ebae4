//! `mock-kafka`: librdkafka's in-process mock cluster as a process of its own, so a hub can
//! consume from it over loopback while `loadgen --via kafka` produces to it. It prints
//! `bootstrap.servers` as its first line on stdout, then serves until SIGTERM or until `--for`
//! runs out.
//!
//! This is librdkafka's mock broker, not a Kafka cluster: figures measured through it say what
//! the hub and librdkafka cost, not what a real broker adds (replication, disks, network).

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;

/// Runs a librdkafka mock Kafka cluster on loopback and prints its bootstrap servers.
#[derive(Debug, Parser)]
#[command(name = "mock-kafka", version)]
struct Cli {
    /// Brokers in the cluster.
    #[arg(long, default_value_t = 3)]
    brokers: i32,
    /// Topics to create (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = loadgen::TEACHER_TOPIC)]
    topics: Vec<String>,
    /// Partitions per topic.
    #[arg(long, default_value_t = 6)]
    partitions: i32,
    /// Serve at most this long (the process always stops by itself).
    #[arg(long = "for", default_value = "2h", value_parser = humantime::parse_duration)]
    lifetime: Duration,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.lifetime > Duration::from_secs(24 * 3600) {
        eprintln!("mock-kafka: --for is at most 24h");
        return ExitCode::from(2);
    }
    // The cluster is not Send: it lives on this thread, which then only waits.
    let cluster: MockCluster<'static, DefaultProducerContext> = match MockCluster::new(cli.brokers) {
        Ok(cluster) => cluster,
        Err(e) => {
            eprintln!("mock-kafka: cannot start the mock cluster: {e}");
            return ExitCode::FAILURE;
        }
    };
    for topic in &cli.topics {
        if let Err(e) = cluster.create_topic(topic, cli.partitions, 1) {
            eprintln!("mock-kafka: cannot create {topic}: {e}");
            return ExitCode::FAILURE;
        }
    }
    let servers = cluster.bootstrap_servers();
    if servers.split(',').any(|broker| !broker.starts_with("127.0.0.1:") && !broker.starts_with("localhost:")) {
        eprintln!("mock-kafka: brokers listen on {servers}, not loopback");
        return ExitCode::FAILURE;
    }
    println!("{servers}");
    let _ = std::io::stdout().flush();
    eprintln!(
        "mock-kafka: {} brokers at {servers}, topics {:?} x {} partitions, for {:?}",
        cli.brokers, cli.topics, cli.partitions, cli.lifetime
    );

    std::thread::sleep(cli.lifetime);
    drop(cluster);
    ExitCode::SUCCESS
}
