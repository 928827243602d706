//! The summary of a run: exactly what `dsim run --format json` prints and what
//! the browser receives. Maps keep the scenario's order (`IndexMap`), so the
//! same run always serialises to the same bytes.

use indexmap::IndexMap;
use serde::Serialize;

/// Everything a run measured.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub scenario: String,
    pub seed: u64,
    pub sim_time_s: f64,
    /// Events the model executed (observation adds none).
    pub events: u64,
    pub clients: IndexMap<String, ClientReport>,
    pub services: IndexMap<String, ServiceReport>,
    pub breakers: IndexMap<String, BreakerReport>,
    pub effects: IndexMap<String, EffectReport>,
    pub queues: IndexMap<String, QueueReport>,
    pub sagas: IndexMap<String, SagaReport>,
    /// Each deployment, by the service deployed.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub deploys: IndexMap<String, DeployReport>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub caches: IndexMap<String, CacheReport>,
    /// Every fault of the run, the scenario's and `--chaos`'s.
    pub faults: Vec<FaultReport>,
    pub expectations: Vec<ExpectationResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeseries: Option<Timeseries>,
}

/// What one client saw, end to end.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ClientReport {
    /// Logical requests issued after warmup.
    pub requests: u64,
    pub succeeded: u64,
    pub degraded: u64,
    pub failed: u64,
    /// Requests that had not ended when the run stopped.
    pub in_flight: u64,
    /// Every try, retries and hedges included.
    pub attempts: u64,
    /// Tries after the first (a try stopped by an open breaker counts).
    pub retries: u64,
    /// Extra copies sent by hedging.
    pub hedges: u64,
    /// Failed requests whose last attempt timed out.
    pub timeouts: u64,
    /// Failed requests by the cause of their failure.
    pub failures: Causes,
    /// succeeded / requests: degraded, failed and unfinished requests are
    /// not successes (0 when there were no requests).
    pub success_rate: f64,
    /// degraded / requests.
    pub degraded_rate: f64,
    /// failed / requests.
    pub failure_rate: f64,
    /// in_flight / requests.
    pub in_flight_rate: f64,
    /// Successful answers per simulated second after warmup (degraded ones
    /// are not counted).
    pub goodput_per_s: f64,
    pub latency_ms: Latency,
}

/// Failure counts by cause.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Causes {
    pub error: u64,
    pub timeout: u64,
    pub rejected: u64,
    pub shed: u64,
    pub open: u64,
    pub refused: u64,
}

/// What one service did, per attempt.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ServiceReport {
    pub instances: u32,
    pub arrivals: u64,
    /// Attempts answered successfully.
    pub completed: u64,
    /// Attempts answered with a fallback's answer from below.
    pub degraded: u64,
    /// Attempts answered with an error (local failure or failed calls).
    pub errors: u64,
    /// Attempts turned away because the queue was full or by admission.
    pub rejected: u64,
    /// Attempts dropped unstarted: waited too long or past their deadline.
    pub shed: u64,
    /// Attempts refused at once by a crashed instance.
    pub refused: u64,
    /// Attempts still queued or in service at the end.
    pub in_flight: u64,
    /// Average busy fraction of all workers of all instances.
    pub utilization: f64,
    /// The longest queue any instance had.
    pub max_queue: u64,
    pub latency_ms: Latency,
    pub queue_wait_ms: Latency,
    /// How its instances came and went, for a service with `startup`,
    /// `health` or `autoscale`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<LifeReport>,
    /// Each instance's share of the load, in order of id (`api#0` first;
    /// one per id slot, so an id that several lives took sums them): a hot
    /// key under a `hash` balancer makes a hot instance.
    pub per_instance: Vec<InstanceReport>,
}

/// The load one instance of a service took.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct InstanceReport {
    /// Attempts that reached it (they sum to the service's `arrivals`).
    pub arrivals: u64,
    /// Average busy fraction of its workers, over the time it served or
    /// drained.
    pub utilization: f64,
    /// Its longest queue (the service's `max_queue` is the largest of them).
    pub max_queue: u64,
}

/// What a deployment did.
#[derive(Clone, Debug, Serialize)]
pub struct DeployReport {
    pub strategy: &'static str,
    pub steps_done: u32,
    /// When each step was taken.
    pub steps_at_s: Vec<f64>,
    /// When the analysis rolled it back, or null.
    pub rolled_back_at_s: Option<f64>,
    /// Requests served by the old version and by the new one.
    pub old: VersionCounts,
    pub new: VersionCounts,
}

/// Requests that reached one version of a service, and those that failed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VersionCounts {
    pub requests: u64,
    pub failures: u64,
}

