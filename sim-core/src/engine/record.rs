//! The record of what happened: the one place where a measured fact becomes
//! a count.
//!
//! The engine reports each fact once — a request issued, a try sent, a
//! request ended, an attempt arrived or answered — and [`ClientRecord::apply`]
//! or [`ServiceRecord::apply`] turns it into counts. The same records hold
//! the summary's totals, each timeseries window and each windowed
//! expectation, so they cannot disagree: a window's counts sum to the total
//! because both saw the same facts. Rates are derived in one place,
//! [`Outcomes`], for the summary, the expectations and the browser alike.

use super::event::Outcome;
use super::histogram::Hist;
use crate::report::Causes;
use crate::scenario::model::Cause;
use crate::time::SimDuration;
use serde::Serialize;

/// What happened to one client's logical requests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ClientCounts {
    pub requests: u64,
    pub succeeded: u64,
    pub degraded: u64,
    pub failed: u64,
    /// Every try, retries and hedges included.
    pub attempts: u64,
    pub retries: u64,
    pub hedges: u64,
    /// Failed requests by the cause of their failure.
    pub causes: Causes,
}

/// One fact about a client's request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientFact {
    Issued,
    /// A try was sent: the first, a retry, or a hedge.
    Tried {
        retry: bool,
        hedge: bool,
    },
    /// The request ended with this outcome after this latency.
    Ended(Outcome, SimDuration),
}

/// What happened to the attempts that reached one service.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ServiceCounts {
    pub arrivals: u64,
    /// Answered successfully.
    pub completed: u64,
    /// Answered, but with a fallback's answer somewhere below.
    pub degraded: u64,
    /// Answered with an error (local failure or a failed call).
    pub errors: u64,
    /// Turned away: queue full or admission limit.
    pub rejected: u64,
    /// Dropped unstarted: waited too long, or past its deadline.
    pub shed: u64,
    /// Turned away at once by a crashed instance.
    pub refused: u64,
}

/// One fact about an attempt at a service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceFact {
    Arrived,
    Refused,
    Rejected,
    /// A worker took it after it waited this long.
    Started(SimDuration),
    /// It was answered with this outcome, this long after it arrived.
    Answered(Outcome, SimDuration),
}

/// What happened to the messages of one queue. Every message published
/// (stored by the broker, or lost on its way by a dual write) ends exactly
/// once: acked, dead-lettered, lost, or still held when the run stops.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct QueueCounts {
    pub published: u64,
    /// Deliveries to consumers, redeliveries included.
    pub delivered: u64,
    /// Deliveries after the first of a message.
    pub redelivered: u64,
    /// Processed successfully and removed.
    pub acked: u64,
    pub dead_lettered: u64,
    /// Never processed and never dead-lettered: a dual write that found the
    /// queue unreachable, or an at-most-once delivery that failed.
    pub lost: u64,
    /// Publish attempts the queue turned away (full or crashed); an outbox
    /// relay tries again.
    pub rejected: u64,
    /// Messages processed while an earlier message of the same key was not.
    pub out_of_order: u64,
}

/// One fact about a queue's messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueFact {
    Published,
    Delivered {
        again: bool,
    },
    /// Acked after being held this long; `overtook` when an earlier message
    /// of its key was still unprocessed.
    Acked {
        held: SimDuration,
        overtook: bool,
    },
    DeadLettered(SimDuration),
    Lost(SimDuration),
    Rejected,
}

impl QueueCounts {
    /// Counts one fact.
    pub fn apply(&mut self, fact: QueueFact) {
        match fact {
            QueueFact::Published => self.published += 1,
            QueueFact::Delivered { again } => {
                self.delivered += 1;
                self.redelivered += u64::from(again);
            }
            QueueFact::Acked { overtook, .. } => {
                self.acked += 1;
                self.out_of_order += u64::from(overtook);
            }
            QueueFact::DeadLettered(_) => self.dead_lettered += 1,
            QueueFact::Lost(_) => self.lost += 1,
            QueueFact::Rejected => self.rejected += 1,
        }
    }

    /// Published and not yet ended.
    pub fn remaining(&self) -> u64 {
        self.published
            .saturating_sub(self.acked + self.dead_lettered + self.lost)
    }
}

