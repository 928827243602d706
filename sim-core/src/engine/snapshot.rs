//! Snapshots: the state of a running simulation at one instant, for the
//! browser to draw — queues, busy workers and health per instance, breaker
//! states, cumulative counts per client and per edge, and each saga's runs
//! by state. Counts are the
//! engine's own (after warmup, like the summary); the page only takes
//! differences between snapshots to animate them.

use super::record::{
    CacheCounts, ClientCounts, QueueCounts, SagaCounts, ServiceCounts, StepCounts,
};
use super::Simulation;
use crate::scenario::model::NodeId;
use indexmap::IndexMap;
use serde::Serialize;

/// Everything the page draws at one instant.
#[derive(Clone, Debug, Serialize)]
pub struct Snapshot {
    /// Simulated seconds.
    pub t: f64,
    pub events: u64,
    /// Whether the run has reached its end.
    pub done: bool,
    pub clients: IndexMap<String, ClientCounts>,
    pub services: IndexMap<String, ServiceState>,
    /// Breaker name → closed | open | half_open.
    pub breakers: IndexMap<String, &'static str>,
    pub queues: IndexMap<String, QueueNow>,
    pub caches: IndexMap<String, CacheNow>,
    pub sagas: IndexMap<String, SagaNow>,
    /// One entry per policy site: a client's, a call's, or a saga step's
    /// (its call, then its compensation's) edge.
    pub edges: Vec<EdgeCounts>,
}

/// A saga now: its runs by state so far (after warmup), its orchestrator's
/// health, and the calls of each step.
#[derive(Clone, Debug, Serialize)]
pub struct SagaNow {
    #[serde(flatten)]
    pub counts: SagaCounts,
    pub in_flight: u64,
    /// up | down | paused
    pub health: &'static str,
    pub steps: Vec<StepCounts>,
}

/// A service now: its counts so far, and each instance.
#[derive(Clone, Debug, Serialize)]
pub struct ServiceState {
    #[serde(flatten)]
    pub counts: ServiceCounts,
    pub instances: Vec<InstanceState>,
}

/// A queue now: its counts so far, what it holds and what is out.
#[derive(Clone, Debug, Serialize)]
pub struct QueueNow {
    #[serde(flatten)]
    pub counts: QueueCounts,
    /// Messages held.
    pub depth: u64,
    /// Deliveries on their way to, or at work in, consumers.
    pub out: u64,
    /// The oldest held message's age, in seconds.
    pub age_s: f64,
    /// up | down | paused
    pub health: &'static str,
}

/// A cache now: its counts so far, its hit ratio, the keys it holds and
/// its health.
#[derive(Clone, Debug, Serialize)]
pub struct CacheNow {
    #[serde(flatten)]
    pub counts: CacheCounts,
    /// Hits over lookups so far (`null` before the first).
    pub hit_ratio: Option<f64>,
    pub max_concurrent_misses: u64,
    /// Keys held.
    pub keys: u64,
    /// up | down | paused
    pub health: &'static str,
}

/// One instance now.
#[derive(Clone, Debug, Serialize)]
pub struct InstanceState {
    pub queue: u64,
    pub busy: u32,
    pub workers: u32,
    /// up | down | starting | draining | stopped | unready | paused | ejected
    pub health: &'static str,
    /// Runs the new version of a deployment.
    pub new_version: bool,
}

/// Attempts on one edge so far.
#[derive(Clone, Debug, Serialize)]
pub struct EdgeCounts {
    pub from: String,
    pub to: String,
    pub sent: u64,
    pub failed: u64,
}

impl Simulation {
    /// The summary of the run so far (the whole run once it has ended).
    pub fn report(&mut self) -> crate::Report {
        self.summary()
    }

    /// The state now.
    pub fn snapshot(&self) -> Snapshot {
        let clients = self
            .sc
            .clients
            .iter()
            .zip(&self.client_totals)
            .map(|(c, rec)| (c.name.clone(), rec.counts))
            .collect();
        let services = self
            .sc
            .services
            .iter()
            .enumerate()
            .map(|(s, svc)| {
                let state = ServiceState {
                    counts: self.service_totals[s].counts,
                    instances: (0..self.services[s].instances.len() as u32)
                        .map(|i| self.services[s].instance_state(i, self.now))
                        .collect(),
                };
                (svc.name.clone(), state)
            })
            .collect();
        let breakers = self
            .breakers
            .iter()
            .map(|b| (b.name.clone(), b.cb.state().name()))
            .collect();
        let edges = self
            .sites
            .iter()
            .enumerate()
            .map(|(i, site)| {
                let from = match self.sc.clients.get(i) {
                    Some(c) => c.name.clone(),
                    None => self.caller_of_site(i as u32),
                };
                EdgeCounts {
                    from,
                    to: self
                        .sc
                        .node_name(NodeId::Service(site.target.service))
                        .to_string(),
                    sent: site.sent,
                    failed: site.failed,
                }
            })
            .collect();
        let queues = self
            .sc
            .queues
            .iter()
            .enumerate()
            .map(|(q, queue)| (queue.name.clone(), self.queue_now(q)))
            .collect();
        let caches = self
            .sc
            .caches
            .iter()
            .enumerate()
            .map(|(c, cache)| (cache.name.clone(), self.cache_now(c)))
            .collect();
        let sagas = self
            .sc
            .sagas
            .iter()
            .enumerate()
            .map(|(g, saga)| (saga.name.clone(), self.saga_now(g)))
            .collect();
        Snapshot {
            queues,
            caches,
            sagas,
            t: self.now.as_secs_f64(),
            events: self.events,
            done: self.now >= self.end,
            clients,
            services,
            breakers,
            edges,
        }
    }

    /// Queue `q` now.
    fn queue_now(&self, q: usize) -> QueueNow {
        let state = &self.queues[q];
        let health = if state.down {
            "down"
        } else if state.paused {
            "paused"
        } else {
            "up"
        };
        QueueNow {
            counts: self.queue_totals[q].counts,
            depth: state.depth(),
            out: self
                .deliveries
                .iter()
                .filter(|(_, d)| d.queue as usize == q)
                .count() as u64,
            age_s: state.oldest_age(self.now).as_secs_f64(),
            health,
        }
    }

    /// Cache `c` now.
    fn cache_now(&self, c: usize) -> CacheNow {
        let rec = &self.cache_totals[c];
        CacheNow {
            counts: rec.counts,
            hit_ratio: rec.counts.hit_ratio(),
            max_concurrent_misses: rec.max_concurrent_misses,
            keys: self.cache_size(c),
            health: self.cache_health(c),
        }
    }

    /// Saga `g` now.
    fn saga_now(&self, g: usize) -> SagaNow {
        let health = if self.saga_down[g] {
            "down"
        } else if self.saga_paused[g] {
            "paused"
        } else {
            "up"
        };
        SagaNow {
            counts: self.saga_totals[g],
            in_flight: self.saga_totals[g].in_flight(),
            health,
            steps: self.saga_steps[g].clone(),
        }
    }

    /// The service or saga whose call site `site` is.
    fn caller_of_site(&self, site: u32) -> String {
        let saga = self.saga_sites.iter().position(|steps| {
            steps
                .iter()
                .any(|&(call, undo)| call == site || undo == Some(site))
        });
        if let Some(g) = saga {
            return self.sc.sagas[g].name.clone();
        }
        let s = self
            .call_sites
            .iter()
            .position(|versions| versions.iter().flatten().any(|calls| calls.contains(&site)))
            .unwrap_or(0);
        self.sc.services[s].name.clone()
    }
}
