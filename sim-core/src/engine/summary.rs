//! Turning the engine's measurements into a [`Report`].

use super::histogram::round3;
use super::probe::Subject;
use super::Simulation;
use crate::expect::{DeployStat, Metric, BREAKER_STATES};
use crate::report::{
    BreakerReport, BreakerSeries, CacheReport, ClientReport, EffectReport, ExpectationResult,
    FaultReport, InstanceReport, LifeReport, Observed, QueueReport, Report, SagaReport,
    ServiceReport, StepReport, Timeseries,
};
use crate::scenario::model::SagaMode;
use indexmap::IndexMap;

/// Rounds a ratio to five decimals, for readable output.
fn round5(x: f64) -> f64 {
    libm::round(x * 100_000.0) / 100_000.0
}

impl Simulation {
    /// The summary of the run so far.
    pub(super) fn summary(&mut self) -> Report {
        let now = self.now;
        let measured = now.since(self.warmup).as_secs_f64();
        let mut in_flight_requests = vec![0u64; self.sc.clients.len()];
        for (_, r) in &self.requests {
            if r.counted {
                in_flight_requests[r.client.0 as usize] += 1;
            }
        }
        let mut in_flight_jobs = vec![0u64; self.sc.services.len()];
        for (_, j) in &self.jobs {
            if j.counted() {
                in_flight_jobs[j.service()] += 1;
            }
        }
        let clients = self
            .sc
            .clients
            .iter()
            .zip(&self.client_totals)
            .zip(in_flight_requests)
            .map(|((c, rec), in_flight)| {
                let st = &rec.counts;
                let o = st.outcomes();
                let rate = |r: Option<f64>| round5(r.unwrap_or(0.0));
                let report = ClientReport {
                    requests: st.requests,
                    succeeded: st.succeeded,
                    degraded: st.degraded,
                    failed: st.failed,
                    in_flight,
                    attempts: st.attempts,
                    retries: st.retries,
                    hedges: st.hedges,
                    timeouts: st.causes.timeout,
                    failures: st.causes,
                    success_rate: rate(o.success_rate()),
                    degraded_rate: rate(o.degraded_rate()),
                    failure_rate: rate(o.failure_rate()),
                    in_flight_rate: rate(o.in_flight_rate()),
                    goodput_per_s: if measured > 0.0 {
                        round3(st.succeeded as f64 / measured)
                    } else {
                        0.0
                    },
                    latency_ms: rec.latency.summary(),
                };
                (c.name.clone(), report)
            })
            .collect();
        let services = self
            .sc
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let rec = &self.service_totals[i];
                let st = &rec.counts;
                let per_instance = self.services[i]
                    .instances
                    .iter_mut()
                    .map(|x| InstanceReport {
                        arrivals: x.arrivals,
                        utilization: round5(x.busy_area.mean(now)),
                        max_queue: x.max_queue,
                    })
                    .collect();
                let report = ServiceReport {
                    instances: s.instances,
                    arrivals: st.arrivals,
                    completed: st.completed,
                    degraded: st.degraded,
                    errors: st.errors,
                    rejected: st.rejected,
                    shed: st.shed,
                    refused: st.refused,
                    in_flight: in_flight_jobs[i],
                    utilization: round5(self.busy[i].mean(now)),
                    max_queue: self.max_queue[i],
                    latency_ms: rec.latency.summary(),
                    queue_wait_ms: rec.queue_wait.summary(),
                    lifecycle: (s.lifecycle != Default::default()).then(|| LifeReport {
                        counts: self.lives[i],
                        instances_at_end: self.services[i].live(),
                    }),
                    per_instance,
                };
                (s.name.clone(), report)
            })
            .collect();
        let expectations = self
            .sc
            .expect
            .iter()
            .zip(&mut self.probes)
            .map(|(e, p)| {
                if let Subject::Breaker(b) = p.subject {
                    // Read now if the instant is at or after the end.
                    p.on_breaker(self.breakers[b as usize].cb.state().code());
                }
                if let Subject::Service(s) = p.subject {
                    p.on_instant(self.services[s as usize].live());
                    if let Some(d) = self.deploy_of[s as usize] {
                        let state = &self.deploys[d as usize];
                        p.on_deploy(state.rolled_back_at.is_some(), state.steps_done);
                    }
                }
                if let (Subject::Queue(q), true) = (p.subject, p.end >= now) {
                    if let Some(queue) = self.queues.get(q as usize) {
                        p.still_held = queue.oldest_age(now);
                    }
                }
                let value = p.observed(now);
                let observed = match (e.metric, value) {
                    (_, None) => Observed::Unmeasured,
                    (Metric::Breaker(_), Some(v)) => Observed::State(BREAKER_STATES[v as usize]),
                    (Metric::Deploy(DeployStat::RolledBack), Some(v)) => {
                        Observed::State(if v == 1.0 { "true" } else { "false" })
                    }
                    (_, Some(v)) => Observed::Number(round5(v)),
                };
                ExpectationResult {
                    expect: e.text.clone(),
                    passed: value.is_some_and(|v| e.op.holds(v, e.value)),
                    observed,
                }
            })
            .collect();
        let faults: Vec<FaultReport> = self
            .sc
            .faults
            .iter()
            .map(|f| FaultReport {
                kind: f.kind.name(),
                target: self.sc.fault_target(f.target),
                at_s: f.at.as_secs_f64(),
                until_s: f.until().map(|t| t.as_secs_f64()),
                chaos: f.chaos,
            })
            .collect();
        let timeseries = self.series.as_ref().map(|s| Timeseries {
            faults: faults.clone(),
            window_s: s.window.as_secs_f64(),
            start_s: self.warmup.as_secs_f64(),
            end_s: now.as_secs_f64(),
            clients: self
                .sc
                .clients
                .iter()
                .zip(&s.clients)
                .map(|(c, w)| (c.name.clone(), w.report()))
                .collect(),
            services: self
                .sc
                .services
                .iter()
                .zip(&s.services)
                .zip(&self.services)
                .map(|((c, w), state)| {
                    let series = w.report(now, state.queued(), state.counts());
                    (c.name.clone(), series)
                })
                .collect(),
            queues: self
                .sc
                .queues
                .iter()
                .zip(&s.queues)
                .enumerate()
                .map(|(q, (queue, w))| {
                    let (depth, age) = self.queue_levels(q);
                    (queue.name.clone(), w.report(depth, age))
                })
                .collect(),
            deploys: self
                .sc
                .deploys
                .iter()
                .zip(&s.deploys)
                .map(|(d, w)| (self.sc.service(d.service).name.clone(), w.report()))
                .collect(),
            caches: self
                .sc
                .caches
                .iter()
                .zip(&s.caches)
                .enumerate()
                .map(|(c, (cache, w))| (cache.name.clone(), w.report(self.cache_size(c))))
                .collect(),
            sagas: self
                .sc
                .sagas
                .iter()
                .zip(&s.sagas)
                .zip(self.saga_totals.iter().zip(self.inconsistent_not_checked()))
                .map(|((g, w), (totals, n))| (g.name.clone(), w.report(totals.in_flight(), n)))
                .collect(),
            breakers: self
                .breakers
                .iter()
                .map(|b| {
                    let closed = b.series.iter().map(|s| s.name());
                    let state = closed.chain([b.cb.state().name()]).collect();
                    (b.name.clone(), BreakerSeries { state })
                })
                .collect(),
        });
        let breakers = self
            .breakers
            .iter()
            .map(|b| {
                let report = BreakerReport {
                    opened: b.cb.opened,
                    time_open_s: round3(b.cb.time_open(now).as_secs_f64()),
                    final_state: b.cb.state().name(),
                };
                (b.name.clone(), report)
            })
            .collect();
        Report {
            scenario: self.sc.name.clone(),
            seed: self.seed,
            sim_time_s: now.as_secs_f64(),
            events: self.events,
            clients,
            services,
            breakers,
            faults,
            effects: self
                .effects
                .stats
                .iter()
                .map(|e| {
                    let report = EffectReport {
                        applied: e.applied,
                        duplicates: e.duplicates,
                    };
                    (e.name.clone(), report)
                })
                .collect(),
            queues: self.queue_reports(),
            sagas: self.saga_reports(),
            deploys: self.deploy_reports(),
            caches: self.cache_reports(),
            expectations,
            timeseries,
        }
    }
}

