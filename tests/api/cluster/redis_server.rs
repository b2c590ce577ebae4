//! A private `redis-server` on a free loopback port, stopped (and its files removed) on drop.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hub::settings::Settings;
use secrecy::SecretString;

use crate::helpers::{spawn_app_with, TestApp};

pub struct RedisServer {
    pub port: u16,
    dir: PathBuf,
    persistent: bool,
    child: Option<Child>,
}

impl RedisServer {
    /// A server that keeps nothing on disk.
    pub fn volatile() -> RedisServer {
        RedisServer::start_new(false)
    }

    /// A server with an append-only file synced on every write: a restart loses nothing.
    pub fn persistent() -> RedisServer {
        RedisServer::start_new(true)
    }

    fn start_new(persistent: bool) -> RedisServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = std::env::temp_dir().join(format!("hub-test-redis-{port}-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut server = RedisServer { port, dir, persistent, child: None };
        server.start();
        server
    }

    /// Starts (again) on the same port and directory.
    pub fn start(&mut self) {
        let mut command = Command::new("redis-server");
        command
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", ""])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if self.persistent {
            command.args(["--appendonly", "yes", "--appendfsync", "always"]);
        } else {
            command.args(["--appendonly", "no"]);
        }
        self.child = Some(command.spawn().expect("redis-server is installed (scripts/test.sh installs it)"));
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start on port {}", self.port);
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Stops the server at once (SIGKILL): no chance to save anything beyond what it synced.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// A plain connection for assertions and legacy publishes.
    pub fn client(&self) -> redis::Connection {
        redis::Client::open(self.url()).unwrap().get_connection().unwrap()
    }

    /// Logs every command from now on, for [`RedisServer::calls_of_script`].
    pub fn log_every_command(&self) {
        let mut client = self.client();
        for (setting, value) in [("slowlog-log-slower-than", 0), ("slowlog-max-len", 100_000)] {
            let _: () = redis::cmd("CONFIG").arg("SET").arg(setting).arg(value).query(&mut client).unwrap();
        }
        let _: () = redis::cmd("SLOWLOG").arg("RESET").query(&mut client).unwrap();
    }

    /// How many times the script `code` was called (`EVALSHA`) since [`RedisServer::log_every_command`].
    pub fn calls_of_script(&self, code: &str) -> usize {
        let sha = redis::Script::new(code).get_hash().to_owned();
        let entries: Vec<Vec<redis::Value>> =
            redis::cmd("SLOWLOG").arg("GET").arg(-1).query(&mut self.client()).unwrap();
        let commands =
            entries.iter().filter_map(|entry| redis::from_redis_value_ref::<Vec<String>>(entry.get(3)?).ok());
        commands.filter(|args| args.len() > 1 && args[0].eq_ignore_ascii_case("evalsha") && args[1] == sha).count()
    }

    /// Closes every subscriber connection (`CLIENT KILL TYPE pubsub`); the clients reconnect.
    pub fn kill_subscribers(&self) {
        let killed: i64 = redis::cmd("CLIENT").arg("KILL").arg("TYPE").arg("pubsub").query(&mut self.client()).unwrap();
        assert!(killed > 0, "a subscriber connection was killed");
    }

    /// Refuses (or allows again) every client's `PING`, and nothing else: the hub's check of its
    /// subscriber connection fails, so it does not take its subscriptions for restored.
    pub fn refuse_ping(&self, refuse: bool) {
        let rule = if refuse { "-ping" } else { "+ping" };
        let _: () = redis::cmd("ACL").arg("SETUSER").arg("default").arg(rule).query(&mut self.client()).unwrap();
    }

    /// Channels whose name contains `part` that have a subscriber.
    pub fn channels_with(&self, part: &str) -> Vec<String> {
        redis::cmd("PUBSUB").arg("CHANNELS").arg(format!("*{part}*")).query(&mut self.client()).unwrap()
    }

    /// Appends a notification to the one history stream there is, as the hand-off does, but
    /// publishes it to nobody: what a subscriber misses while its connection is down. The entry
    /// is the newest one with `from` replaced by `to` in its frame's tail; returns its id.
    pub fn append_unpublished(&self, from: &str, to: &str) -> String {
        let mut client = self.client();
        let (_, streams): (u64, Vec<String>) =
            redis::cmd("SCAN").arg(0).arg("TYPE").arg("stream").arg("COUNT").arg(1000).query(&mut client).unwrap();
        let [stream] = streams.as_slice() else { panic!("one history stream: {streams:?}") };
        let newest: Vec<(String, Vec<(String, String)>)> =
            redis::cmd("XREVRANGE").arg(stream).arg("+").arg("-").arg("COUNT").arg(1).query(&mut client).unwrap();
        let (field, tail) = newest[0].1[0].clone();
        assert!(tail.contains(from), "{tail}");
        redis::cmd("XADD").arg(stream).arg("*").arg(field).arg(tail.replace(from, to)).query(&mut client).unwrap()
    }

    /// How many instances hold a subscription to `channel`.
    pub fn subscribers(&self, channel: &str) -> i64 {
        let reply: (String, i64) = redis::cmd("PUBSUB").arg("NUMSUB").arg(channel).query(&mut self.client()).unwrap();
        reply.1
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// An instance on `redis`.
pub fn spawn_instance(redis: &RedisServer, instance: &str) -> TestApp {
    spawn_instance_with(redis, instance, |_| {})
}

pub fn spawn_instance_with(redis: &RedisServer, instance: &str, customise: impl FnOnce(&mut Settings)) -> TestApp {
    let url = redis.url();
    let instance = instance.to_owned();
    spawn_app_with(move |s| {
        s.redis.url = SecretString::from(url);
        s.redis.heartbeat_interval = Duration::from_millis(200);
        s.redis.instance_ttl = Duration::from_secs(2);
        s.server.instance_id = Some(instance);
        customise(s);
    })
}
