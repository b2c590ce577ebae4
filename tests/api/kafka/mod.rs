//! Kafka ingestion against a real Kafka-protocol broker: librdkafka's in-process `MockCluster`.

mod cluster;
mod delivery;
mod faults;
mod malformed;
