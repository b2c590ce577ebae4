//! The clustered mode: several hub instances on one private `redis-server`.

mod kafka;
mod keys;
mod outages;
pub mod redis_server;
mod routing;
mod storm;
