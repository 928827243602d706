//! Probes: one accumulator per `expect` line, measuring its metric for its
//! subject inside its window, so windowed expectations cost fixed memory.
//!
//! A window holds a cohort: the requests a client issued in it (or the
//! attempts that reached a service in it), followed to their end, however
//! late that is; tries are the exception, counted in the window they are
//! sent in (a storm's retries belong to its window, whoever issued them).
//! Its counts go into the same [`ClientRecord`] or [`ServiceRecord`] as the
//! summary's, so an expectation without a window reads exactly the
//! summary's figure.

use super::histogram::Hist;
use super::integrator::Utilization;
use super::record::{
    CacheCounts, CacheFact, ClientFact, ClientRecord, Outcomes, QueueFact, QueueRecord, SagaCounts,
    SagaFact, ServiceFact, ServiceRecord,
};
use crate::expect::{DeployStat, Expectation, Metric, SagaStat, Stat};
use crate::time::{SimDuration, SimTime};

/// What a probe is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Client(u32),
    Service(u32),
    /// A breaker, by index.
    Breaker(u32),
    /// An effect, by index.
    Effect(u32),
    /// A queue, by index.
    Queue(u32),
    /// A saga, by index.
    Saga(u32),
    /// A cache, by index.
    Cache(u32),
}

/// The accumulator of one expectation.
#[derive(Clone, Debug)]
pub struct Probe {
    pub subject: Subject,
    pub metric: Metric,
    pub start: SimTime,
    pub end: SimTime,
    acc: Acc,
    /// For `max_age`: how long the oldest message still held at the end had
    /// waited (set by the engine when the window reaches the end).
    pub still_held: SimDuration,
}

#[derive(Clone, Debug)]
enum Acc {
    Client(Box<ClientRecord>),
    Service(Box<ServiceRecord>),
    MaxQueue(u64),
    Utilization(Utilization),
    /// Live instances at an instant, once read there.
    Instances(Option<f64>),
    /// The most live instances at once.
    MaxInstances(u32),
    /// A deployment's statistic, read at the end.
    Deploy(Option<f64>),
    /// Attempts reaching a service, and logical requests of all clients.
    Amplification {
        arrivals: u64,
        requests: u64,
    },
    /// The breaker's state code, once read at its instant.
    Breaker(Option<f64>),
    /// Duplicate applications of an effect.
    Duplicates(u64),
    /// A queue's facts in the window.
    Queue(QueueRecord),
    /// The runs of a saga started in the window.
    Saga(SagaCounts),
    /// A cache's lookups answered in the window.
    Cache(CacheCounts),
}

impl Probe {
    /// A probe for `e` over `[start, end)`; `capacity` is the subject's
    /// worker count at the start (for utilization).
    pub fn new(
        e: &Expectation,
        subject: Subject,
        start: SimTime,
        end: SimTime,
        capacity: u64,
    ) -> Probe {
        let acc = match (e.metric, subject) {
            (Metric::MaxQueue | Metric::MaxDepth, _) => Acc::MaxQueue(0),
            (Metric::DeadLetters | Metric::Lost | Metric::MaxAge | Metric::OutOfOrder, _) => {
                Acc::Queue(QueueRecord::default())
            }
            (Metric::Utilization, _) => Acc::Utilization(Utilization::new(start, end, capacity)),
            (Metric::Instances(_), _) => Acc::Instances(None),
            (Metric::MaxInstances, _) => Acc::MaxInstances(0),
            (Metric::Deploy(_), _) => Acc::Deploy(None),
            (Metric::Amplification, _) => Acc::Amplification {
                arrivals: 0,
                requests: 0,
            },
            (Metric::Breaker(_), _) => Acc::Breaker(None),
            (Metric::Saga(_), _) => Acc::Saga(SagaCounts::default()),
            (Metric::HitRatio, _) => Acc::Cache(CacheCounts::default()),
            (Metric::DuplicateEffects, _) => Acc::Duplicates(0),
            (_, Subject::Service(_)) => Acc::Service(Box::default()),
            _ => Acc::Client(Box::default()),
        };
        Probe {
            subject,
            metric: e.metric,
            start,
            end,
            acc,
            still_held: SimDuration::ZERO,
        }
    }

    fn inside(&self, t: SimTime) -> bool {
        t >= self.start && t < self.end
    }

    /// A fact, at `now`, about a request of the subject client issued at
    /// `issued`.
    pub fn on_client(&mut self, issued: SimTime, now: SimTime, fact: ClientFact) {
        let when = match fact {
            ClientFact::Tried { .. } => now,
            _ => issued,
        };
        if !self.inside(when) {
            return;
        }
        if let Acc::Client(r) = &mut self.acc {
            r.apply(fact);
        }
    }

    /// A fact about an attempt that arrived at the subject service at `arrived`.
    pub fn on_service(&mut self, arrived: SimTime, fact: ServiceFact) {
        if !self.inside(arrived) {
            return;
        }
        match &mut self.acc {
            Acc::Service(r) => r.apply(fact),
            Acc::Amplification { arrivals, .. } if fact == ServiceFact::Arrived => *arrivals += 1,
            _ => {}
        }
    }

    /// Some client issued a logical request at `now`.
    pub fn on_request(&mut self, now: SimTime) {
        if let (true, Acc::Amplification { requests, .. }) = (self.inside(now), &mut self.acc) {
            *requests += 1;
        }
    }

    /// A fact about the subject queue's messages at `now`.
    pub fn on_queue_fact(&mut self, now: SimTime, fact: QueueFact) {
        if let (true, Acc::Queue(r)) = (self.inside(now), &mut self.acc) {
            r.apply(fact);
        }
    }

