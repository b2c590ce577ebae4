//! The notification hub service: settings, JWT auth, HTTP routes and start-up around the
//! engine in `hub-actors`.

mod admission;
pub mod auth;
pub mod cli;
pub mod cluster;
pub mod contracts;
pub mod error;
pub mod ingest;
pub mod kafka;
pub mod metrics;
pub mod routes;
pub mod settings;
pub mod shutdown;
pub mod startup;
mod state;
pub mod telemetry;
