//! The validated scenario: what the engine runs.
//!
//! Every reference is resolved to a dense typed id, every duration and
//! distribution is parsed, every probability is in range. Building one is the
//! job of [`super::load`]; the engine never sees text.

use crate::dist::Dist;
use crate::expect::Expectation;
use crate::time::{SimDuration, SimTime};

pub use super::fault::{Fault, FaultKind, FaultTarget};
pub use super::policy::{Cause, Policy, Protection};

/// Index of a client in [`Scenario::clients`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientId(pub u32);

/// Index of a service in [`Scenario::services`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServiceId(pub u32);

/// Index of an endpoint in its service's [`Service::endpoints`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EndpointId(pub u32);

/// Index of a queue in [`Scenario::queues`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QueueId(pub u32);

/// Index of a cache in [`Scenario::caches`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CacheId(pub u32);

/// Index of a saga in [`Scenario::sagas`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SagaId(pub u32);

/// A node of the network: messages travel between nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeId {
    Client(ClientId),
    Service(ServiceId),
    /// A broker queue: publishers send to it, it delivers to consumers.
    Queue(QueueId),
    /// A saga's orchestrator (or two-phase coordinator): it calls the steps.
    Saga(SagaId),
    /// A look-aside cache: calls `via` it look their key up first.
    Cache(CacheId),
}

/// A whole scenario, ready to run.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    /// Teaching notes in Markdown.
    pub description: String,
    /// Simulated time to run.
    pub duration: SimDuration,
    /// The default seed (`--seed` overrides it).
    pub seed: u64,
    /// Metrics ignore events before this instant.
    pub warmup: SimDuration,
    pub expect: Vec<Expectation>,
    pub network: Network,
    pub links: Vec<Link>,
    pub clients: Vec<Client>,
    pub services: Vec<Service>,
    /// Broker queues, in file order.
    pub queues: Vec<Queue>,
    /// Sagas, in file order.
    pub sagas: Vec<Saga>,
    /// Look-aside caches, in file order.
    pub caches: Vec<Cache>,
    /// Scheduled faults, in file order.
    pub faults: Vec<Fault>,
    /// Deployments of a new version, at most one per service.
    pub deploys: Vec<Deploy>,
}

/// A deployment of a new version of a service.
#[derive(Clone, Debug, PartialEq)]
pub struct Deploy {
    pub service: ServiceId,
    pub at: SimTime,
    pub strategy: Strategy,
    /// Canary: the new version's share of traffic at each step.
    pub steps: Vec<f64>,
    pub step_every: SimDuration,
    /// Rolling: instances replaced per step.
    pub batch: u32,
    pub rollback: Option<Rollback>,
}

/// How a deployment replaces the old version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// `batch` instances at a time, each drained, then started as the new version.
    Rolling,
    /// New instances take a growing share of traffic, step by step.
    Canary,
    /// A full new set starts beside the old; traffic switches at once.
    BlueGreen,
}

impl Strategy {
    /// Its name in the format.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Rolling => "rolling",
            Strategy::Canary => "canary",
            Strategy::BlueGreen => "blue_green",
        }
    }
}

/// Automated analysis: roll back as soon as the new version's last window
/// exceeds either threshold.
#[derive(Clone, Debug, PartialEq)]
pub struct Rollback {
    pub error_rate: Option<f64>,
    pub p99: Option<SimDuration>,
    pub window: SimDuration,
}

/// Defaults for every message between two nodes.
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    /// One-way latency.
    pub latency: Dist,
    /// Probability that a message is lost.
    pub loss: f64,
    /// Probability that a message is delivered twice.
    pub duplicate: f64,
}

impl Default for Network {
    fn default() -> Self {
        Network {
            latency: Dist::Constant(SimDuration::ZERO),
            loss: 0.0,
            duplicate: 0.0,
        }
    }
}

/// Overrides for one direction of one edge. Unset fields fall back to [`Network`].
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub from: NodeId,
    pub to: NodeId,
    pub latency: Option<Dist>,
    pub loss: Option<f64>,
    pub duplicate: Option<f64>,
}

/// Where a request goes: a service and one of its endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Target {
    pub service: ServiceId,
    pub endpoint: EndpointId,
}

