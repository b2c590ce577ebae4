//! Kafka ingestion against a real Kafka-protocol broker: librdkafka's in-process `MockCluster`.

pub mod cluster;
mod delivery;
mod faults;
mod holds;
mod malformed;
mod ordering;
mod ownership;
