//! `--processes K`: the binary re-executes itself K times, one shard of the users each, and
//! steps the children through the phases together over their stdin and stdout:
//!
//! ```text
//! child  -> READY      every socket of the child joined (or failed)
//! parent -> GO         after the hub's RSS was read (settle time): publish
//! child  -> DRAINED    publishing and the drain period are over, sockets still open
//! parent -> CLOSE      after the hub's CPU was read: close the sockets
//! child  -> {json}     the child's counts and latency histogram
//! ```
//!
//! The child's configuration comes in the environment (`LOADGEN_SHARD_CONFIG`), so the secret
//! never shows in a process listing.

use std::io::Write as _;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use crate::config::{Config, Shard};
use crate::shard::{self, Checkpoints, ShardOutcome};
use crate::{prepare, report, Error, HubProbe, Report};

/// The environment variable that carries a child's configuration.
pub const SHARD_CONFIG_ENV: &str = "LOADGEN_SHARD_CONFIG";

/// The hidden flag that makes the binary a child.
pub const SHARD_FLAG: &str = "--shard-child";

/// Slack added to every phase's own bound before the parent gives up on a child.
const SLACK: Duration = Duration::from_secs(60);

struct Worker {
    index: usize,
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Worker {
    async fn expect(&mut self, what: &str, deadline: tokio::time::Instant) -> Result<String, Error> {
        let line = tokio::time::timeout_at(deadline, self.lines.next_line())
            .await
            .map_err(|_| Error::Run(format!("process {} did not report {what} in time", self.index + 1)))?
            .map_err(|e| Error::Run(format!("process {}: {e}", self.index + 1)))?
            .ok_or_else(|| Error::Run(format!("process {} ended before {what} (see its stderr)", self.index + 1)))?;
        if what != "its report" && line != what {
            return Err(Error::Run(format!("process {} said {line:?}, expected {what}", self.index + 1)));
        }
        Ok(line)
    }

    async fn tell(&mut self, word: &str) -> Result<(), Error> {
        self.stdin
            .write_all(format!("{word}\n").as_bytes())
            .await
            .map_err(|e| Error::Run(format!("process {}: {e}", self.index + 1)))
    }
}

/// Runs a load test over `config.processes` processes, each `program` (the loadgen binary)
/// started with `--shard-child`, and aggregates their counts into one report. With one
/// process it is `run`.
pub async fn run_processes(mut config: Config, program: &Path) -> Result<Report, Error> {
    if config.processes == 1 {
        return crate::run(config).await;
    }
    prepare(&mut config)?;
    let started = Instant::now();
    let count = config.processes;
    let mut probe = HubProbe::start(&config)?;
    let mut workers = Vec::with_capacity(count);
    for index in 0..count {
        let child_config = Config {
            shard: Shard { index, count },
            hub_pids: Vec::new(),
            rss_every: None,
            settle: Duration::ZERO,
            ..config.clone()
        };
        let json = serde_json::to_string(&child_config).expect("a config serialises");
        let mut child = Command::new(program)
            .arg(SHARD_FLAG)
            .env(SHARD_CONFIG_ENV, json)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| Error::Run(format!("cannot start {}: {e}", program.display())))?;
        let stdin = child.stdin.take().expect("piped");
        let lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        workers.push(Worker { index, child, stdin, lines });
    }

    let connect_bound =
        Duration::from_secs_f64(config.sockets as f64 / config.connect_rate) + config.connect_timeout + SLACK;
    let deadline = tokio::time::Instant::now() + connect_bound;
    for worker in &mut workers {
        worker.expect("READY", deadline).await?;
    }
    probe.connected().await?;
    for worker in &mut workers {
        worker.tell("GO").await?;
    }
    let publish_bound = config.duration + config.request_timeout + config.drain + SLACK;
    let deadline = tokio::time::Instant::now() + publish_bound;
    for worker in &mut workers {
        worker.expect("DRAINED", deadline).await?;
    }
    probe.drained().await?;
    for worker in &mut workers {
        worker.tell("CLOSE").await?;
    }
    let deadline = tokio::time::Instant::now() + SLACK;
    let mut outcomes = Vec::with_capacity(count);
    for worker in &mut workers {
        let line = worker.expect("its report", deadline).await?;
        let outcome: ShardOutcome = serde_json::from_str(&line)
            .map_err(|e| Error::Run(format!("process {} wrote an unreadable report: {e}", worker.index + 1)))?;
        outcomes.push(outcome);
        let _ = tokio::time::timeout_at(deadline, worker.child.wait()).await;
    }
    Ok(report::build(&config, &outcomes, probe.readings, started.elapsed().as_secs_f64()))
}

/// The child side of `run_processes`: runs one shard, stepping through the phases on the
/// parent's word, and writes its counts as the last line of stdout.
pub async fn run_child(config: Config) -> Result<(), Error> {
    config.validate()?;
    let mut parent = Parent { lines: BufReader::new(tokio::io::stdin()).lines() };
    let outcome = shard::run(&config, &mut parent).await?;
    say(&serde_json::to_string(&outcome).expect("an outcome serialises"))
}

struct Parent {
    lines: Lines<BufReader<tokio::io::Stdin>>,
}

impl Parent {
    async fn wait_for(&mut self, word: &str) -> Result<(), Error> {
        match self.lines.next_line().await {
            Ok(Some(line)) if line == word => Ok(()),
            Ok(Some(line)) => Err(Error::Run(format!("the parent said {line:?}, expected {word}"))),
            Ok(None) => Err(Error::Run("the parent went away".into())),
            Err(e) => Err(Error::Run(format!("reading from the parent: {e}"))),
        }
    }
}

impl Checkpoints for Parent {
    async fn connected(&mut self) -> Result<(), Error> {
        say("READY")?;
        self.wait_for("GO").await
    }

    async fn drained(&mut self) -> Result<(), Error> {
        say("DRAINED")?;
        self.wait_for("CLOSE").await
    }
}

fn say(line: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").and_then(|()| out.flush()).map_err(|e| Error::Run(format!("writing to the parent: {e}")))
}
