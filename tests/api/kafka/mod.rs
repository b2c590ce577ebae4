//! Kafka ingestion against a real Kafka-protocol broker: librdkafka's in-process `MockCluster`.

pub mod cluster;
mod delivery;
mod faults;
mod malformed;
mod ordering;