impl Simulation {
    /// Each cache's report: its counts and the keys it holds now.
    fn cache_reports(&self) -> IndexMap<String, CacheReport> {
        self.sc
            .caches
            .iter()
            .enumerate()
            .map(|(c, cache)| {
                let rec = &self.cache_totals[c];
                let n = &rec.counts;
                let report = CacheReport {
                    hits: n.hits,
                    misses: n.misses,
                    hit_ratio: round5(n.hit_ratio().unwrap_or(0.0)),
                    expired: n.expired,
                    evicted: n.evicted,
                    fills: n.fills,
                    refreshes: n.refreshes,
                    max_concurrent_misses: rec.max_concurrent_misses,
                    size: self.cache_size(c),
                };
                (cache.name.clone(), report)
            })
            .collect()
    }

    /// Each queue's report: its counts, what is still held, its depth and
    /// the longest any message was held (the ones still held included).
    fn queue_reports(&self) -> IndexMap<String, QueueReport> {
        self.sc
            .queues
            .iter()
            .enumerate()
            .map(|(q, queue)| {
                let rec = &self.queue_totals[q];
                let c = &rec.counts;
                let oldest = self.queues[q].oldest_age(self.now);
                let report = QueueReport {
                    published: c.published,
                    delivered: c.delivered,
                    redelivered: c.redelivered,
                    acked: c.acked,
                    dead_lettered: c.dead_lettered,
                    lost: c.lost,
                    rejected: c.rejected,
                    remaining: self.remaining(q),
                    max_depth: self.queues[q].max_depth,
                    max_age_s: round3(rec.max_held.max(oldest).as_secs_f64()),
                    out_of_order: c.out_of_order,
                };
                (queue.name.clone(), report)
            })
            .collect()
    }