/// How a service's instances came and went after warmup.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LifeReport {
    #[serde(flatten)]
    pub counts: crate::engine::record::LifeCounts,
    /// Instances started and not stopped at the end.
    pub instances_at_end: u32,
}

/// What one saga's runs did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SagaReport {
    pub started: u64,
    pub completed: u64,
    pub compensated: u64,
    /// Neither completed nor fully compensated when the run stopped.
    pub in_flight: u64,
    /// Over, with effects that do not balance: a step applied twice, a
    /// compensation applied twice, a step applied after its compensation.
    pub inconsistent: u64,
    /// Compensations of steps that never applied: no-ops.
    pub compensations_without_effect: u64,
    /// Two-phase only: the most workers its prepared participants held at
    /// once, and the worker-seconds they held (blocked, serving nothing)
    /// after warmup.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_held: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_worker_seconds: Option<f64>,
    /// Per step, in order: its endpoint and its calls.
    pub steps: Vec<StepReport>,
}

/// The calls of one saga step and of its compensation.
#[derive(Clone, Debug, Default, Serialize)]
pub struct StepReport {
    /// `service.endpoint`.
    pub call: String,
    pub calls: u64,
    pub failures: u64,
    pub compensations: u64,
    pub compensation_failures: u64,
}

/// What one queue's messages did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct QueueReport {
    /// Stored by the queue, or lost on the way by a dual write.
    pub published: u64,
    pub delivered: u64,
    pub redelivered: u64,
    pub acked: u64,
    pub dead_lettered: u64,
    /// Never processed and never dead-lettered.
    pub lost: u64,
    /// Publish attempts turned away (full or crashed queue).
    pub rejected: u64,
    /// Held (or at work, at most once) when the run stopped.
    pub remaining: u64,
    /// The most messages held at once.
    pub max_depth: u64,
    /// The longest a message was held (the oldest unacked message's age at
    /// its worst), in seconds.
    pub max_age_s: f64,
    /// With partitions 0 by construction; without, messages processed while
    /// an earlier message of the same key was not.
    pub out_of_order: u64,
}

/// What one cache's lookups did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CacheReport {
    /// Lookups answered from a fresh entry.
    pub hits: u64,
    /// Lookups that found no fresh entry (or a crashed cache).
    pub misses: u64,
    /// hits / (hits + misses), 0 without lookups.
    pub hit_ratio: f64,
    /// Misses that found their entry expired.
    pub expired: u64,
    /// Entries evicted to make room, the least recently used first.
    pub evicted: u64,
    /// Calls made to fill entries (misses that did not wait for another's
    /// fill, and background refreshes).
    pub fills: u64,
    /// Background refreshes started by hits near expiry.
    pub refreshes: u64,
    /// The most fills of one key out at once: the stampede.
    pub max_concurrent_misses: u64,
    /// Keys cached when the run stopped.
    pub size: u64,
}

/// Latency statistics in milliseconds, from a histogram with 0.1% relative error.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Latency {
    pub count: u64,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

/// What one circuit breaker did over the run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BreakerReport {
    /// Times it opened (from closed or half-open).
    pub opened: u64,
    /// Simulated seconds spent open.
    pub time_open_s: f64,
    /// closed | open | half_open when the run ended.
    pub final_state: &'static str,
}

/// One fault and its window, for tables, plots and the browser to show.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FaultReport {
    pub kind: &'static str,
    /// `db`, `db#2` or `api->db`.
    pub target: String,
    pub at_s: f64,
    /// `null` when it lasts until the end.
    pub until_s: Option<f64>,
    /// Drawn by `--chaos`.
    pub chaos: bool,
}

/// How often one side effect was applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EffectReport {
    /// Applications, duplicates included.
    pub applied: u64,
    /// Applications for a logical request that had already applied it.
    pub duplicates: u64,
}

/// One evaluated `expect` line.
#[derive(Clone, Debug, Serialize)]
pub struct ExpectationResult {
    pub expect: String,
    pub passed: bool,
    /// The measured value, in the expectation's unit (latencies in ms), or
    /// a breaker's state.
    pub observed: Observed,
}

/// A measured value: a number, a state's name, or nothing to measure
/// (`null`: no request in the window for a rate, no answer for a latency),
/// which fails the expectation.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Observed {
    Number(f64),
    State(&'static str),
    Unmeasured,
}

impl Observed {
    /// The number, if the value is one.
    pub fn number(&self) -> Option<f64> {
        match self {
            Observed::Number(x) => Some(*x),
            Observed::State(_) | Observed::Unmeasured => None,
        }
    }
}

impl std::fmt::Display for Observed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Observed::Number(x) => write!(f, "{x}"),
            Observed::State(s) => f.write_str(s),
            Observed::Unmeasured => f.write_str("nothing to measure in the window"),
        }
    }
}

