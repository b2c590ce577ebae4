//! `HubProcess`: the real `hub` binary as a child process, its JSON log lines collected.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::SECRET;

/// The real `hub` binary, started with `HUB__*` settings; killed on drop.
pub struct HubProcess {
    child: std::process::Child,
    pub lines: Arc<Mutex<Vec<String>>>,
}

impl HubProcess {
    /// Starts it on a free port with JSON logs; `settings` are extra `HUB__*` variables.
    pub fn start(settings: &[(&str, &str)]) -> HubProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hub"))
            .current_dir(std::env::temp_dir())
            .env_remove("RUST_LOG")
            .env_remove("HUB_CONFIG")
            .env("HUB__SERVER__PORT", "0")
            .env("HUB__AUTH__JWT_SECRET", SECRET)
            .env("HUB__LOG__FORMAT", "json")
            .env("HUB__SHUTDOWN__GRACE_PERIOD", "5s")
            .envs(settings.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the hub binary starts");
        let lines = Arc::new(Mutex::new(Vec::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let lines = lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    lines.lock().unwrap().push(line);
                }
            });
        }
        HubProcess { child, lines }
    }

    /// The port it logged that it listens on.
    pub async fn port(&self) -> u16 {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let found = self.lines.lock().unwrap().iter().find_map(|line| {
                let entry: Value = serde_json::from_str(line).ok()?;
                entry["message"].as_str()?.starts_with("hub listening").then(|| entry["port"].as_u64())?
            });
            if let Some(port) = found {
                return port as u16;
            }
            assert!(Instant::now() < deadline, "no listening line: {:?}", self.lines.lock().unwrap());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit.
    pub async fn wait_exit(&mut self, within: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the hub did not exit within {within:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl HubProcess {
    /// Kills it at once (SIGKILL): no graceful shutdown, no final commit.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}
