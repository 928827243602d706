//! Per-window series (`--timeseries`): a [`ClientRecord`] or
//! [`ServiceRecord`] for the open window, closed into rows at each tick.
//!
//! Windows start at the warmup, like every other measurement, and see the
//! same facts as the totals, so each series sums to the summary's figure.
//! The last window may be shorter: it ends with the run.

use super::histogram::round3;
use super::integrator::Utilization;
use super::record::{
    CacheCounts, CacheRecord, ClientCounts, ClientRecord, LifeCounts, QueueCounts, QueueRecord,
    SagaCounts, ServiceCounts, ServiceRecord,
};
use crate::report::{
    CacheSeries, ClientSeries, DeploySeries, QueueSeries, SagaSeries, ServiceSeries, VersionCounts,
};
use crate::time::{SimDuration, SimTime};

/// The series of every client, service, queue, cache and saga.
#[derive(Clone, Debug)]
pub struct Series {
    pub window: SimDuration,
    pub clients: Vec<ClientWindows>,
    pub services: Vec<ServiceWindows>,
    pub queues: Vec<QueueWindows>,
    /// Each deployment's requests and failures per version.
    pub deploys: Vec<DeployWindows>,
    pub caches: Vec<CacheWindows>,
    pub sagas: Vec<SagaWindows>,
}

/// A deployment's open window and its closed ones: requests and failures
/// of the old version and of the new.
#[derive(Clone, Debug, Default)]
pub struct DeployWindows {
    pub open: [VersionCounts; 2],
    rows: Vec<[VersionCounts; 2]>,
}

impl DeployWindows {
    /// Closes the open window.
    pub fn close(&mut self) {
        self.rows.push(std::mem::take(&mut self.open));
    }

    /// The closed windows and the open one, as the report shows them.
    pub fn report(&self) -> DeploySeries {
        let mut all = self.clone();
        all.close();
        let column =
            |v: usize, f: fn(&VersionCounts) -> u64| all.rows.iter().map(|r| f(&r[v])).collect();
        DeploySeries {
            old_requests: column(0, |c| c.requests),
            old_failures: column(0, |c| c.failures),
            new_requests: column(1, |c| c.requests),
            new_failures: column(1, |c| c.failures),
        }
    }
}

/// A saga's open window and its closed ones: runs started in each window,
/// completed, compensated and found inconsistent in each, and in flight at
/// each window's end.
#[derive(Clone, Debug, Default)]
pub struct SagaWindows {
    pub open: SagaCounts,
    rows: Vec<SagaCounts>,
    in_flight: Vec<u64>,
}

/// A cache's open window and its closed ones.
#[derive(Clone, Debug, Default)]
pub struct CacheWindows {
    pub open: CacheRecord,
    rows: Vec<CacheRecord>,
    size: Vec<u64>,
}

/// A queue's open window and its closed ones.
#[derive(Clone, Debug, Default)]
pub struct QueueWindows {
    pub open: QueueRecord,
    rows: Vec<QueueCounts>,
    depth: Vec<u64>,
    age_s: Vec<f64>,
}

/// A client's open window and its closed ones.
#[derive(Clone, Debug, Default)]
pub struct ClientWindows {
    pub open: ClientRecord,
    rows: Vec<ClientCounts>,
    p50: Vec<f64>,
    p99: Vec<f64>,
}

/// A service's open window and its closed ones.
#[derive(Clone, Debug)]
pub struct ServiceWindows {
    pub open: ServiceRecord,
    /// Busy workers over capacity in the open window.
    pub busy: Utilization,
    rows: Vec<ServiceCounts>,
    queue: Vec<u64>,
    utilization: Vec<f64>,
    /// Instances not stopped, and those serving, at each window's end.
    instances: Vec<u32>,
    serving: Vec<u32>,
    /// Lifecycle transitions in the open window, and in the closed ones.
    pub life: LifeCounts,
    lives: Vec<LifeCounts>,
}

impl Series {
    /// Empty series of `window` for `counts` clients, queues, deployments,
    /// caches and sagas and for the services of `capacity` (their workers
    /// at the start), whose first window starts at `from`.
    pub fn new(window: SimDuration, from: SimTime, counts: [usize; 5], capacity: &[u64]) -> Series {
        let [clients, queues, deploys, caches, sagas] = counts;
        Series {
            window,
            sagas: vec![SagaWindows::default(); sagas],
            clients: vec![ClientWindows::default(); clients],
            queues: vec![QueueWindows::default(); queues],
            deploys: vec![DeployWindows::default(); deploys],
            caches: vec![CacheWindows::default(); caches],
            services: capacity
                .iter()
                .map(|c| ServiceWindows {
                    open: ServiceRecord::default(),
                    busy: Utilization::new(from, from + window, *c),
                    rows: Vec::new(),
                    queue: Vec::new(),
                    utilization: Vec::new(),
                    instances: Vec::new(),
                    serving: Vec::new(),
                    life: LifeCounts::default(),
                    lives: Vec::new(),
                })
                .collect(),
        }
    }
}

impl ClientWindows {
    /// Closes the open window.
    pub fn close(&mut self) {
        self.rows.push(self.open.counts);
        self.p50.push(round3(self.open.latency.quantile_ms(0.5)));
        self.p99.push(round3(self.open.latency.quantile_ms(0.99)));
        self.open.clear();
    }

