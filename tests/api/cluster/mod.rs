//! The clustered mode: several hub instances on one private `redis-server`.

mod kafka;
mod outages;
pub(crate) mod redis_server;
mod routing;
mod storm;
