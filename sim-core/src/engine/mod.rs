//! The discrete-event engine: a future-event list and the models it drives.
//!
//! Handlers never touch the clock: they schedule events into the
//! [`queue::EventQueue`], and [`Simulation::run_until`] is the one loop that
//! pops them in `(time, seq)` order. In-flight work lives in slabs (requests,
//! calls, jobs) whose entries are freed when they end, so memory follows what
//! is in flight, not how long the run is.

mod autoscale;
mod backoff;
pub mod balancer;
mod breaker;
mod broker;
pub mod budget;
mod cache;
mod call;
mod choreography;
mod client;
mod deploy;
mod effects;
mod event;
mod exchange;
mod fault;
mod health;
mod histogram;
mod integrator;
mod keys;
mod lifecycle;
mod network;
mod probe;
mod publish;
mod queue;
pub mod record;
mod saga;
pub mod saga_view;
mod series;
mod service;
mod site;
pub mod snapshot;
mod summary;
mod throttle;
pub mod trace;
mod two_phase;

use crate::expect::Metric;
use crate::limits::MAX_TIMESERIES_WINDOWS;
use crate::report::Report;
use crate::rng::Stream;
use crate::scenario::model::{ClientId, EndpointId, Load, Scenario, ServiceId, Target};
use crate::time::{SimDuration, SimTime};
use broker::{Delivering, Envelope, QueueState};
use budget::{Budget, Guard, Stop};
use cache::{CacheState, Lookup};
use call::CallRec;
use client::{ClientState, Request};
use effects::{DedupTable, Effects};
use event::Event;
use exchange::Exchange;
use integrator::Utilization;
use network::Network;
use probe::{Probe, Subject};
use publish::Publishing;
use queue::EventQueue;
use record::{CacheRecord, ClientFact, ClientRecord, QueueRecord, ServiceFact, ServiceRecord};
use series::Series;
use service::{Job, ServiceState};
use site::{BreakerRec, Site, Sites};
use slab::Slab;
use std::collections::BTreeMap;

pub use crate::scenario::model::Cause;
pub use event::Outcome;

/// Settings of one run that are not part of the scenario.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Overrides the scenario's seed.
    pub seed: Option<u64>,
    /// Collect per-window series of this width.
    pub timeseries: Option<SimDuration>,
    /// When to stop a run that would not end or would not fit.
    pub budget: Budget,
}

impl RunOptions {
    /// Checks the options against `sc` before a run: a timeseries may not
    /// have more than [`MAX_TIMESERIES_WINDOWS`] windows (each costs memory).
    pub fn check(&self, sc: &Scenario) -> Result<(), String> {
        let Some(window) = self.timeseries.filter(|w| w.0 > 0) else {
            return Ok(());
        };
        let measured = sc.duration.0.saturating_sub(sc.warmup.0);
        let windows = measured.div_ceil(window.0);
        if windows <= MAX_TIMESERIES_WINDOWS {
            return Ok(());
        }
        let least = SimDuration(measured.div_ceil(MAX_TIMESERIES_WINDOWS));
        Err(format!(
            "a timeseries window of {window} makes {windows} windows of this run, above the \
             limit of {MAX_TIMESERIES_WINDOWS}: use a window of at least {least}"
        ))
    }
}