    /// The closed windows and the open one, as the report shows them.
    pub fn report(&self) -> ClientSeries {
        let mut all = self.clone();
        all.close();
        let column = |f: fn(&ClientCounts) -> u64| all.rows.iter().map(f).collect();
        ClientSeries {
            requests: column(|c| c.requests),
            succeeded: column(|c| c.succeeded),
            degraded: column(|c| c.degraded),
            failed: column(|c| c.failed),
            attempts: column(|c| c.attempts),
            retries: column(|c| c.retries),
            hedges: column(|c| c.hedges),
            p50_ms: all.p50,
            p99_ms: all.p99,
        }
    }
}

impl ServiceWindows {
    /// Closes the open window at `now` with `queue` waiting and `instances`
    /// (live, serving); the next one ends at `next_end`.
    pub fn close(&mut self, now: SimTime, next_end: SimTime, queue: u64, instances: (u32, u32)) {
        self.rows.push(self.open.counts);
        self.queue.push(queue);
        self.instances.push(instances.0);
        self.serving.push(instances.1);
        self.lives.push(std::mem::take(&mut self.life));
        let util = self.busy.mean(now);
        self.utilization.push(round3(util));
        self.busy.restart(now, next_end);
        self.open.clear();
    }

    /// The closed windows and the open one (ending `now`), as the report
    /// shows them.
    pub fn report(&self, now: SimTime, queue: u64, instances: (u32, u32)) -> ServiceSeries {
        let mut all = self.clone();
        all.close(now, now, queue, instances);
        let column = |f: fn(&ServiceCounts) -> u64| all.rows.iter().map(f).collect();
        ServiceSeries {
            arrivals: column(|c| c.arrivals),
            completed: column(|c| c.completed),
            degraded: column(|c| c.degraded),
            errors: column(|c| c.errors),
            rejected: column(|c| c.rejected),
            shed: column(|c| c.shed),
            refused: column(|c| c.refused),
            queue: all.queue,
            utilization: all.utilization,
            instances: all.instances,
            serving: all.serving,
            restarted: all.lives.iter().map(|l| l.restarted).collect(),
            removed: all.lives.iter().map(|l| l.removed).collect(),
            readmitted: all.lives.iter().map(|l| l.readmitted).collect(),
        }
    }
}

impl QueueWindows {
    /// Closes the open window with `depth` held and the oldest `age` old.
    pub fn close(&mut self, depth: u64, age: SimDuration) {
        self.rows.push(self.open.counts);
        self.depth.push(depth);
        self.age_s.push(round3(age.as_secs_f64()));
        self.open.clear();
    }

    /// The closed windows and the open one, as the report shows them.
    pub fn report(&self, depth: u64, age: SimDuration) -> QueueSeries {
        let mut all = self.clone();
        all.close(depth, age);
        let column = |f: fn(&QueueCounts) -> u64| all.rows.iter().map(f).collect();
        QueueSeries {
            published: column(|c| c.published),
            delivered: column(|c| c.delivered),
            acked: column(|c| c.acked),
            dead_lettered: column(|c| c.dead_lettered),
            lost: column(|c| c.lost),
            depth: all.depth,
            age_s: all.age_s,
        }
    }
}

impl CacheWindows {
    /// Closes the open window with `size` keys cached.
    pub fn close(&mut self, size: u64) {
        self.rows.push(self.open.clone());
        self.size.push(size);
        self.open.clear();
    }

    /// The closed windows and the open one, as the report shows them; a
    /// window without lookups has a hit ratio of `null`.
    pub fn report(&self, size: u64) -> CacheSeries {
        let mut all = self.clone();
        all.close(size);
        let column = |f: fn(&CacheCounts) -> u64| all.rows.iter().map(|r| f(&r.counts)).collect();
        CacheSeries {
            hits: column(|c| c.hits),
            misses: column(|c| c.misses),
            expired: column(|c| c.expired),
            evicted: column(|c| c.evicted),
            fills: column(|c| c.fills),
            hit_ratio: all
                .rows
                .iter()
                .map(|r| r.counts.hit_ratio().map(round3))
                .collect(),
            max_concurrent_misses: all.rows.iter().map(|r| r.max_concurrent_misses).collect(),
            size: all.size,
        }
    }
}

impl SagaWindows {
    /// Closes the open window with `in_flight` runs at its end.
    pub fn close(&mut self, in_flight: u64) {
        self.rows.push(self.open);
        self.in_flight.push(in_flight);
        self.open = SagaCounts::default();
    }

    /// The closed windows and the open one, as the report shows them:
    /// `in_flight` now, and `inconsistent` more runs, over with calls
    /// still out, found so when the report is made.
    pub fn report(&self, in_flight: u64, inconsistent: u64) -> SagaSeries {
        let mut all = self.clone();
        all.open.inconsistent += inconsistent;
        all.close(in_flight);
        let column = |f: fn(&SagaCounts) -> u64| all.rows.iter().map(f).collect();
        SagaSeries {
            started: column(|c| c.started),
            completed: column(|c| c.completed),
            compensated: column(|c| c.compensated),
            inconsistent: column(|c| c.inconsistent),
            in_flight: all.in_flight,
        }
    }
}