/// A queue's counts and the longest any message was held, over some span.
#[derive(Clone, Debug, Default)]
pub struct QueueRecord {
    pub counts: QueueCounts,
    /// The longest a message that left the queue had been held.
    pub max_held: SimDuration,
}

impl QueueRecord {
    pub fn apply(&mut self, fact: QueueFact) {
        self.counts.apply(fact);
        if let QueueFact::Acked { held: d, .. } | QueueFact::DeadLettered(d) | QueueFact::Lost(d) =
            fact
        {
            self.max_held = self.max_held.max(d);
        }
    }

    /// Forgets everything, for the next window.
    pub fn clear(&mut self) {
        *self = QueueRecord::default();
    }
}

/// What happened to the lookups of one cache. Every lookup is a hit or a
/// miss, counted when the cache answers it (a lookup at a crashed cache
/// misses at once); `expired` and `evicted` count entries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CacheCounts {
    pub hits: u64,
    pub misses: u64,
    /// Misses that found their entry expired.
    pub expired: u64,
    /// Entries evicted, the least recently used, to make room.
    pub evicted: u64,
    /// Calls made to fill an entry: misses that did not wait for another
    /// miss's fill (single flight), and background refreshes.
    pub fills: u64,
    /// Background refreshes started by a hit near expiry.
    pub refreshes: u64,
}

/// One fact about a cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheFact {
    Hit,
    Miss {
        expired: bool,
    },
    Evicted,
    /// A call to fill a key started; `in_flight` fills of that key are now
    /// out (this one included).
    Filling {
        refresh: bool,
        in_flight: u32,
    },
}

impl CacheCounts {
    /// Counts one fact.
    pub fn apply(&mut self, fact: CacheFact) {
        match fact {
            CacheFact::Hit => self.hits += 1,
            CacheFact::Miss { expired } => {
                self.misses += 1;
                self.expired += u64::from(expired);
            }
            CacheFact::Evicted => self.evicted += 1,
            CacheFact::Filling { refresh, .. } => {
                self.fills += 1;
                self.refreshes += u64::from(refresh);
            }
        }
    }

    /// Hits over lookups; `None` without lookups.
    pub fn hit_ratio(&self) -> Option<f64> {
        let lookups = self.hits + self.misses;
        (lookups > 0).then(|| self.hits as f64 / lookups as f64)
    }
}

/// A cache's counts and the most fills of one key out at once (the
/// stampede), over some span.
#[derive(Clone, Debug, Default)]
pub struct CacheRecord {
    pub counts: CacheCounts,
    pub max_concurrent_misses: u64,
}

impl CacheRecord {
    pub fn apply(&mut self, fact: CacheFact) {
        self.counts.apply(fact);
        if let CacheFact::Filling { in_flight, .. } = fact {
            let n = u64::from(in_flight);
            self.max_concurrent_misses = self.max_concurrent_misses.max(n);
        }
    }

    /// Forgets everything, for the next window.
    pub fn clear(&mut self) {
        *self = CacheRecord::default();
    }
}

/// What happened to the runs of one saga.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SagaCounts {
    pub started: u64,
    pub completed: u64,
    pub compensated: u64,
    /// Over, with effects that do not balance.
    pub inconsistent: u64,
    /// Compensations of steps that never applied: no-ops.
    pub compensations_without_effect: u64,
}

/// One fact about a saga run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SagaFact {
    Started,
    Completed,
    Compensated,
    Inconsistent,
    WithoutEffect,
}

impl SagaCounts {
    /// Counts one fact.
    pub fn apply(&mut self, fact: SagaFact) {
        match fact {
            SagaFact::Started => self.started += 1,
            SagaFact::Completed => self.completed += 1,
            SagaFact::Compensated => self.compensated += 1,
            SagaFact::Inconsistent => self.inconsistent += 1,
            SagaFact::WithoutEffect => self.compensations_without_effect += 1,
        }
    }

    /// Started and neither completed nor compensated.
    pub fn in_flight(&self) -> u64 {
        self.started
            .saturating_sub(self.completed + self.compensated)
    }
}

/// Calls of one saga step and of its compensation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StepCounts {
    pub calls: u64,
    pub failures: u64,
    pub compensations: u64,
    pub compensation_failures: u64,
}

