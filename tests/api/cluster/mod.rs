//! The clustered mode: several hub instances on one private `redis-server`.

mod redis_server;
mod routing;
mod storm;
mod kafka;
mod outages;