/// A simulation built from a scenario, advanced event by event.
pub struct Simulation {
    sc: Scenario,
    seed: u64,
    now: SimTime,
    end: SimTime,
    warmup: SimTime,
    /// Model events executed so far.
    events: u64,
    /// Stops a run past its budgets; set once it has stopped.
    guard: Guard,
    queue: EventQueue,
    network: Network,
    clients: Vec<ClientState>,
    services: Vec<ServiceState>,
    requests: Slab<Request>,
    calls: Slab<CallRec>,
    jobs: Slab<Job>,
    exchanges: Slab<Exchange>,
    /// Policy sites: clients first, then every call of every endpoint.
    sites: Vec<Site>,
    /// Site of call `i` of endpoint `e` of service `s` as its old (`v` = 0)
    /// or new version (1) makes it: `call_sites[s][v][e][i]`.
    call_sites: Vec<[Vec<Vec<u32>>; 2]>,
    breakers: Vec<BreakerRec>,
    /// Which faults are active now.
    fault_active: Vec<bool>,
    /// Instances paused now (events are checked for holding only then).
    paused: u32,
    effects: Effects,
    /// Processed-keys table of each service that deduplicates.
    dedups: Vec<Option<DedupTable>>,
    next_uid: u64,
    /// Broker queues, and the messages, deliveries and publishes in flight.
    queues: Vec<QueueState>,
    envelopes: Slab<Envelope>,
    deliveries: Slab<Delivering>,
    publishing: Slab<Publishing>,
    /// The queues each service consumes.
    consumed_by: Vec<Vec<u32>>,
    /// Look-aside caches, the lookups and fills in flight, what each cache
    /// did after warmup, and its probes.
    caches: Vec<CacheState>,
    lookups: Slab<Lookup>,
    cache_totals: Vec<CacheRecord>,
    cache_probes: Vec<Vec<u32>>,
    /// Saga runs in progress (the orchestrators' logs), each saga's sites
    /// of its steps and compensations, per-step counts, and the state of
    /// its orchestrator: its generation (bumped by a crash), whether it is
    /// down or paused, and the answers it holds while paused.
    runs: Slab<saga::SagaRun>,
    saga_sites: Vec<Vec<(u32, Option<u32>)>>,
    saga_steps: Vec<Vec<record::StepCounts>>,
    saga_generation: Vec<u32>,
    saga_down: Vec<bool>,
    saga_paused: Vec<bool>,
    saga_held: Vec<Vec<saga::HeldAnswer>>,
    saga_totals: Vec<record::SagaCounts>,
    saga_probes: Vec<Vec<u32>>,
    /// Two-phase transactions undecided, by run uid, and the workers each
    /// saga's prepared participants hold.
    txns: BTreeMap<u64, two_phase::Txn>,
    held_workers: Vec<two_phase::HeldWorkers>,
    /// What each client's and service's requests, and each queue's
    /// messages, did after warmup.
    client_totals: Vec<ClientRecord>,
    service_totals: Vec<ServiceRecord>,
    queue_totals: Vec<QueueRecord>,
    /// Busy workers over capacity of each service over `[warmup, end)`.
    busy: Vec<Utilization>,
    /// Each service's autoscaler, if it has one.
    scalers: Vec<Option<autoscale::Scaler>>,
    /// Health-check transitions and instance starts and stops per service.
    lives: Vec<record::LifeCounts>,
    /// Deployments in progress, and the deployment of each service.
    deploys: Vec<deploy::DeployState>,
    deploy_of: Vec<Option<u32>>,
    /// The longest waiting room of each service after warmup.
    max_queue: Vec<u64>,
    probes: Vec<Probe>,
    /// Probe indices per client and per service.
    client_probes: Vec<Vec<u32>>,
    service_probes: Vec<Vec<u32>>,
    queue_probes: Vec<Vec<u32>>,
    /// Probes that count every client's logical requests (amplification).
    request_probes: Vec<u32>,
    /// Probe indices per effect.
    effect_probes: Vec<Vec<u32>>,
    series: Option<Series>,
    /// Spans for `dsim trace`, when asked for.
    trace: Option<trace::Trace>,
    /// Saga runs watched for the trace and the browser's timelines.
    saga_view: saga_view::SagaView,
}