/// A load generator.
#[derive(Clone, Debug)]
pub struct Client {
    pub name: String,
    pub target: Target,
    pub load: Load,
    /// A client whose `target` names a saga starts one saga per request
    /// (its `target` is then the saga's first step, unused).
    pub saga: Option<SagaId>,
    /// The key each request carries (one key, 0, when the file sets none).
    pub keys: Keys,
    /// The caller-side policies applied to each request.
    pub policy: Policy,
}

/// The keys a client's requests carry: `keys = { count, popularity }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Keys {
    /// Keys are `0..count`.
    pub count: u64,
    pub popularity: Popularity,
}

impl Default for Keys {
    fn default() -> Self {
        Keys {
            count: 1,
            popularity: Popularity::Uniform,
        }
    }
}

/// How often each key is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Popularity {
    Uniform,
    /// Key `k` (from 0) with probability proportional to `1 / (k + 1)^s`.
    Zipf(f64),
}

/// A look-aside cache: `[[cache]]`. A call `via` it looks the request's
/// key up first; a miss makes the call and its success fills the entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Cache {
    pub name: String,
    /// Keys held at most, the least recently used evicted first; `None`
    /// holds every key.
    pub capacity: Option<u32>,
    /// How long a filled entry stays fresh, drawn at each fill (a
    /// distribution jitters expiry).
    pub ttl: Dist,
    /// A lookup's time on a worker, hit or miss.
    pub hit_time: Dist,
    /// Lookups served at once; `None` is no limit (no waiting).
    pub workers: Option<u32>,
    /// Concurrent misses of one key wait for the first one's fill.
    pub single_flight: bool,
    /// A hit this close to expiry answers and refreshes the entry in the
    /// background, once.
    pub refresh_ahead: Option<SimDuration>,
}

/// A saga: steps with compensations, `[[saga]]`.
#[derive(Clone, Debug)]
pub struct Saga {
    pub name: String,
    pub mode: SagaMode,
    /// At least one, in order.
    pub steps: Vec<SagaStep>,
    /// Choreography only: per step, the queue of its trigger (`SAGA.STEP`)
    /// and, if it has a compensation, of its compensation's (`SAGA.STEP.undo`).
    pub events: Vec<(QueueId, Option<QueueId>)>,
}

/// How a saga's steps are driven.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SagaMode {
    /// An orchestrator calls each step and keeps a durable log.
    Orchestration,
    /// Each participant publishes the event that triggers the next step.
    Choreography,
    /// Two-phase commit, for contrast: prepare all, then commit or abort all.
    TwoPhase,
}

/// One step of a saga.
#[derive(Clone, Debug)]
pub struct SagaStep {
    /// The endpoint that does the step.
    pub call: Target,
    /// The endpoint that undoes it, if it can be undone.
    pub compensate: Option<Target>,
    /// The point of no return: steps after it are retried until they
    /// succeed and never compensated.
    pub pivot: bool,
    /// The step call's policies (timeout, retry, ...); its compensation
    /// uses them too, and is retried until it succeeds.
    pub policy: Policy,
}

/// A broker queue (or topic): `[[queue]]`.
#[derive(Clone, Debug)]
pub struct Queue {
    pub name: String,
    pub delivery: Delivery,
    /// An unacked delivery is redelivered after this (at least once).
    pub ack_timeout: SimDuration,
    /// Receives after which an unacked message is dead-lettered; `None`:
    /// redelivered until acked.
    pub max_receives: Option<u32>,
    /// Where dead letters go; `None` counts them only.
    pub dead_letter: Option<DeadLetter>,
    /// Ordered partitions by the message's key, one consumer instance each;
    /// `None` is one unordered queue with competing consumers.
    pub partitions: Option<u32>,
    /// Messages held at most; publishing to a full queue is `rejected`.
    pub capacity: Option<u32>,
}

/// A queue's delivery guarantee.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Acked after the work succeeds; redelivered on failure, crash or
    /// `ack_timeout`.
    AtLeastOnce,
    /// Acked on receipt: a failed or crashed receive is lost.
    AtMostOnce,
}

/// Where a queue's dead letters go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeadLetter {
    /// Another declared queue: they are published there.
    Queue(QueueId),
    /// A name only: a sink that counts them.
    Sink(String),
}

/// One `publish` entry of an endpoint: a message to a queue when a request
/// succeeds.
#[derive(Clone, Debug, PartialEq)]
pub struct Publish {
    pub to: QueueId,
    /// Stored with the local commit and published by a relay that retries:
    /// never lost. `false` is a dual write: published after the commit,
    /// once, and lost if the queue cannot take it then.
    pub outbox: bool,
}

