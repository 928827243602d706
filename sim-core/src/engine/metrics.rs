//! What the engine measures while it runs: counters, histograms, busy-time
//! integrals, expectation probes and the optional per-window series.
//!
//! Everything here is fixed-size per client and service, except the series,
//! which grows by one entry per window.

use super::event::Outcome;
use super::histogram::Hist;
use super::integrator::Integrator;
use crate::report::{Causes, ClientSeries, ServiceSeries};
use crate::scenario::model::Cause;
use crate::time::{SimDuration, SimTime};

/// Running totals of one client (requests issued after warmup).
#[derive(Clone, Debug, Default)]
pub struct ClientStats {
    pub requests: u64,
    pub succeeded: u64,
    pub degraded: u64,
    pub failed: u64,
    pub attempts: u64,
    pub retries: u64,
    pub hedges: u64,
    pub causes: Causes,
    pub latency: Hist,
}

impl ClientStats {
    /// Counts a request that ended with `outcome` after `latency`.
    pub fn end(&mut self, outcome: Outcome, latency: SimDuration) {
        match outcome {
            Outcome::Ok => self.succeeded += 1,
            Outcome::Degraded => self.degraded += 1,
            Outcome::Failed(cause) => {
                self.failed += 1;
                *cause_slot(&mut self.causes, cause) += 1;
            }
        }
        self.latency.record(latency);
    }
}

/// The counter of `cause` in a [`Causes`].
pub fn cause_slot(c: &mut Causes, cause: Cause) -> &mut u64 {
    match cause {
        Cause::Error => &mut c.error,
        Cause::Timeout => &mut c.timeout,
        Cause::Rejected => &mut c.rejected,
        Cause::Shed => &mut c.shed,
        Cause::Open => &mut c.open,
        Cause::Refused => &mut c.refused,
    }
}

/// Running totals of one service (attempts that arrived after warmup).
#[derive(Clone, Debug)]
pub struct ServiceStats {
    pub arrivals: u64,
    pub completed: u64,
    pub errors: u64,
    pub rejected: u64,
    pub shed: u64,
    /// Turned away by a crashed instance.
    pub refused: u64,
    /// Busy workers over all instances, integrated over `[warmup, end)`.
    pub busy: Integrator,
    pub max_queue: u64,
    pub latency: Hist,
    pub queue_wait: Hist,
}

impl ServiceStats {
    pub fn new(warmup: SimTime, end: SimTime) -> ServiceStats {
        ServiceStats {
            arrivals: 0,
            completed: 0,
            errors: 0,
            rejected: 0,
            shed: 0,
            refused: 0,
            busy: Integrator::new(warmup, end),
            max_queue: 0,
            latency: Hist::default(),
            queue_wait: Hist::default(),
        }
    }
}

/// Per-window series of every client and service.
#[derive(Clone, Debug)]
pub struct Series {
    pub window: SimDuration,
    pub clients: Vec<ClientWindow>,
    pub services: Vec<ServiceWindow>,
}

/// A client's current window and its finished windows.
#[derive(Clone, Debug, Default)]
pub struct ClientWindow {
    pub requests: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub attempts: u64,
    pub latency: Hist,
    pub out: ClientSeries,
}

/// A service's current window and its finished windows.
#[derive(Clone, Debug)]
pub struct ServiceWindow {
    pub arrivals: u64,
    pub completed: u64,
    pub errors: u64,
    pub rejected: u64,
    pub busy: Integrator,
    pub out: ServiceSeries,
}

impl ClientWindow {
    /// Closes the window: appends its values and starts the next one.
    pub fn close(&mut self) {
        self.out.requests.push(std::mem::take(&mut self.requests));
        self.out.succeeded.push(std::mem::take(&mut self.succeeded));
        self.out.failed.push(std::mem::take(&mut self.failed));
        self.out.attempts.push(std::mem::take(&mut self.attempts));
        self.out
            .p50_ms
            .push(super::histogram::round3(self.latency.quantile_ms(0.5)));
        self.out
            .p99_ms
            .push(super::histogram::round3(self.latency.quantile_ms(0.99)));
        self.latency.clear();
    }
}

impl ServiceWindow {
    pub fn new(window: SimDuration) -> ServiceWindow {
        ServiceWindow {
            arrivals: 0,
            completed: 0,
            errors: 0,
            rejected: 0,
            busy: Integrator::new(SimTime::ZERO, SimTime::ZERO + window),
            out: ServiceSeries::default(),
        }
    }

    /// Closes the window at `now`, recording the queue then and the average
    /// busy fraction of `capacity` workers.
    pub fn close(&mut self, now: SimTime, next_end: SimTime, queue: u64, capacity: u64) {
        self.out.arrivals.push(std::mem::take(&mut self.arrivals));
        self.out.completed.push(std::mem::take(&mut self.completed));
        self.out.errors.push(std::mem::take(&mut self.errors));
        self.out.rejected.push(std::mem::take(&mut self.rejected));
        self.out.queue.push(queue);
        let util = self.busy.mean(now) / capacity.max(1) as f64;
        self.out.utilization.push(super::histogram::round3(util));
        self.busy.restart(now, next_end);
    }
}