impl Simulation {
    /// Builds a simulation ready to run from time zero.
    pub fn new(scenario: &Scenario, options: &RunOptions) -> Simulation {
        let sc = scenario.clone();
        let seed = options.seed.unwrap_or(sc.seed);
        let end = SimTime::ZERO + sc.duration;
        let warmup = (SimTime::ZERO + sc.warmup).min(end);
        let mut network = Network::default();
        let clients = sc
            .clients
            .iter()
            .map(|c| {
                let keys = Stream::fork(seed, &format!("client:{}/keys", c.name));
                ClientState::new(
                    Stream::fork(seed, &format!("client:{}/arrivals", c.name)),
                    keys::KeyDraw::new(&c.keys, keys),
                )
            })
            .collect();
        let sites = Sites::build(&sc, seed, &mut network);
        let effects = Effects::build(&sc);
        let fault_active = vec![false; sc.faults.len()];
        let dedups = sc
            .services
            .iter()
            .map(|s| s.dedup.as_ref().map(DedupTable::new))
            .collect();
        let services: Vec<ServiceState> = sc
            .services
            .iter()
            .enumerate()
            .map(|(i, _)| ServiceState::new(&sc, i, seed, &Utilization::new(warmup, end, 0)))
            .collect();
        let capacity: Vec<u64> = services.iter().map(ServiceState::capacity).collect();
        let series = options.timeseries.filter(|w| w.0 > 0).map(|window| {
            let counts = [
                sc.clients.len(),
                sc.queues.len(),
                sc.deploys.len(),
                sc.caches.len(),
                sc.sagas.len(),
            ];
            Series::new(window, warmup, counts, &capacity)
        });
        let mut consumed_by = vec![Vec::new(); sc.services.len()];
        let events = choreography::event_consumers(&sc);
        let queues = sc
            .queues
            .iter()
            .enumerate()
            .map(|(q, queue)| {
                let consumer = sc.services.iter().enumerate().find_map(|(s, svc)| {
                    let e = svc
                        .endpoints
                        .iter()
                        .position(|e| e.consumes.is_some_and(|c| c.0 as usize == q))?;
                    Some(Target {
                        service: ServiceId(s as u32),
                        endpoint: EndpointId(e as u32),
                    })
                });
                let consumer = consumer.or(events[q]);
                if let Some(t) = consumer {
                    consumed_by[t.service.0 as usize].push(q as u32);
                }
                QueueState::new(queue.partitions, consumer)
            })
            .collect();
        let sagas = sc.sagas.len();
        let caches = sc.caches.iter().map(|c| CacheState::new(c, seed)).collect();
        let mut sim = Simulation {
            caches,
            lookups: Slab::new(),
            cache_totals: vec![CacheRecord::default(); sc.caches.len()],
            cache_probes: vec![Vec::new(); sc.caches.len()],
            runs: Slab::new(),
            saga_sites: sites.steps,
            saga_steps: sc
                .sagas
                .iter()
                .map(|g| vec![record::StepCounts::default(); g.steps.len()])
                .collect(),
            saga_generation: vec![0; sagas],
            saga_down: vec![false; sagas],
            saga_paused: vec![false; sagas],
            saga_held: vec![Vec::new(); sagas],
            saga_totals: vec![record::SagaCounts::default(); sagas],
            saga_probes: vec![Vec::new(); sagas],
            txns: BTreeMap::new(),
            held_workers: vec![two_phase::HeldWorkers::default(); sagas],
            queues,
            envelopes: Slab::new(),
            deliveries: Slab::new(),
            publishing: Slab::new(),
            consumed_by,
            queue_totals: vec![QueueRecord::default(); sc.queues.len()],
            queue_probes: vec![Vec::new(); sc.queues.len()],
            client_totals: vec![ClientRecord::default(); sc.clients.len()],
            service_totals: vec![ServiceRecord::default(); sc.services.len()],
            busy: capacity
                .iter()
                .map(|c| Utilization::new(warmup, end, *c))
                .collect(),
            scalers: sc.services.iter().map(autoscale::Scaler::new).collect(),
            deploys: vec![deploy::DeployState::default(); sc.deploys.len()],
            deploy_of: vec![None; sc.services.len()],
            lives: sc
                .services
                .iter()
                .map(|s| record::LifeCounts {
                    max_instances: s.instances,
                    ..Default::default()
                })
                .collect(),
            max_queue: vec![0; sc.services.len()],
            client_probes: vec![Vec::new(); sc.clients.len()],
            service_probes: vec![Vec::new(); sc.services.len()],
            request_probes: Vec::new(),
            effect_probes: vec![Vec::new(); effects.stats.len()],
            sc,
            seed,
            now: SimTime::ZERO,
            end,
            warmup,
            events: 0,
            guard: Guard::new(options.budget),
            queue: EventQueue::default(),
            network,
            clients,
            services,
            requests: Slab::new(),
            calls: Slab::new(),
            jobs: Slab::new(),
            exchanges: Slab::new(),
            sites: sites.sites,
            call_sites: sites.calls,
            breakers: sites.breakers,
            fault_active,
            paused: 0,
            effects,
            dedups,
            next_uid: 0,
            probes: Vec::new(),
            series,
            trace: None,
            saga_view: saga_view::SagaView::default(),
        };
        sim.build_probes();
        sim.schedule_faults();
        sim.schedule_lifecycle();
        for s in 0..sim.sc.services.len() {
            sim.rebalance(s);
        }
        sim.start_load();
        if let Some(s) = &sim.series {
            let first = sim.warmup + s.window;
            sim.schedule_tick(first);
        }
        sim
    }