    /// Measured messages of queue `q` still held, or at work at most once.
    fn remaining(&self, q: usize) -> u64 {
        let counted = |env: &super::event::Handle| self.envelopes[env.key as usize].counted;
        let held = self.queues[q]
            .held_envelopes()
            .filter(|e| counted(e))
            .count();
        let at_work = self
            .deliveries
            .iter()
            .filter(|(_, d)| d.queue as usize == q && counted(&d.envelope))
            .filter(|_| self.sc.queues[q].delivery == crate::scenario::model::Delivery::AtMostOnce)
            .count();
        (held + at_work) as u64
    }
}

impl Simulation {
    /// Per saga, the measured runs that are over but whose calls still had
    /// copies out, so were not checked yet, and do not balance now.
    fn inconsistent_not_checked(&self) -> Vec<u64> {
        let mut n = vec![0; self.sc.sagas.len()];
        for (_, run) in &self.runs {
            if run.is_over() && run.counted && self.unbalanced(run) {
                n[run.saga as usize] += 1;
            }
        }
        n
    }

    /// Each saga's report: its runs (the ones that ended but whose calls
    /// still had copies out are checked now) and its steps.
    fn saga_reports(&mut self) -> IndexMap<String, SagaReport> {
        let mut totals = self.saga_totals.clone();
        for (t, n) in totals.iter_mut().zip(self.inconsistent_not_checked()) {
            t.inconsistent += n;
        }
        self.sc
            .sagas
            .iter()
            .enumerate()
            .map(|(g, saga)| {
                let c = &totals[g];
                let steps = saga
                    .steps
                    .iter()
                    .zip(&self.saga_steps[g])
                    .map(|(step, n)| StepReport {
                        call: self.sc.target_name(step.call),
                        calls: n.calls,
                        failures: n.failures,
                        compensations: n.compensations,
                        compensation_failures: n.compensation_failures,
                    })
                    .collect();
                let two_phase = saga.mode == SagaMode::TwoPhase;
                let report = SagaReport {
                    max_held: two_phase.then_some(self.held_workers[g].max),
                    held_worker_seconds: two_phase.then(|| round3(self.held_worker_seconds(g))),
                    started: c.started,
                    completed: c.completed,
                    compensated: c.compensated,
                    in_flight: c.in_flight(),
                    inconsistent: c.inconsistent,
                    compensations_without_effect: c.compensations_without_effect,
                    steps,
                };
                (saga.name.clone(), report)
            })
            .collect()
    }
}
