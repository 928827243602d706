//! Probes: one accumulator per `expect` line, measuring its metric for its
//! subject inside its window, so windowed expectations cost fixed memory.

use super::event::Outcome;
use super::histogram::Hist;
use super::integrator::Integrator;
use crate::expect::{Expectation, Metric, Stat};
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
}

/// The accumulator of one expectation.
#[derive(Clone, Debug)]
pub struct Probe {
    pub subject: Subject,
    pub start: SimTime,
    pub end: SimTime,
    acc: Acc,
}

#[derive(Clone, Debug)]
enum Acc {
    Rate {
        ok: u64,
        ended: u64,
    },
    Latency(Stat, Hist),
    MaxQueue(u64),
    Utilization(Integrator, u64),
    /// Tries of a client, or duplicate applications of an effect.
    Count(u64),
    /// Attempts reaching a service, and logical requests of all clients.
    Amplification {
        arrivals: u64,
        requests: u64,
    },
    /// The breaker's state code, once read at its instant.
    Breaker(Option<f64>),
}

impl Probe {
    /// A probe for `e` over `[start, end)`; `capacity` is the subject's
    /// worker count (for utilization).
    pub fn new(
        e: &Expectation,
        subject: Subject,
        start: SimTime,
        end: SimTime,
        capacity: u64,
    ) -> Probe {
        let acc = match e.metric {
            Metric::SuccessRate => Acc::Rate { ok: 0, ended: 0 },
            Metric::Latency(stat) => Acc::Latency(stat, Hist::default()),
            Metric::MaxQueue => Acc::MaxQueue(0),
            Metric::Utilization => Acc::Utilization(Integrator::new(start, end), capacity),
            Metric::Attempts | Metric::DuplicateEffects => Acc::Count(0),
            Metric::Amplification => Acc::Amplification {
                arrivals: 0,
                requests: 0,
            },
            Metric::Breaker(_) => Acc::Breaker(None),
        };
        Probe {
            subject,
            start,
            end,
            acc,
        }
    }

    fn inside(&self, now: SimTime) -> bool {
        now >= self.start && now < self.end
    }

    /// A request or attempt ended at `now`.
    pub fn on_end(&mut self, now: SimTime, outcome: Outcome, latency: SimDuration) {
        if !self.inside(now) {
            return;
        }
        match &mut self.acc {
            Acc::Rate { ok, ended } => {
                *ended += 1;
                *ok += u64::from(outcome.is_success());
            }
            Acc::Latency(_, h) => h.record(latency),
            _ => {}
        }
    }

    /// The subject client sent a try, or the subject effect was applied
    /// again, at `now`.
    pub fn on_count(&mut self, now: SimTime) {
        if let (true, Acc::Count(n)) = (self.inside(now), &mut self.acc) {
            *n += 1;
        }
    }

    /// An attempt reached the subject service at `now`.
    pub fn on_arrival(&mut self, now: SimTime) {
        if let (true, Acc::Amplification { arrivals, .. }) = (self.inside(now), &mut self.acc) {
            *arrivals += 1;
        }
    }

    /// Some client issued a logical request at `now`.
    pub fn on_request(&mut self, now: SimTime) {
        if let (true, Acc::Amplification { requests, .. }) = (self.inside(now), &mut self.acc) {
            *requests += 1;
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
        if let Acc::MaxQueue(m) = &mut self.acc {
            if self.start <= now && now < self.end {
                *m = (*m).max(len);
            }
        }
    }

    /// The subject's busy workers changed to `level` at `now`.
    pub fn on_busy(&mut self, now: SimTime, level: u64) {
        if let Acc::Utilization(i, _) = &mut self.acc {
            i.set(now, level);
        }
    }

    /// The value observed when the run stops at `now`.
    pub fn observed(&mut self, now: SimTime) -> f64 {
        match &mut self.acc {
            Acc::Rate { ok, ended } => match *ended {
                0 => 1.0,
                n => *ok as f64 / n as f64,
            },
            Acc::Latency(stat, h) => match stat.quantile() {
                Some(q) => h.quantile_ms(q),
                None if *stat == Stat::Mean => h.mean_ms(),
                None => h.max_ms(),
            },
            Acc::MaxQueue(m) => *m as f64,
            Acc::Utilization(i, capacity) => i.mean(now) / (*capacity).max(1) as f64,
            Acc::Count(n) => *n as f64,
            Acc::Amplification { arrivals, requests } => match *requests {
                0 => 0.0,
                r => *arrivals as f64 / r as f64,
            },
            Acc::Breaker(v) => v.unwrap_or(0.0),
        }
    }
}