    /// One probe per expectation, registered with its subject.
    fn build_probes(&mut self) {
        let expect = std::mem::take(&mut self.sc.expect);
        for e in &expect {
            let (start, end) = match (e.metric, e.window) {
                (Metric::Breaker(at) | Metric::Instances(at), _) => (at, self.end),
                (_, Some(w)) => (
                    w.start.max(self.warmup),
                    w.end.unwrap_or(self.end).min(self.end),
                ),
                (_, None) => (self.warmup, self.end),
            };
            let named = |name: &str| name == e.subject;
            // The loader checks every subject; an unknown one measures nothing.
            let subject = if let Metric::Breaker(_) = e.metric {
                let b = self.breakers.iter().position(|b| named(&b.name));
                Subject::Breaker(b.map_or(u32::MAX, |b| b as u32))
            } else if let Metric::DuplicateEffects = e.metric {
                let x = self.effects.stats.iter().position(|x| named(&x.name));
                Subject::Effect(x.map_or(u32::MAX, |x| x as u32))
            } else if let Metric::Saga(_) = e.metric {
                let g = self.sc.sagas.iter().position(|g| named(&g.name));
                Subject::Saga(g.map_or(u32::MAX, |g| g as u32))
            } else if let Metric::HitRatio = e.metric {
                let c = self.sc.caches.iter().position(|c| named(&c.name));
                Subject::Cache(c.map_or(u32::MAX, |c| c as u32))
            } else if e.metric.is_about_a_queue() {
                let q = self.sc.queues.iter().position(|q| named(&q.name));
                Subject::Queue(q.map_or(u32::MAX, |q| q as u32))
            } else if let Some(c) = self.sc.clients.iter().position(|c| named(&c.name)) {
                Subject::Client(c as u32)
            } else {
                let s = self.sc.services.iter().position(|s| named(&s.name));
                s.map_or(Subject::Client(u32::MAX), |s| Subject::Service(s as u32))
            };
            let capacity = match subject {
                Subject::Service(s) => self.services[s as usize].capacity(),
                _ => 0,
            };
            let index = self.probes.len() as u32;
            let mut probe = Probe::new(e, subject, start, end, capacity);
            if probe.counts_requests() {
                self.request_probes.push(index);
            }
            if subject == Subject::Breaker(u32::MAX) || start == SimTime::ZERO {
                probe.on_breaker(0.0);
            }
            if let (Subject::Service(s), SimTime::ZERO) = (subject, start) {
                let live = self.services[s as usize].live();
                probe.on_instances(start, capacity, live);
                probe.on_instant(live);
            }
            self.probes.push(probe);
            match subject {
                Subject::Client(c) => {
                    if let Some(list) = self.client_probes.get_mut(c as usize) {
                        list.push(index);
                    }
                }
                Subject::Service(s) => self.service_probes[s as usize].push(index),
                Subject::Queue(q) => {
                    if let Some(list) = self.queue_probes.get_mut(q as usize) {
                        list.push(index);
                    }
                }
                Subject::Saga(g) => {
                    if let Some(list) = self.saga_probes.get_mut(g as usize) {
                        list.push(index);
                    }
                }
                Subject::Cache(c) => {
                    if let Some(list) = self.cache_probes.get_mut(c as usize) {
                        list.push(index);
                    }
                }
                Subject::Effect(x) => {
                    if let Some(list) = self.effect_probes.get_mut(x as usize) {
                        list.push(index);
                    }
                }
                Subject::Breaker(_) => {}
            }
            if start > SimTime::ZERO && start < self.end {
                self.schedule(start, Event::Mark(index));
            }
        }
        self.sc.expect = expect;
    }

    /// Schedules every client's first request.
    fn start_load(&mut self) {
        for i in 0..self.sc.clients.len() {
            let c = ClientId(i as u32);
            match &self.sc.clients[i].load {
                Load::Open { .. } => self.schedule_arrival(c, SimTime::ZERO),
                Load::Closed { users, .. } => {
                    for _ in 0..*users {
                        self.schedule_wake(c);
                    }
                }
            }
        }
    }