    /// A fact about the subject cache at `now`.
    pub fn on_cache(&mut self, now: SimTime, fact: CacheFact) {
        if let (true, Acc::Cache(c)) = (self.inside(now), &mut self.acc) {
            c.apply(fact);
        }
    }

    /// A fact about a run of the subject saga started at `started`.
    pub fn on_saga(&mut self, started: SimTime, fact: SagaFact) {
        if let (true, Acc::Saga(c)) = (self.inside(started), &mut self.acc) {
            c.apply(fact);
        }
    }

    /// The subject effect was applied again at `now`.
    pub fn on_duplicate(&mut self, now: SimTime) {
        if let (true, Acc::Duplicates(n)) = (self.inside(now), &mut self.acc) {
            *n += 1;
        }
    }

    /// Whether this probe counts every client's requests.
    pub fn counts_requests(&self) -> bool {
        matches!(self.acc, Acc::Amplification { .. })
    }

    /// The breaker's state `code` at the probe's instant (the first reading
    /// wins).
    pub fn on_breaker(&mut self, code: f64) {
        if let Acc::Breaker(v @ None) = &mut self.acc {
            *v = Some(code);
        }
    }

    /// A queue of the subject has `len` waiting at `now`.
    pub fn on_queue(&mut self, now: SimTime, len: u64) {
        if let (true, Acc::MaxQueue(m)) = (self.inside(now), &mut self.acc) {
            *m = (*m).max(len);
        }
    }

    /// The subject's busy workers changed to `level` at `now`.
    pub fn on_busy(&mut self, now: SimTime, level: u64) {
        if let Acc::Utilization(u) = &mut self.acc {
            u.set_busy(now, level);
        }
    }

    /// The subject's capacity changed to `workers`, and its live instances
    /// to `live`, at `now`.
    pub fn on_instances(&mut self, now: SimTime, workers: u64, live: u32) {
        let inside = self.inside(now);
        match &mut self.acc {
            Acc::Utilization(u) => u.set_capacity(now, workers),
            Acc::MaxInstances(m) if inside => *m = (*m).max(live),
            _ => {}
        }
    }

    /// The subject's deployment: whether it was rolled back, steps done.
    pub fn on_deploy(&mut self, rolled_back: bool, steps_done: u32) {
        if let Acc::Deploy(v) = &mut self.acc {
            *v = Some(match self.metric {
                Metric::Deploy(DeployStat::RolledBack) => f64::from(u8::from(rolled_back)),
                _ => f64::from(steps_done),
            });
        }
    }

    /// The subject's live instances read at the probe's instant (the first
    /// reading wins).
    pub fn on_instant(&mut self, live: u32) {
        if let Acc::Instances(v @ None) = &mut self.acc {
            *v = Some(f64::from(live));
        }
    }

    /// The value observed when the run stops at `now`; `None` when the
    /// window holds nothing to measure (no request for a rate, no answer
    /// for a latency).
    pub fn observed(&mut self, now: SimTime) -> Option<f64> {
        match &mut self.acc {
            Acc::Client(r) => observe(
                self.metric,
                r.counts.outcomes(),
                r.counts.attempts,
                &r.latency,
            ),
            Acc::Service(r) => observe(self.metric, r.counts.outcomes(), 0, &r.latency),
            Acc::MaxQueue(m) => Some(*m as f64),
            Acc::Utilization(u) => Some(u.mean(now)),
            Acc::Instances(v) => *v,
            Acc::MaxInstances(m) => Some(f64::from(*m)),
            Acc::Deploy(v) => *v,
            Acc::Amplification { arrivals, requests } => {
                (*requests > 0).then(|| *arrivals as f64 / *requests as f64)
            }
            Acc::Breaker(v) => *v,
            Acc::Cache(c) => c.hit_ratio(),
            Acc::Duplicates(n) => Some(*n as f64),
            Acc::Saga(c) => Some(match self.metric {
                Metric::Saga(SagaStat::Started) => c.started,
                Metric::Saga(SagaStat::Completed) => c.completed,
                Metric::Saga(SagaStat::Compensated) => c.compensated,
                Metric::Saga(SagaStat::InFlight) => c.in_flight(),
                Metric::Saga(SagaStat::Inconsistent) => c.inconsistent,
                _ => c.compensations_without_effect,
            } as f64),
            Acc::Queue(r) => match self.metric {
                Metric::DeadLetters => Some(r.counts.dead_lettered as f64),
                Metric::Lost => Some(r.counts.lost as f64),
                Metric::OutOfOrder => Some(r.counts.out_of_order as f64),
                _ => Some(r.max_held.max(self.still_held).as_secs_f64()),
            },
        }
    }
}

/// A client's or a service's `metric` from its outcomes, tries and latencies.
fn observe(metric: Metric, o: Outcomes, attempts: u64, latency: &Hist) -> Option<f64> {
    match metric {
        Metric::SuccessRate => o.success_rate(),
        Metric::DegradedRate => o.degraded_rate(),
        Metric::FailureRate => o.failure_rate(),
        Metric::InFlight => Some(o.in_flight() as f64),
        Metric::Attempts => Some(attempts as f64),
        Metric::Latency(_) if latency.count() == 0 => None,
        Metric::Latency(stat) => Some(match stat.quantile() {
            Some(q) => latency.quantile_ms(q),
            None if stat == Stat::Mean => latency.mean_ms(),
            None => latency.max_ms(),
        }),
        _ => None,
    }
}
