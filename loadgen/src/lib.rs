//! Load generator for the hub.
//!
//! A run opens `sockets` authenticated WebSockets spread over `users` users at `connect_rate`
//! per second, publishes probe notifications to random users at `publish_rate` per second
//! through the HTTP publish API (single or batch), Redis `PUBLISH` or Kafka for `duration`,
//! waits `drain` for late frames, closes the sockets and reports, per notification:
//! publish-to-socket latency, loss, duplicates, misroutes, the achieved rates and, given the
//! hub's pids, the hub's CPU seconds per delivered notification and RSS per socket (and its RSS
//! every `rss_every` while publishing, for soaks). Sockets may be spread over several hub
//! instances (`socket_urls`) while publishing goes to another. Every run is bounded in time and
//! count and talks to loopback only.
//!
//! ```no_run
//! # async fn demo() -> Result<(), loadgen::Error> {
//! let config = loadgen::Config { sockets: 300, users: 100, publish_rate: 500.0, ..Default::default() };
//! let report = loadgen::run(config).await?;
//! println!("{}", report.to_json_line());
//! # Ok(()) }
//! ```
//!
//! `run` works in one process. `run_processes` spreads the sockets over child processes (the
//! `loadgen` binary re-executing itself), so a run can pass the per-process file limit.

mod clock;
mod config;
mod multi;
pub mod procfs;
mod publish;
mod report;
mod shard;
mod sockets;
mod token;

use std::time::{Duration, Instant};

use tokio::sync::oneshot;

pub use config::{Config, Shard, Via, MAX_DURATION, MAX_NOTIFICATIONS, MAX_SOCKETS_PER_USER, TEACHER_TOPIC};
pub use multi::{run_child, run_processes, SHARD_CONFIG_ENV, SHARD_FLAG};
pub use publish::PROBE_EVENT;
pub use report::{HubFigures, Latency, Report, RssSample};

use report::HubReadings;
use shard::Checkpoints;

/// Why a run could not be done.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration is invalid or unsafe (not loopback, unbounded, over a limit).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The run failed on the way.
    #[error("{0}")]
    Run(String),
}

/// Runs a load test in this process (`config.processes` must be 1) and reports.
pub async fn run(mut config: Config) -> Result<Report, Error> {
    if config.processes != 1 || config.shard.count != 1 {
        return Err(Error::Config("more than one process needs `run_processes` (the loadgen binary)".into()));
    }
    prepare(&mut config)?;
    let started = Instant::now();
    let mut probe = HubProbe::start(&config)?;
    let outcome = shard::run(&config, &mut probe).await?;
    Ok(report::build(&config, &[outcome], probe.readings, started.elapsed().as_secs_f64()))
}

/// Validates, and names the run's users.
fn prepare(config: &mut Config) -> Result<(), Error> {
    config.validate()?;
    if config.run_id.is_empty() {
        config.run_id = format!("{:08x}", (clock::unix_nanos() / 1_000) as u32 ^ std::process::id());
    }
    Ok(())
}

/// Reads the hubs' CPU and RSS at the checkpoints of a run, and their RSS every
/// `rss_every` while publishing.
pub(crate) struct HubProbe {
    settle: Duration,
    rss_every: Option<Duration>,
    readings: Option<HubReadings>,
    sampler: Option<Sampler>,
}

/// The RSS sampler of a soak: tell it to stop, then join it for its readings.
type Sampler = (oneshot::Sender<()>, tokio::task::JoinHandle<Result<Vec<RssSample>, Error>>);

impl HubProbe {
    pub(crate) fn start(config: &Config) -> Result<HubProbe, Error> {
        let readings = match config.hub_pids.as_slice() {
            [] => None,
            pids => {
                let (cpu, rss) = read_hubs(pids)?;
                Some(HubReadings {
                    pids: pids.to_vec(),
                    rss_before: rss,
                    cpu_start: cpu,
                    settle_s: config.settle.as_secs_f64(),
                    ..HubReadings::default()
                })
            }
        };
        Ok(HubProbe { settle: config.settle, rss_every: config.rss_every, readings, sampler: None })
    }
}

impl Checkpoints for HubProbe {
    async fn connected(&mut self) -> Result<(), Error> {
        if let Some(r) = self.readings.as_mut() {
            r.cpu_connected = read_hubs(&r.pids)?.0;
            tokio::time::sleep(self.settle).await;
            let (cpu, rss) = read_hubs(&r.pids)?;
            r.rss_connected = rss;
            r.cpu_publish_start = cpu;
            if let Some(every) = self.rss_every {
                let (stop, stopped) = oneshot::channel();
                self.sampler = Some((stop, tokio::spawn(sample_rss(r.pids.clone(), every, stopped))));
            }
        }
        Ok(())
    }

    async fn drained(&mut self) -> Result<(), Error> {
        if let Some(r) = self.readings.as_mut() {
            let (cpu, rss) = read_hubs(&r.pids)?;
            r.cpu_drained = cpu;
            r.rss_drained = rss;
            if let Some((stop, sampler)) = self.sampler.take() {
                let _ = stop.send(());
                r.rss_samples = sampler.await.map_err(|e| Error::Run(format!("RSS sampler: {e}")))??;
            }
        }
        Ok(())
    }
}

/// Reads the hubs' summed RSS every `every` until told to stop.
async fn sample_rss(pids: Vec<u32>, every: Duration, mut stop: oneshot::Receiver<()>) -> Result<Vec<RssSample>, Error> {
    let start = Instant::now();
    let mut ticks = tokio::time::interval(every);
    let mut samples = Vec::new();
    loop {
        tokio::select! {
            _ = ticks.tick() => samples.push(RssSample { t_s: start.elapsed().as_secs_f64().round(), rss_bytes: read_hubs(&pids)?.1 }),
            _ = &mut stop => return Ok(samples),
        }
    }
}

/// Summed CPU seconds and RSS bytes of the hub's processes.
fn read_hubs(pids: &[u32]) -> Result<(f64, u64), Error> {
    let (mut cpu, mut rss) = (0.0, 0);
    for pid in pids {
        let pid_s = pid.to_string();
        cpu +=
            procfs::cpu_seconds(&pid_s).map_err(|e| Error::Run(format!("--hub-pid {pid}: /proc/{pid}/stat: {e}")))?;
        rss +=
            procfs::rss_bytes(&pid_s).map_err(|e| Error::Run(format!("--hub-pid {pid}: /proc/{pid}/status: {e}")))?;
    }
    Ok((cpu, rss))
}