    /// A fresh uid for a slab entry.
    fn uid(&mut self) -> u64 {
        self.next_uid += 1;
        self.next_uid
    }

    /// Schedules `event` at `at`; events after the end of the run are dropped.
    fn schedule(&mut self, at: SimTime, event: Event) {
        if at <= self.end {
            self.queue.push(at, event);
        }
    }

    /// Processes every event up to and including `t` (capped at the end of
    /// the run), or stops at the first event past a budget; a stopped run
    /// stays stopped.
    pub fn run_until(&mut self, t: SimTime) -> Result<(), Stop> {
        self.run_bounded(t, u64::MAX).map(|_| ())
    }

    /// Like [`Self::run_until`], but processes at most `count` events; returns
    /// how many it did. A page steps with this so that no scenario can hang it.
    pub fn run_bounded(&mut self, t: SimTime, count: u64) -> Result<u64, Stop> {
        if let Some(stop) = self.guard.stopped() {
            return Err(stop.clone());
        }
        let until = t.min(self.end);
        let mut done = 0;
        while done < count {
            match self.queue.peek_time() {
                Some(at) if at <= until => {}
                _ => {
                    self.now = self.now.max(until);
                    break;
                }
            }
            let Some((at, event)) = self.queue.pop() else {
                break;
            };
            self.now = at;
            done += 1;
            if event.observes() {
                self.dispatch(event);
                continue;
            }
            self.events += 1;
            if let Some(stop) = self.guard.check(self.events, at, event, self.in_flight()) {
                return Err(self.stop(stop));
            }
            if self.paused > 0 && self.hold_if_paused(at, event) {
                continue;
            }
            self.dispatch(event);
        }
        Ok(done)
    }

    /// Requests, calls, jobs and pending events (messages and timers) now:
    /// what the in-flight budget bounds.
    fn in_flight(&self) -> u64 {
        let work = self.requests.len() + self.exchanges.len() + self.calls.len() + self.jobs.len();
        let messages = self.envelopes.len() + self.deliveries.len() + self.publishing.len();
        let work = work + self.runs.len() + self.lookups.len();
        (work + messages + self.queue.len()) as u64
    }

    /// Sends one event to its handler.
    fn dispatch(&mut self, event: Event) {
        match event {
            Event::Arrival(c) => self.on_arrival(c),
            Event::Wake(c) => self.on_wake(c),
            Event::Deliver(h, exchange, target, instance, deadline) => {
                self.on_deliver(h, exchange, target, instance, deadline)
            }
            Event::WorkDone(h) => self.on_work_done(h),
            Event::Respond(h, outcome) => self.on_respond(h, outcome),
            Event::Timeout(h) => self.on_timeout(h),
            Event::Retry(h) => self.on_retry(h),
            Event::Hedge(h) => self.on_hedge(h),
            Event::Fallback(h) => self.on_fallback(h),
            Event::SlotWait(h) => self.on_slot_wait(h),
            Event::Publish(h) => self.on_publish(h),
            Event::Stored(h, stored) => self.on_stored(h, stored),
            Event::RelayRetry(h) => self.on_relay_retry(h),
            Event::Receive(d) => self.on_receive(d),
            Event::Acked(q, h, d, ok) => self.on_acked(q, h, d, ok),
            Event::AckTimeout(q, h, d) => self.on_ack_timeout(q, h, d),
            Event::SagaRetry(h, generation) => self.on_saga_retry(h, generation),
            Event::CacheDone(h) => self.on_cache_done(h),
            Event::FaultStart(i) => self.on_fault(i, true),
            Event::FaultEnd(i) => self.on_fault(i, false),
            Event::Ready(s, i, generation) => self.on_ready(s as usize, i, generation),
            Event::HealthCheck(s) => self.on_health_check(s as usize),
            Event::ProbeTimeout(s, i, seq) => self.on_probe_timeout(s as usize, i, seq),
            Event::Autoscale(s) => self.on_autoscale(s as usize),
            Event::DeployStep(d) => self.on_deploy_step(d),
            Event::DeployJudge(d) => self.on_deploy_judge(d),
            Event::Tick => self.on_tick(),
            Event::Mark(p) => self.on_mark(p),
        }
    }

