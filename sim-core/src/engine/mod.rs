//! The discrete-event engine: a future-event list and the models it drives.
//!
//! Handlers never touch the clock: they schedule events into the
//! [`queue::EventQueue`], and [`Simulation::run_until`] is the one loop that
//! pops them in `(time, seq)` order. In-flight work lives in slabs (requests,
//! calls, jobs) whose entries are freed when they end, so memory follows what
//! is in flight, not how long the run is.

mod backoff;
mod balancer;
mod breaker;
mod call;
mod client;
mod effects;
mod event;
mod exchange;
mod fault;
mod histogram;
mod integrator;
mod metrics;
mod network;
mod probe;
mod queue;
mod service;
mod site;
pub mod snapshot;
mod summary;
mod throttle;
pub mod trace;

use crate::expect::Metric;
use crate::report::Report;
use crate::rng::Stream;
use crate::scenario::model::{ClientId, Load, Scenario};
use crate::time::{SimDuration, SimTime};
use call::CallRec;
use client::{ClientState, Request};
use effects::{DedupTable, Effects};
use event::Event;
use exchange::Exchange;
use metrics::{ClientStats, ClientWindow, Series, ServiceStats, ServiceWindow};
use network::Network;
use probe::{Probe, Subject};
use queue::EventQueue;
use service::{Job, ServiceState};
use site::{BreakerRec, Site, Sites};
use slab::Slab;

pub use crate::scenario::model::Cause;
pub use event::Outcome;

/// Settings of one run that are not part of the scenario.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Overrides the scenario's seed.
    pub seed: Option<u64>,
    /// Collect per-window series of this width.
    pub timeseries: Option<SimDuration>,
}

/// A simulation built from a scenario, advanced event by event.
pub struct Simulation {
    sc: Scenario,
    seed: u64,
    now: SimTime,
    end: SimTime,
    warmup: SimTime,
    events: u64,
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
    /// Site of call `i` of endpoint `e` of service `s`: `call_sites[s][e][i]`.
    call_sites: Vec<Vec<Vec<u32>>>,
    breakers: Vec<BreakerRec>,
    /// Which faults are active now.
    fault_active: Vec<bool>,
    /// Instances paused now (events are checked for holding only then).
    paused: u32,
    effects: Effects,
    /// Processed-keys table of each service that deduplicates.
    dedups: Vec<Option<DedupTable>>,
    next_uid: u64,
    client_stats: Vec<ClientStats>,
    service_stats: Vec<ServiceStats>,
    probes: Vec<Probe>,
    /// Probe indices per client and per service.
    client_probes: Vec<Vec<u32>>,
    service_probes: Vec<Vec<u32>>,
    /// Probes that count every client's logical requests (amplification).
    request_probes: Vec<u32>,
    /// Probe indices per effect.
    effect_probes: Vec<Vec<u32>>,
    series: Option<Series>,
    /// Spans for `dsim trace`, when asked for.
    trace: Option<trace::Trace>,
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
            .map(|c| ClientState::new(Stream::fork(seed, &format!("client:{}", c.name))))
            .collect();
        let sites = Sites::build(&sc, seed, &mut network);
        let effects = Effects::build(&sc);
        let fault_active = vec![false; sc.faults.len()];
        let dedups = sc
            .services
            .iter()
            .map(|s| s.dedup.as_ref().map(DedupTable::new))
            .collect();
        let services = sc
            .services
            .iter()
            .enumerate()
            .map(|(i, _)| ServiceState::new(&sc, i, seed))
            .collect();
        let service_stats = sc
            .services
            .iter()
            .map(|_| ServiceStats::new(warmup, end))
            .collect();
        let series = options.timeseries.filter(|w| w.0 > 0).map(|window| Series {
            window,
            clients: sc.clients.iter().map(|_| ClientWindow::default()).collect(),
            services: sc
                .services
                .iter()
                .map(|_| ServiceWindow::new(window))
                .collect(),
        });
        let mut sim = Simulation {
            client_stats: vec![ClientStats::default(); sc.clients.len()],
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
            service_stats,
            probes: Vec::new(),
            series,
            trace: None,
        };
        sim.build_probes();
        sim.schedule_faults();
        sim.start_load();
        if let Some(s) = &sim.series {
            let first = SimTime::ZERO + s.window;
            sim.schedule(first.min(sim.end), Event::Tick);
        }
        sim
    }

    /// One probe per expectation, registered with its subject.
    fn build_probes(&mut self) {
        let expect = std::mem::take(&mut self.sc.expect);
        for e in &expect {
            let (start, end) = match (e.metric, e.window) {
                (Metric::Breaker(at), _) => (at, self.end),
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
            self.probes.push(probe);
            match subject {
                Subject::Client(c) => {
                    if let Some(list) = self.client_probes.get_mut(c as usize) {
                        list.push(index);
                    }
                }
                Subject::Service(s) => self.service_probes[s as usize].push(index),
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

    /// Processes every event up to and including `t` (capped at the end of the run).
    pub fn run_until(&mut self, t: SimTime) {
        let stop = t.min(self.end);
        while let Some(at) = self.queue.peek_time() {
            if at > stop {
                break;
            }
            let Some((at, event)) = self.queue.pop() else {
                break;
            };
            self.now = at;
            self.events += 1;
            if self.paused > 0 && self.hold_if_paused(at, event) {
                continue;
            }
            self.dispatch(event);
        }
        self.now = self.now.max(stop);
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
            Event::FaultStart(i) => self.on_fault(i, true),
            Event::FaultEnd(i) => self.on_fault(i, false),
            Event::Tick => self.on_tick(),
            Event::Mark(p) => self.on_mark(p),
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
            w.close(now, next, s.queued(), s.capacity());
        }
        for b in &mut self.breakers {
            b.series.push(b.cb.state());
        }
        if now < self.end {
            self.schedule(next.min(self.end), Event::Tick);
        }
    }

    /// An expectation's window opens: a queue probe starts from the queue
    /// now; a breaker probe reads the state at its instant.
    fn on_mark(&mut self, p: u32) {
        let probe = &mut self.probes[p as usize];
        match probe.subject {
            Subject::Service(s) => {
                probe.on_queue(self.now, self.services[s as usize].longest_queue());
            }
            Subject::Breaker(b) => {
                probe.on_breaker(self.breakers[b as usize].cb.state().code());
            }
            Subject::Client(_) | Subject::Effect(_) => {}
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

    /// Runs to the end and returns the summary.
    pub fn finish(mut self) -> Report {
        self.run_until(self.end);
        self.summary()
    }
}

/// Runs a scenario to its end and returns the summary.
pub fn run(scenario: &Scenario, options: &RunOptions) -> Report {
    Simulation::new(scenario, options).finish()
}

#[cfg(test)]
mod tests;
