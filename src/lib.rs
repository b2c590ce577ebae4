//! The notification hub service: settings, JWT auth, HTTP routes and start-up around the
//! engine in `hub-actors`.

mod admission;
pub(crate) mod auth;
pub mod cli;
pub(crate) mod cluster;
pub mod contracts;
pub(crate) mod error;
pub(crate) mod ingest;
pub(crate) mod kafka;
pub(crate) mod metrics;
pub(crate) mod routes;
pub mod settings;
pub mod shutdown;
pub mod startup;
mod state;
pub mod telemetry;
