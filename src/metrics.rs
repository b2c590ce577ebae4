//! Prometheus metrics: one recorder per process, rendered on `/metrics`.

use std::sync::OnceLock;
use std::time::Duration;

use hub_actors::TokenStage;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::auth::AuthError;

/// Renders the process's metrics in the Prometheus text format.
#[derive(Clone)]
pub(crate) struct Metrics(PrometheusHandle);

impl Metrics {
    /// Installs the recorder the first time; later calls (several apps in one test process)
    /// share it.
    pub(crate) fn install() -> Metrics {
        static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
        let handle = HANDLE.get_or_init(|| {
            // Delivery latency is expected in single-digit milliseconds; the buckets resolve that.
            let latency_buckets = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];
            let handle = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full("hub_publish_to_socket_seconds".into()), &latency_buckets)
                .expect("the bucket list is not empty")
                .install_recorder()
                .expect("no other metrics recorder is installed");
            spawn_upkeep(handle.clone());
            register_families();
            handle
        });
        Metrics(handle.clone())
    }

    /// The text exposition. It also drains histogram samples, as the upkeep does.
    pub(crate) fn render(&self) -> String {
        self.0.render()
    }
}

/// Registers every series whose labels are a known set at zero, so the first scrape has them:
/// a series that appears only when first touched breaks `rate()` and absence alerts. The
/// clustered mode's and Kafka's own families are registered where those start.
fn register_families() {
    hub_actors::register_metrics();
    for why in ["at_capacity", "origin", "rate_limited"] {
        metrics::counter!("hub_ws_refused_total", "why" => why).increment(0);
    }
    for stage in TokenStage::ALL {
        for reason in AuthError::REASONS {
            metrics::counter!("hub_auth_failures_total", "reason" => reason, "stage" => stage.label()).increment(0);
        }
    }
}

/// How often histogram samples are folded into their buckets without a scrape.
const UPKEEP_PERIOD: Duration = Duration::from_secs(5);

/// The recorder keeps every histogram sample until upkeep (or a scrape) folds it into the
/// buckets; `install_recorder` leaves running it to the caller. Without it an unscraped hub grew
/// by every delivery's latency sample: the 10-minute soak in docs/benchmarks.md found it.
fn spawn_upkeep(handle: PrometheusHandle) {
    std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || loop {
            std::thread::sleep(UPKEEP_PERIOD);
            handle.run_upkeep();
        })
        .expect("a thread starts");
}