    /// Schedules the end of a timeseries window at `at`, unless the run
    /// ends first: the summary closes the last window.
    fn schedule_tick(&mut self, at: SimTime) {
        if at < self.end {
            self.queue.push(at, Event::Tick);
        }
    }

    /// Closes a timeseries window and schedules the next.
    fn on_tick(&mut self) {
        let now = self.now;
        let Some(series) = &mut self.series else {
            return;
        };
        let next = now + series.window;
        for w in &mut series.clients {
            w.close();
        }
        for (w, s) in series.services.iter_mut().zip(&self.services) {
            w.close(now, next.min(self.end), s.queued(), s.counts());
        }
        for (q, w) in series.queues.iter_mut().enumerate() {
            w.close(self.queues[q].depth(), self.queues[q].oldest_age(now));
        }
        for (c, w) in series.caches.iter_mut().enumerate() {
            w.close(self.caches[c].len());
        }
        for (w, totals) in series.sagas.iter_mut().zip(&self.saga_totals) {
            w.close(totals.in_flight());
        }
        for b in &mut self.breakers {
            b.series.push(b.cb.state());
        }
        for w in &mut series.deploys {
            w.close();
        }
        self.schedule_tick(next);
    }

    /// A fact about a counted request of client `c`, issued at `issued`:
    /// into the totals, the open window and the client's probes.
    fn client_fact(&mut self, c: usize, issued: SimTime, fact: ClientFact) {
        self.client_totals[c].apply(fact);
        if let Some(s) = &mut self.series {
            s.clients[c].open.apply(fact);
        }
        for p in &self.client_probes[c] {
            self.probes[*p as usize].on_client(issued, self.now, fact);
        }
        if fact == ClientFact::Issued {
            for p in &self.request_probes {
                self.probes[*p as usize].on_request(issued);
            }
        }
    }

    /// A fact about a run of saga `g` started at `started`: into the totals
    /// (if it is measured), the open window and the saga's probes.
    fn saga_fact(&mut self, g: usize, started: SimTime, counted: bool, fact: record::SagaFact) {
        if !counted {
            return;
        }
        self.saga_totals[g].apply(fact);
        if let Some(s) = &mut self.series {
            s.sagas[g].open.apply(fact);
        }
        for p in &self.saga_probes[g] {
            self.probes[*p as usize].on_saga(started, fact);
        }
    }

    /// A fact about a counted attempt at service `s`, arrived at `arrived`:
    /// into the totals, the open window and the service's probes.
    fn service_fact(&mut self, s: usize, arrived: SimTime, fact: ServiceFact) {
        self.service_totals[s].apply(fact);
        if let Some(series) = &mut self.series {
            series.services[s].open.apply(fact);
        }
        for p in &self.service_probes[s] {
            self.probes[*p as usize].on_service(arrived, fact);
        }
    }

    /// An expectation's window opens: a queue probe starts from the queue
    /// now; a breaker probe reads the state at its instant.
    fn on_mark(&mut self, p: u32) {
        let probe = &mut self.probes[p as usize];
        match probe.subject {
            Subject::Service(s) => {
                let state = &self.services[s as usize];
                probe.on_queue(self.now, state.longest_queue());
                probe.on_instances(self.now, state.capacity(), state.live());
                probe.on_instant(state.live());
            }
            Subject::Breaker(b) => {
                probe.on_breaker(self.breakers[b as usize].cb.state().code());
            }
            Subject::Queue(q) => {
                if let Some(queue) = self.queues.get(q as usize) {
                    probe.on_queue(self.now, queue.depth());
                }
            }
            Subject::Client(_) | Subject::Effect(_) | Subject::Saga(_) | Subject::Cache(_) => {}
        }
    }

    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// When the run ends (the scenario's duration).
    pub fn end(&self) -> SimTime {
        self.end
    }

    /// Events processed so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Runs to the end and returns the summary, or why the run stopped.
    pub fn finish(mut self) -> Result<Report, Stop> {
        self.run_until(self.end)?;
        Ok(self.summary())
    }
}

/// Runs a scenario to its end and returns the summary, or why it stopped.
pub fn run(scenario: &Scenario, options: &RunOptions) -> Result<Report, Stop> {
    Simulation::new(scenario, options).finish()
}

#[cfg(test)]
mod tests;