/// Per-window series, present only when asked for.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Timeseries {
    pub window_s: f64,
    /// Where the first window starts: the warmup.
    pub start_s: f64,
    /// Where the last window ends: the end of the run (it may be shorter).
    pub end_s: f64,
    pub clients: IndexMap<String, ClientSeries>,
    pub services: IndexMap<String, ServiceSeries>,
    pub breakers: IndexMap<String, BreakerSeries>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub queues: IndexMap<String, QueueSeries>,
    /// Each deployment's requests and failures per version, by service.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub deploys: IndexMap<String, DeploySeries>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub caches: IndexMap<String, CacheSeries>,
    pub sagas: IndexMap<String, SagaSeries>,
    /// The fault windows, to shade behind the series.
    pub faults: Vec<FaultReport>,
}

/// A deployment's requests and failures per window, of each version.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DeploySeries {
    pub old_requests: Vec<u64>,
    pub old_failures: Vec<u64>,
    pub new_requests: Vec<u64>,
    pub new_failures: Vec<u64>,
}

/// A queue's counts per window, and its depth and oldest message's age at
/// each window's end.
#[derive(Clone, Debug, Default, Serialize)]
pub struct QueueSeries {
    pub published: Vec<u64>,
    pub delivered: Vec<u64>,
    pub acked: Vec<u64>,
    pub dead_lettered: Vec<u64>,
    pub lost: Vec<u64>,
    pub depth: Vec<u64>,
    pub age_s: Vec<f64>,
}

/// A cache's counts per window (each summing to the summary's figure), its
/// hit ratio in each window (`null` without lookups), the most fills of one
/// key out at once in it, and the keys cached at its end.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CacheSeries {
    pub hits: Vec<u64>,
    pub misses: Vec<u64>,
    pub expired: Vec<u64>,
    pub evicted: Vec<u64>,
    pub fills: Vec<u64>,
    pub hit_ratio: Vec<Option<f64>>,
    pub max_concurrent_misses: Vec<u64>,
    pub size: Vec<u64>,
}

/// A saga's runs per window: `started` in the window they started,
/// `completed`, `compensated` and `inconsistent` in the window that saw it,
/// so each sums to the summary's figure; `in_flight` at each window's end
/// (of the runs the summary counts: started after the warmup).
#[derive(Clone, Debug, Default, Serialize)]
pub struct SagaSeries {
    pub started: Vec<u64>,
    pub completed: Vec<u64>,
    pub compensated: Vec<u64>,
    pub inconsistent: Vec<u64>,
    pub in_flight: Vec<u64>,
}

/// A breaker's state at the end of each window.
#[derive(Clone, Debug, Default, Serialize)]
pub struct BreakerSeries {
    pub state: Vec<&'static str>,
}

/// A client's counts per window: each fact in the window it happened in,
/// so every column sums to the summary's figure.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ClientSeries {
    /// Issued in the window.
    pub requests: Vec<u64>,
    /// Ended successfully in the window.
    pub succeeded: Vec<u64>,
    /// Ended with a fallback's answer in the window.
    pub degraded: Vec<u64>,
    /// Ended as failures in the window.
    pub failed: Vec<u64>,
    /// Tries sent in the window, retries and hedges included.
    pub attempts: Vec<u64>,
    pub retries: Vec<u64>,
    pub hedges: Vec<u64>,
    /// End-to-end latency of the requests that ended in the window.
    pub p50_ms: Vec<f64>,
    pub p99_ms: Vec<f64>,
}

/// A service's counts per window, each summing to the summary's figure.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ServiceSeries {
    pub arrivals: Vec<u64>,
    pub completed: Vec<u64>,
    pub degraded: Vec<u64>,
    pub errors: Vec<u64>,
    pub rejected: Vec<u64>,
    pub shed: Vec<u64>,
    pub refused: Vec<u64>,
    /// Waiting requests over all instances at the window's end.
    pub queue: Vec<u64>,
    /// Average busy fraction over the window.
    pub utilization: Vec<f64>,
    /// Instances started and not stopped at the window's end.
    pub instances: Vec<u32>,
    /// Instances serving (not starting, draining or stopped) then.
    pub serving: Vec<u32>,
    /// Health-check transitions in the window: restarts (liveness),
    /// removals and returns (readiness).
    pub restarted: Vec<u64>,
    pub removed: Vec<u64>,
    pub readmitted: Vec<u64>,
}

impl Report {
    /// The summary as pretty JSON, the contract's format.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a report always serialises");
        s.push('\n');
        s
    }

    /// True when every expectation held.
    pub fn passed(&self) -> bool {
        self.expectations.iter().all(|e| e.passed)
    }
}