/// How a client generates requests.
#[derive(Clone, Debug, PartialEq)]
pub enum Load {
    /// Arrivals independent of answers, at a rate that may follow a schedule.
    Open {
        arrivals: Arrivals,
        /// `(from, rate per second)` steps, sorted by time; the first is at 0.
        schedule: Vec<(SimTime, f64)>,
    },
    /// `users` users, each sending one request, waiting for its end, then thinking.
    Closed { users: u32, think: Dist },
}

/// The arrival process of an open-loop client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrivals {
    Poisson,
    Constant,
}

/// A service: replicas behind one name.
#[derive(Clone, Debug)]
pub struct Service {
    pub name: String,
    pub instances: u32,
    pub balancer: Balancer,
    /// Requests served at once per instance.
    pub workers: u32,
    /// Waiting room per instance; `None` is unbounded.
    pub queue: Option<u32>,
    pub discipline: Discipline,
    /// Server-side protections: shedding, admission limit, outlier ejection.
    pub protection: Protection,
    /// Remember idempotency keys so that repeats are answered, not re-applied.
    pub dedup: Option<Dedup>,
    /// At least one; a service without declared endpoints has one, `default`.
    pub endpoints: Vec<Endpoint>,
    /// How its instances come and go: cold starts, health checks, autoscaling.
    pub lifecycle: Lifecycle,
    /// The endpoints as the new version of its `[[deploy]]` serves them,
    /// one per endpoint, with the deployment's `version` keys applied;
    /// `None` when no deployment names it.
    pub new_version: Option<Vec<Endpoint>>,
}

impl Service {
    /// The most instances it can have at once: instance ids stay below
    /// this. A deployment may run a second set beside the first.
    pub fn max_instances(&self) -> u32 {
        let most = self
            .lifecycle
            .autoscale
            .as_ref()
            .map_or(self.instances, |a| a.max.max(self.instances));
        if self.new_version.is_some() {
            most.saturating_mul(2)
        } else {
            most
        }
    }

    /// Its endpoints as the new version (`new`) or the old one serves them.
    pub fn endpoints_of(&self, new: bool) -> &[Endpoint] {
        match (&self.new_version, new) {
            (Some(endpoints), true) => endpoints,
            _ => &self.endpoints,
        }
    }

    /// Every endpoint of every version, the old ones first: what the
    /// checks of the file and the topology cover.
    pub fn every_endpoint(&self) -> impl Iterator<Item = &Endpoint> {
        self.endpoints
            .iter()
            .chain(self.new_version.iter().flatten())
    }

    /// Each endpoint with calls of its own, and whether it is the new
    /// version's: the old endpoints, then those of the new version whose
    /// calls differ from the old (a drawing of the calls shows each once).
    pub fn call_lists(&self) -> impl Iterator<Item = (bool, &Endpoint)> {
        let old = self.endpoints.iter().map(|e| (false, e));
        let changed = (self.new_version.iter().flatten())
            .zip(&self.endpoints)
            .filter(|(new, was)| new.calls != was.calls)
            .map(|(new, _)| (true, new));
        old.chain(changed)
    }
}

/// How a service's instances come and go.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lifecycle {
    /// A started or restarted instance serves only after this (cold start).
    pub startup: SimDuration,
    pub health: Option<HealthCheck>,
    pub autoscale: Option<Autoscale>,
}

/// Active health checks from the balancer.
#[derive(Clone, Debug, PartialEq)]
pub struct HealthCheck {
    /// Every instance is probed this often.
    pub interval: SimDuration,
    /// A probe not answered within this fails.
    pub timeout: SimDuration,
    /// Failed probes in a row that make an instance unhealthy.
    pub unhealthy: u32,
    /// Passed probes in a row that make a removed instance healthy again.
    pub healthy: u32,
    pub action: HealthAction,
    /// The probe waits in the instance's queue like a request.
    pub deep: bool,
}

/// What an unhealthy instance suffers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HealthAction {
    /// Readiness: out of the balancer until it passes `healthy` probes.
    Remove,
    /// Liveness: restarted, losing what it holds, then `startup` again.
    Restart,
}

/// A horizontal autoscaler (Kubernetes' HPA arithmetic).
#[derive(Clone, Debug, PartialEq)]
pub struct Autoscale {
    pub min: u32,
    pub max: u32,
    pub metric: ScaleMetric,
    /// The metric's value per instance the scaler aims at.
    pub target: f64,
    /// How often it decides.
    pub interval: SimDuration,
    /// Scale-in waits this long after the last change.
    pub cooldown: SimDuration,
}

