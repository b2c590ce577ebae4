//! The hub's promises, tested against the real application over real sockets.

mod admin;
mod assets;
mod auth;
mod cli;
mod cluster;
mod contracts;
mod counts;
mod delivery;
mod helpers;
mod kafka;
mod limits;
mod logs;
mod publish;
mod readme;
mod resume;
mod shutdown;
mod slow_clients;
