//! Faults: what goes wrong, where, and when.

use super::model::{CacheId, NodeId, QueueId, SagaId, ServiceId};
use crate::time::{SimDuration, SimTime};

/// One scheduled fault.
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    pub kind: FaultKind,
    pub target: FaultTarget,
    /// When it starts.
    pub at: SimTime,
    /// How long it lasts; `None` lasts until the end of the run.
    pub duration: Option<SimDuration>,
    /// Drawn by `--chaos` rather than written in the scenario.
    pub chaos: bool,
}

impl Fault {
    /// When it ends, or `None` if it never does.
    pub fn until(&self) -> Option<SimTime> {
        self.duration.map(|d| self.at + d)
    }
}

/// What a fault does to its target.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FaultKind {
    /// The process dies: queued and in-service requests fail, new ones are
    /// refused; it restarts empty at the end.
    Crash,
    /// The host freezes: nothing is lost or answered until it resumes.
    Pause,
    /// Service times are multiplied by the factor.
    Slowdown { factor: f64 },
    /// Workers are multiplied by the factor (0.5 = half of them).
    Capacity { factor: f64 },
    /// Each request fails with this probability after its service time.
    ErrorRate { rate: f64 },
    /// Extra one-way delay on the link(s).
    Latency { extra: SimDuration },
    /// Messages on the link(s) are lost with this probability.
    Loss { rate: f64 },
    /// Messages on the link(s) are delivered twice with this probability.
    Duplicate { rate: f64 },
    /// The link delivers nothing, in either direction.
    Partition,
}

impl FaultKind {
    /// The kind's name as the scenario format spells it.
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::Crash => "crash",
            FaultKind::Pause => "pause",
            FaultKind::Slowdown { .. } => "slowdown",
            FaultKind::Capacity { .. } => "capacity",
            FaultKind::ErrorRate { .. } => "error_rate",
            FaultKind::Latency { .. } => "latency",
            FaultKind::Loss { .. } => "loss",
            FaultKind::Duplicate { .. } => "duplicate",
            FaultKind::Partition => "partition",
        }
    }

    /// Every kind's name, for errors and hints.
    pub const NAMES: &'static [&'static str] = &[
        "crash",
        "pause",
        "slowdown",
        "capacity",
        "error_rate",
        "latency",
        "loss",
        "duplicate",
        "partition",
    ];
}

/// Where a fault strikes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultTarget {
    /// Every instance of a service (or, for network kinds, every link into it).
    Service(ServiceId),
    /// One instance, numbered from 0: `db#2`.
    Instance(ServiceId, u32),
    /// One direction of one edge: `api->db` (a partition cuts both).
    Link(NodeId, NodeId),
    /// A broker queue: `pause` (it answers nothing and delivers nothing) or
    /// `crash` (it refuses publishes; its durable messages survive).
    Queue(QueueId),
    /// A saga's orchestrator or coordinator: `crash` (it resumes every saga
    /// from its durable log when it restarts) or `pause`.
    Saga(SagaId),
    /// A look-aside cache: `crash` (it empties and restarts cold; lookups
    /// meanwhile miss) or `pause` (lookups wait until it resumes).
    Cache(CacheId),
}