impl StepCounts {
    /// Counts a call (`undo`: of the compensation) or, with `failed`, its failure.
    pub fn count(&mut self, undo: bool, failed: bool) {
        let slot = match (undo, failed) {
            (false, false) => &mut self.calls,
            (false, true) => &mut self.failures,
            (true, false) => &mut self.compensations,
            (true, true) => &mut self.compensation_failures,
        };
        *slot += 1;
    }
}

/// How a service's instances came and went, and what its health checks
/// decided.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LifeCounts {
    /// Instances started after the first moment (autoscaling, deploys).
    pub started: u64,
    /// Instances stopped (scaled in, replaced).
    pub stopped: u64,
    /// Restarts by liveness checks.
    pub restarted: u64,
    /// Removals from the balancer by readiness checks.
    pub removed: u64,
    /// Returns to the balancer after passing readiness checks again.
    pub readmitted: u64,
    /// Instances drained and started again as another version.
    pub replaced: u64,
    /// The most instances started and not stopped at once.
    pub max_instances: u32,
}

/// One fact about a service's instances.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LifeFact {
    Started,
    Stopped,
    Restarted,
    Removed,
    Readmitted,
    Replaced,
}

impl LifeFact {
    /// Its name in traces.
    pub fn name(self) -> &'static str {
        match self {
            LifeFact::Started => "started",
            LifeFact::Stopped => "stopped",
            LifeFact::Restarted => "restarted",
            LifeFact::Removed => "removed",
            LifeFact::Readmitted => "readmitted",
            LifeFact::Replaced => "replaced",
        }
    }
}

impl LifeCounts {
    /// Counts one fact.
    pub fn apply(&mut self, fact: LifeFact) {
        let slot = match fact {
            LifeFact::Started => &mut self.started,
            LifeFact::Stopped => &mut self.stopped,
            LifeFact::Restarted => &mut self.restarted,
            LifeFact::Removed => &mut self.removed,
            LifeFact::Readmitted => &mut self.readmitted,
            LifeFact::Replaced => &mut self.replaced,
        };
        *slot += 1;
    }
}

/// How a set of requests (or attempts) ended: the basis of every rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcomes {
    pub total: u64,
    pub succeeded: u64,
    pub degraded: u64,
    pub failed: u64,
}

impl Outcomes {
    /// Not ended when the record was read.
    pub fn in_flight(&self) -> u64 {
        self.total
            .saturating_sub(self.succeeded + self.degraded + self.failed)
    }

    /// `n / total`, or `None` when there is nothing to divide by: a rate of
    /// nothing is not measured, neither perfect nor zero.
    fn of(&self, n: u64) -> Option<f64> {
        (self.total > 0).then(|| n as f64 / self.total as f64)
    }

    /// Succeeded over all: degraded, failed and unfinished are not successes.
    pub fn success_rate(&self) -> Option<f64> {
        self.of(self.succeeded)
    }

    pub fn degraded_rate(&self) -> Option<f64> {
        self.of(self.degraded)
    }

    pub fn failure_rate(&self) -> Option<f64> {
        self.of(self.failed)
    }

    pub fn in_flight_rate(&self) -> Option<f64> {
        self.of(self.in_flight())
    }
}

impl ClientCounts {
    /// Counts one fact.
    pub fn apply(&mut self, fact: ClientFact) {
        match fact {
            ClientFact::Issued => self.requests += 1,
            ClientFact::Tried { retry, hedge } => {
                self.attempts += 1;
                self.retries += u64::from(retry);
                self.hedges += u64::from(hedge);
            }
            ClientFact::Ended(Outcome::Ok, _) => self.succeeded += 1,
            ClientFact::Ended(Outcome::Degraded, _) => self.degraded += 1,
            ClientFact::Ended(Outcome::Failed(cause), _) => {
                self.failed += 1;
                *self.causes.slot(cause) += 1;
            }
        }
    }

    pub fn outcomes(&self) -> Outcomes {
        Outcomes {
            total: self.requests,
            succeeded: self.succeeded,
            degraded: self.degraded,
            failed: self.failed,
        }
    }
}

impl ServiceCounts {
    /// Counts one fact.
    pub fn apply(&mut self, fact: ServiceFact) {
        match fact {
            ServiceFact::Arrived => self.arrivals += 1,
            ServiceFact::Refused => self.refused += 1,
            ServiceFact::Rejected => self.rejected += 1,
            ServiceFact::Started(_) => {}
            ServiceFact::Answered(Outcome::Ok, _) => self.completed += 1,
            ServiceFact::Answered(Outcome::Degraded, _) => self.degraded += 1,
            ServiceFact::Answered(Outcome::Failed(Cause::Shed), _) => self.shed += 1,
            ServiceFact::Answered(Outcome::Failed(_), _) => self.errors += 1,
        }
    }