/// What an autoscaler measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScaleMetric {
    /// Busy fraction of the serving workers over the last interval.
    Utilization,
    /// Requests waiting per serving instance.
    Queue,
    /// Requests waiting or in service per serving instance.
    InFlight,
}

/// How a service picks the instance that serves a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Balancer {
    RoundRobin,
    Random,
    LeastOutstanding,
    /// Power of two random choices, the less loaded wins.
    P2c,
    /// Consistent hashing of the request's key on a ring with `vnodes`
    /// points per instance.
    Hash {
        vnodes: u32,
    },
}

impl Balancer {
    /// Its name in scenario files (`hash` whatever its `vnodes`).
    pub fn name(self) -> &'static str {
        let kind = std::mem::discriminant(&self);
        super::services::BALANCERS
            .iter()
            .find(|(_, b)| std::mem::discriminant(b) == kind)
            .map_or("round_robin", |(name, _)| name)
    }
}

/// The order in which an instance takes waiting requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Discipline {
    Fifo,
    Lifo,
}

/// What one endpoint of a service does with a request.
#[derive(Clone, Debug, PartialEq)]
pub struct Endpoint {
    pub name: String,
    pub service_time: Dist,
    /// Probability that the local work fails.
    pub error_rate: f64,
    pub calls: Vec<Call>,
    /// Make the calls at once instead of in order.
    pub parallel: bool,
    /// A worker stays busy while it waits on calls.
    pub blocking: bool,
    /// A side effect applied once per successful request (`charge`).
    pub effect: Option<String>,
    /// Copies of one logical request apply the effect only once.
    pub idempotent: bool,
    /// Messages sent when a request succeeds.
    pub publish: Vec<Publish>,
    /// The queue whose messages this endpoint serves, if any.
    pub consumes: Option<QueueId>,
}

/// A service's table of processed idempotency keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dedup {
    /// Keys older than this are forgotten.
    pub ttl: SimDuration,
    /// At most this many keys are kept; the oldest go first.
    pub capacity: u32,
}

/// A downstream call made while serving a request.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub to: Target,
    pub policy: Policy,
    /// The look-aside cache the call goes through, if any.
    pub via: Option<CacheId>,
}

impl Scenario {
    /// The name of a node, as written in the scenario.
    pub fn node_name(&self, node: NodeId) -> &str {
        match node {
            NodeId::Client(c) => &self.clients[c.0 as usize].name,
            NodeId::Service(s) => &self.services[s.0 as usize].name,
            NodeId::Queue(q) => &self.queues[q.0 as usize].name,
            NodeId::Saga(s) => &self.sagas[s.0 as usize].name,
            NodeId::Cache(c) => &self.caches[c.0 as usize].name,
        }
    }

    /// A fault's target as the scenario writes it: `db`, `db#2`, `api->db`.
    pub fn fault_target(&self, t: FaultTarget) -> String {
        match t {
            FaultTarget::Service(s) => self.service(s).name.clone(),
            FaultTarget::Instance(s, i) => format!("{}#{i}", self.service(s).name),
            FaultTarget::Link(a, b) => format!("{}->{}", self.node_name(a), self.node_name(b)),
            FaultTarget::Queue(q) => self.queues[q.0 as usize].name.clone(),
            FaultTarget::Saga(s) => self.sagas[s.0 as usize].name.clone(),
            FaultTarget::Cache(c) => self.caches[c.0 as usize].name.clone(),
        }
    }

    /// The service with this id.
    pub fn service(&self, id: ServiceId) -> &Service {
        &self.services[id.0 as usize]
    }

    /// A target as the scenario writes it: `service.endpoint`, or `service`
    /// alone for a service whose one endpoint is its `default`.
    pub fn target_name(&self, t: Target) -> String {
        let s = self.service(t.service);
        match &s.endpoints[..] {
            [only] if only.name == super::names::DEFAULT_ENDPOINT => s.name.clone(),
            endpoints => format!("{}.{}", s.name, endpoints[t.endpoint.0 as usize].name),
        }
    }

    /// The endpoint a target names.
    pub fn endpoint(&self, t: Target) -> &Endpoint {
        &self.service(t.service).endpoints[t.endpoint.0 as usize]
    }
}