    /// Attempts that were not answered successfully, whatever the cause.
    pub fn failed(&self) -> u64 {
        self.errors + self.rejected + self.shed + self.refused
    }

    pub fn outcomes(&self) -> Outcomes {
        Outcomes {
            total: self.arrivals,
            succeeded: self.completed,
            degraded: self.degraded,
            failed: self.failed(),
        }
    }
}

impl Causes {
    /// The counter of `cause`.
    pub fn slot(&mut self, cause: Cause) -> &mut u64 {
        match cause {
            Cause::Error => &mut self.error,
            Cause::Timeout => &mut self.timeout,
            Cause::Rejected => &mut self.rejected,
            Cause::Shed => &mut self.shed,
            Cause::Open => &mut self.open,
            Cause::Refused => &mut self.refused,
        }
    }
}

/// A client's counts and end-to-end latencies over some span.
#[derive(Clone, Debug, Default)]
pub struct ClientRecord {
    pub counts: ClientCounts,
    pub latency: Hist,
}

impl ClientRecord {
    pub fn apply(&mut self, fact: ClientFact) {
        self.counts.apply(fact);
        if let ClientFact::Ended(_, latency) = fact {
            self.latency.record(latency);
        }
    }

    /// Forgets everything, for the next window.
    pub fn clear(&mut self) {
        self.counts = ClientCounts::default();
        self.latency.clear();
    }
}

/// A service's counts, per-attempt latencies and queue waits over some span.
#[derive(Clone, Debug, Default)]
pub struct ServiceRecord {
    pub counts: ServiceCounts,
    pub latency: Hist,
    pub queue_wait: Hist,
}

impl ServiceRecord {
    pub fn apply(&mut self, fact: ServiceFact) {
        self.counts.apply(fact);
        match fact {
            ServiceFact::Started(waited) => self.queue_wait.record(waited),
            ServiceFact::Answered(_, latency) => self.latency.record(latency),
            _ => {}
        }
    }

    /// Forgets everything, for the next window.
    pub fn clear(&mut self) {
        self.counts = ServiceCounts::default();
        self.latency.clear();
        self.queue_wait.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_count_only_successes_as_successes() {
        let mut c = ClientCounts::default();
        for _ in 0..10 {
            c.apply(ClientFact::Issued);
        }
        let ms = SimDuration::from_millis(1);
        for _ in 0..5 {
            c.apply(ClientFact::Ended(Outcome::Ok, ms));
        }
        c.apply(ClientFact::Ended(Outcome::Degraded, ms));
        c.apply(ClientFact::Ended(Outcome::Degraded, ms));
        c.apply(ClientFact::Ended(Outcome::Failed(Cause::Timeout), ms));
        let o = c.outcomes();
        assert_eq!(o.success_rate(), Some(0.5));
        assert_eq!(o.degraded_rate(), Some(0.2));
        assert_eq!(o.failure_rate(), Some(0.1));
        assert_eq!((o.in_flight(), o.in_flight_rate()), (2, Some(0.2)));
        assert_eq!(c.causes.timeout, 1);
        assert_eq!(ClientCounts::default().outcomes().success_rate(), None);
    }

    #[test]
    fn service_failures_are_every_cause_but_success() {
        let mut s = ServiceCounts::default();
        let ms = SimDuration::from_millis(1);
        for fact in [
            ServiceFact::Arrived,
            ServiceFact::Arrived,
            ServiceFact::Arrived,
            ServiceFact::Arrived,
            ServiceFact::Refused,
            ServiceFact::Rejected,
            ServiceFact::Answered(Outcome::Failed(Cause::Shed), ms),
            ServiceFact::Answered(Outcome::Degraded, ms),
        ] {
            s.apply(fact);
        }
        assert_eq!((s.refused, s.rejected, s.shed, s.degraded), (1, 1, 1, 1));
        assert_eq!(s.outcomes().failure_rate(), Some(0.75));
        assert_eq!(s.outcomes().in_flight(), 0);
    }
}
