//! Services: instances with workers and a waiting room, the jobs they serve,
//! and the downstream calls those jobs make.

use super::balancer::Picker;
use super::call::Origin;
use super::event::{Event, Handle, Outcome};
use super::integrator::Utilization;
use super::network::either;
use super::record::ServiceFact;
use super::throttle::Limiter;
use super::trace::{outcome_name, Kind, Link, NO_REQUEST};
use super::Simulation;
use crate::rng::Stream;
use crate::scenario::model::Cause;
use crate::scenario::model::{Discipline, Scenario, Target};
use crate::scenario::policy::Outlier;
use crate::time::{SimDuration, SimTime};
use std::collections::VecDeque;

/// One replica of a service.
#[derive(Clone, Debug)]
pub(super) struct Instance {
    pub busy: u32,
    /// Workers reserved for deliveries on their way from a queue.
    pub claimed: u32,
    pub waiting: VecDeque<u32>,
    /// Service times, and error draws: one stream each, so an error rate
    /// moves no service time.
    work_rng: Stream,
    error_rng: Stream,
    /// What the active faults do to it.
    pub health: Health,
    /// Time spent paused so far (work in service is late by as much).
    pub frozen: SimDuration,
    /// Since when it is paused, if it is.
    pub paused_since: SimTime,
    /// Events that reached it while paused, with when they did.
    pub held: Vec<(SimTime, Event)>,
    /// Failed answers in a row, for outlier detection.
    failures_in_a_row: u32,
    /// Ejected from the balancer until then.
    ejected_until: SimTime,
    /// Where it is in its life: starting, serving, draining or stopped.
    pub life: Life,
    /// Bumped by every start, so that events of an earlier life are stale.
    pub generation: u32,
    /// Out of the balancer after failing readiness probes.
    pub unready: bool,
    /// Jobs it holds, waiting, in service or waiting on calls.
    pub jobs: u32,
    /// Its health checks: the probe awaited and the results in a row.
    pub probe: super::health::ProbeState,
    /// Runs the new version of a deployment.
    pub version: bool,
    /// Draining to start again as this version (a rolling deployment).
    pub replace_as: Option<bool>,
    /// Measured arrivals (after warmup) at this instance.
    pub arrivals: u64,
    /// Its longest waiting room after warmup.
    pub max_queue: u64,
    /// Its busy workers over its own workers while it served or drained,
    /// over the measured span.
    pub busy_area: Utilization,
}

/// The life of an instance. Ids are stable: a stopped instance's slot (and
/// its random streams) is taken by the next instance started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Life {
    /// Paying `startup`: refuses requests, out of the balancer.
    Starting,
    Serving,
    /// Out of the balancer, finishing what it holds before it stops.
    Draining,
    Stopped,
}

impl Instance {
    /// Instance `i` of service `name`, serving; its streams derive from
    /// the service and the id only. `busy_area` measures its utilization.
    fn new(seed: u64, name: &str, i: u32, busy_area: Utilization) -> Instance {
        Instance {
            busy: 0,
            claimed: 0,
            waiting: VecDeque::new(),
            work_rng: Stream::fork(seed, &format!("instance:{name}#{i}/work")),
            error_rng: Stream::fork(seed, &format!("instance:{name}#{i}/errors")),
            health: Health::default(),
            frozen: SimDuration::ZERO,
            paused_since: SimTime::ZERO,
            held: Vec::new(),
            failures_in_a_row: 0,
            ejected_until: SimTime::ZERO,
            arrivals: 0,
            max_queue: 0,
            busy_area,
            life: Life::Serving,
            generation: 0,
            unready: false,
            jobs: 0,
            probe: Default::default(),
            version: false,
            replace_as: None,
        }
    }

    /// Refuses work: crashed, starting or stopped.
    pub fn down(&self) -> bool {
        self.health.down || matches!(self.life, Life::Starting | Life::Stopped)
    }

    /// Counts towards the service's capacity: serving or draining.
    pub fn works(&self) -> bool {
        matches!(self.life, Life::Serving | Life::Draining)
    }

    /// Whether the balancer may send it new requests now.
    fn in_rotation(&self, now: SimTime) -> bool {
        self.life == Life::Serving && !self.unready && self.ejected_until <= now
    }
}

/// The combined effect of the faults active on one instance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Health {
    /// Crashed: refuses everything until it restarts.
    pub down: bool,
    /// Frozen: holds everything until it resumes.
    pub paused: bool,
    /// Service times are multiplied by this.
    pub slow: f64,
    /// Workers are multiplied by this.
    pub capacity: f64,
    /// Extra probability that a request fails after its work.
    pub error: f64,
}

impl Default for Health {
    fn default() -> Self {
        Health {
            down: false,
            paused: false,
            slow: 1.0,
            capacity: 1.0,
            error: 0.0,
        }
    }
}

/// The run-time state of one service.
#[derive(Clone, Debug)]
pub struct ServiceState {
    picker: Picker,
    pub(super) instances: Vec<Instance>,
    /// Calls in flight to each instance, as callers see them (for balancing).
    outstanding: Vec<u32>,
    workers: u32,
    queue_limit: Option<u32>,
    discipline: Discipline,
    /// Busy workers and waiting jobs over all instances.
    busy: u64,
    queued: u64,
    /// Admission token bucket (`limit`), shared or per key.
    admission: Option<Limiter>,
    /// Drop requests that waited longer than this (`shed`).
    shed_after: Option<SimDuration>,
    /// Passive health checking (`outlier`).
    outlier: Option<Outlier>,
    /// Which instances the balancer may pick.
    eligible: Vec<bool>,
    /// The service's name and the run's seed, for new instances' streams.
    name: String,
    seed: u64,
    /// During a canary or blue-green deployment: the new version's share
    /// of new requests, and the draws that split them.
    share: Option<f64>,
    split_rng: Stream,
    /// The version new instances run: the new one once a deployment is done.
    pub(super) current_version: bool,
    /// A new instance's utilization integrator, with no workers yet.
    measured: Utilization,
}

impl ServiceState {
    /// Service `index` of `sc`; `measured` integrates over the span after
    /// warmup, with no workers yet, for each instance's utilization.
    pub fn new(sc: &Scenario, index: usize, seed: u64, measured: &Utilization) -> ServiceState {
        let s = &sc.services[index];
        ServiceState {
            picker: Picker::new(
                s.balancer,
                &s.name,
                s.instances,
                Stream::fork(seed, &format!("balancer:{}", s.name)),
            ),
            instances: (0..s.instances)
                .map(|i| {
                    let mut busy = measured.clone();
                    busy.set_capacity(SimTime::ZERO, u64::from(s.workers));
                    Instance::new(seed, &s.name, i, busy)
                })
                .collect(),
            name: s.name.clone(),
            seed,
            share: None,
            split_rng: Stream::fork(seed, &format!("deploy:{}/split", s.name)),
            current_version: false,
            measured: measured.clone(),
            outstanding: vec![0; s.instances as usize],
            workers: s.workers,
            queue_limit: s.queue,
            discipline: s.discipline,
            busy: 0,
            queued: 0,
            admission: s.protection.limit.as_ref().map(Limiter::new),
            shed_after: s.protection.shed,
            outlier: s.protection.outlier.clone(),
            eligible: vec![true; s.instances as usize],
        }
    }

    /// What a snapshot shows of instance `i` at `now`.
    pub fn instance_state(&self, i: u32, now: SimTime) -> super::snapshot::InstanceState {
        let x = &self.instances[i as usize];
        let health = if x.health.down {
            "down"
        } else if x.life == Life::Starting {
            "starting"
        } else if x.life == Life::Draining {
            "draining"
        } else if x.life == Life::Stopped {
            "stopped"
        } else if x.unready {
            "unready"
        } else if x.health.paused {
            "paused"
        } else if x.ejected_until > now {
            "ejected"
        } else {
            "up"
        };
        super::snapshot::InstanceState {
            queue: x.waiting.len() as u64,
            busy: x.busy,
            workers: self.workers_of(i),
            health,
            new_version: x.version,
        }
    }

    /// Workers instance `i` has now (a capacity fault scales them).
    pub(super) fn workers_of(&self, i: u32) -> u32 {
        let factor = self.instances[i as usize].health.capacity;
        if factor == 1.0 {
            self.workers
        } else {
            libm::round(f64::from(self.workers) * factor) as u32
        }
    }

    /// Workers over the instances that serve or drain.
    pub fn capacity(&self) -> u64 {
        u64::from(self.workers) * self.instances.iter().filter(|x| x.works()).count() as u64
    }

    /// Gives each instance's utilization its workers from `now`: all of
    /// them while it serves or drains, none otherwise.
    pub(super) fn track_capacity(&mut self, now: SimTime) {
        let workers = u64::from(self.workers);
        for x in &mut self.instances {
            x.busy_area
                .set_capacity(now, if x.works() { workers } else { 0 });
        }
    }

    /// Sends the new version the share `share` of new requests.
    pub(super) fn set_share(&mut self, share: f64) {
        self.share = Some(share);
    }

    /// Live and serving (not crashed) instances, as the timeseries shows them.
    pub fn counts(&self) -> (u32, u32) {
        let serving = self
            .instances
            .iter()
            .filter(|x| x.life == Life::Serving && !x.down());
        (self.live(), serving.count() as u32)
    }

    /// Instances started and not stopped (starting, serving or draining).
    pub fn live(&self) -> u32 {
        let live = self.instances.iter().filter(|x| x.life != Life::Stopped);
        live.count() as u32
    }

    /// Takes the lowest free id for a new instance (a stopped slot, whose
    /// streams carry on, or a new one) and returns it, starting.
    pub(super) fn add_instance(&mut self) -> u32 {
        let free = self.instances.iter().position(|x| x.life == Life::Stopped);
        let i = free.unwrap_or(self.instances.len()) as u32;
        if free.is_none() {
            let busy = self.measured.clone();
            self.instances
                .push(Instance::new(self.seed, &self.name, i, busy));
            self.outstanding.push(0);
            self.eligible.push(false);
            self.picker.add_slot(i);
        }
        let x = &mut self.instances[i as usize];
        x.life = Life::Starting;
        x.version = self.current_version;
        x.replace_as = None;
        x.unready = false;
        x.failures_in_a_row = 0;
        x.ejected_until = SimTime::ZERO;
        i
    }

    /// Busy workers over all instances.
    pub fn busy(&self) -> u64 {
        self.busy
    }

    /// Jobs waiting over all instances.
    pub fn queued(&self) -> u64 {
        self.queued
    }

    /// The longest waiting room of any instance.
    pub fn longest_queue(&self) -> u64 {
        self.instances
            .iter()
            .map(|i| i.waiting.len() as u64)
            .max()
            .unwrap_or(0)
    }

    /// Picks an instance for a new call carrying `key` and counts it as
    /// outstanding there.
    /// With no instance in rotation, the balancer panics (as Envoy's does
    /// below its healthy threshold) and picks among every serving one, then
    /// every one not stopped: such a request is refused rather than lost.
    pub fn pick(&mut self, now: SimTime, key: u64) -> u32 {
        for (e, x) in self.eligible.iter_mut().zip(&self.instances) {
            *e = x.in_rotation(now);
        }
        if let Some(share) = self.share {
            let new = share >= 1.0 || (share > 0.0 && self.split_rng.chance(share));
            let of = |x: &Instance| x.version == new;
            let any = self
                .eligible
                .iter()
                .zip(&self.instances)
                .any(|(e, x)| *e && of(x));
            if any {
                for (e, x) in self.eligible.iter_mut().zip(&self.instances) {
                    *e &= of(x);
                }
            }
        }
        if !self.eligible.contains(&true) {
            for (e, x) in self.eligible.iter_mut().zip(&self.instances) {
                *e = x.life == Life::Serving;
            }
        }
        if !self.eligible.contains(&true) {
            for (e, x) in self.eligible.iter_mut().zip(&self.instances) {
                *e = x.life != Life::Stopped;
            }
        }
        if !self.eligible.contains(&true) {
            self.eligible[0] = true;
        }
        let i = self.picker.pick(&self.outstanding, &self.eligible, key);
        self.outstanding[i as usize] += 1;
        i
    }

    /// A call to instance `i` is over, `failed` or not, at `now`: with
    /// outlier detection (Envoy's consecutive errors), enough failures in a
    /// row eject the instance for a while — never the last one in service.
    pub fn release(&mut self, i: u32, failed: bool, now: SimTime) {
        self.outstanding[i as usize] -= 1;
        let Some(o) = &self.outlier else {
            return;
        };
        let x = &mut self.instances[i as usize];
        x.failures_in_a_row = if failed { x.failures_in_a_row + 1 } else { 0 };
        if x.failures_in_a_row < o.consecutive_errors || x.ejected_until > now {
            return;
        }
        let others = self
            .instances
            .iter()
            .enumerate()
            .any(|(j, y)| j != i as usize && y.in_rotation(now));
        if others {
            let x = &mut self.instances[i as usize];
            x.ejected_until = now + o.eject_for;
            x.failures_in_a_row = 0;
        }
    }
}

/// Who waits for a job's answer: one service machinery serves both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Asker {
    /// An attempt of an exchange: the answer goes back to its caller.
    Call { call: Handle, exchange: Handle },
    /// A delivery of a queue's message: an ack or a nack goes back to the
    /// broker.
    Delivery(Handle),
    /// A deep health check of instance `u32` of service `u32`, its
    /// sequence number last.
    Probe(u32, u32, u32),
}

impl Asker {
    /// The uid of the attempt asking, for the trace.
    fn attempt(&self) -> Option<u64> {
        match self {
            Asker::Call { call, .. } => Some(call.uid),
            _ => None,
        }
    }

    /// The uid of the delivery asking, for the trace.
    fn delivery(&self) -> Option<u64> {
        match self {
            Asker::Delivery(d) => Some(d.uid),
            _ => None,
        }
    }
}

/// A request (or a message) being served by an instance.
#[derive(Clone, Debug)]
pub struct Job {
    uid: u64,
    pub(super) asker: Asker,
    /// The key of the request (or message) it serves, passed on to its
    /// calls and the messages it publishes.
    pub(super) key: u64,
    /// The client request it is done for, passed on like `key`.
    pub(super) request: u64,
    target: Target,
    instance: u32,
    arrived: SimTime,
    /// Drop it unstarted after this instant (`SimTime::MAX`: never).
    deadline: SimTime,
    /// Its instance's paused time when its work last (re)started.
    frozen: SimDuration,
    /// Arrived after warmup, so measured.
    counted: bool,
    holds_worker: bool,
    /// Sequential calls: the next to make. Parallel calls: answers awaited.
    next: u32,
    degraded: bool,
}

impl Simulation {
    /// A request message reaches instance `instance` of `target.service`.
    pub(super) fn on_deliver(
        &mut self,
        call: Handle,
        exchange: Handle,
        target: Target,
        instance: u32,
        deadline: SimTime,
    ) {
        let (key, request) = self.carried(call, exchange);
        let asker = Asker::Call { call, exchange };
        self.arrive(asker, target, instance, deadline, key, request);
    }

    /// The key and client request a copy of attempt `call` of `exchange`
    /// carries: its call's, or its exchange's once the call is settled
    /// (none once both are over, a copy slower than its own timeout).
    fn carried(&self, call: Handle, exchange: Handle) -> (u64, u64) {
        if let Some(c) = self
            .calls
            .get(call.key as usize)
            .filter(|c| c.uid == call.uid)
        {
            return (c.key, c.request);
        }
        self.exchanges
            .get(exchange.key as usize)
            .filter(|x| x.uid == exchange.uid)
            .map_or((0, NO_REQUEST), |x| (x.key, x.request))
    }

    /// Work for `target` reaches instance `instance`: it is refused by a
    /// crashed instance, rejected by a full waiting room or the admission
    /// limit, or becomes a job that starts or waits. A delivery of a message
    /// was pulled by a free worker, which waits for it.
    pub(super) fn arrive(
        &mut self,
        asker: Asker,
        target: Target,
        instance: u32,
        deadline: SimTime,
        key: u64,
        request: u64,
    ) {
        let s = target.service.0 as usize;
        let pulled = matches!(asker, Asker::Delivery(_));
        if pulled {
            self.services[s].instances[instance as usize].claimed -= 1;
        }
        let probe = matches!(asker, Asker::Probe(..));
        let (now, counted) = (self.now, self.now >= self.warmup && !probe);
        if counted {
            self.service_fact(s, now, ServiceFact::Arrived);
            self.services[s].instances[instance as usize].arrivals += 1;
        }
        if self.services[s].instances[instance as usize].down() {
            if counted {
                self.service_fact(s, now, ServiceFact::Refused);
            }
            if !probe {
                let refused = Outcome::Failed(Cause::Refused);
                self.version_fact(s, instance, refused, SimDuration::ZERO, counted);
            }
            return self.turn_away(asker, Cause::Refused);
        }
        let workers = self.services[s].workers_of(instance);
        let state = &mut self.services[s];
        let admitted = pulled || probe || state.admission.as_mut().is_none_or(|b| b.take(now, key));
        let inst = &state.instances[instance as usize];
        let idle = inst.busy + inst.claimed < workers || (pulled && inst.busy < workers);
        let full = !idle
            && state
                .queue_limit
                .is_some_and(|q| inst.waiting.len() as u64 >= u64::from(q));
        if full || !admitted {
            if counted {
                self.service_fact(s, now, ServiceFact::Rejected);
            }
            if !probe {
                let rejected = Outcome::Failed(Cause::Rejected);
                self.version_fact(s, instance, rejected, SimDuration::ZERO, counted);
            }
            return self.turn_away(asker, Cause::Rejected);
        }
        let uid = self.uid();
        let job = self.jobs.insert(Job {
            uid,
            asker,
            key,
            request,
            target,
            instance,
            arrived: self.now,
            deadline,
            frozen: SimDuration::ZERO,
            counted,
            holds_worker: false,
            next: 0,
            degraded: false,
        }) as u32;
        self.services[s].instances[instance as usize].jobs += 1;
        if idle {
            if !self.drop_if_late(job) {
                self.start(job);
            }
        } else {
            self.services[s].instances[instance as usize]
                .waiting
                .push_back(job);
            self.services[s].queued += 1;
            self.queue_changed(s, instance);
        }
    }

    /// Answers work that never becomes a job with a failure.
    fn turn_away(&mut self, asker: Asker, cause: Cause) {
        self.reply(asker, Outcome::Failed(cause));
    }

    /// Sends `outcome` to whoever waits for it: the caller of an attempt
    /// (this copy of its exchange is then done), or the broker of a delivery.
    fn reply(&mut self, asker: Asker, outcome: Outcome) {
        match asker {
            Asker::Call { call, exchange } => {
                self.answer(call, outcome);
                self.copy_done(exchange);
            }
            Asker::Delivery(d) => self.settle_delivery(d, outcome),
            Asker::Probe(s, i, seq) => self.on_probe_answer(s as usize, i, seq, outcome),
        }
    }

    /// Records a change of an instance's waiting room.
    fn queue_changed(&mut self, s: usize, instance: u32) {
        let inst = &mut self.services[s].instances[instance as usize];
        let len = inst.waiting.len() as u64;
        if self.now >= self.warmup {
            inst.max_queue = inst.max_queue.max(len);
            self.max_queue[s] = self.max_queue[s].max(len);
        }
        for p in &self.service_probes[s] {
            self.probes[*p as usize].on_queue(self.now, len);
        }
    }

    /// Adds `delta` busy workers at instance `instance` of service `s`.
    fn busy_changed(&mut self, s: usize, instance: u32, delta: i64) {
        let state = &mut self.services[s];
        let inst = &mut state.instances[instance as usize];
        inst.busy_area.set_busy(self.now, u64::from(inst.busy));
        state.busy = state
            .busy
            .checked_add_signed(delta)
            .expect("busy workers never go negative");
        let level = state.busy;
        self.busy[s].set_busy(self.now, level);
        if let Some(series) = &mut self.series {
            series.services[s].busy.set_busy(self.now, level);
        }
        if let Some(scaler) = &mut self.scalers[s] {
            scaler.busy.set_busy(self.now, level);
        }
        for p in &self.service_probes[s] {
            self.probes[*p as usize].on_busy(self.now, level);
        }
    }

    /// A worker takes job `key` and starts its local work.
    fn start(&mut self, key: u32) {
        let job = &mut self.jobs[key as usize];
        job.holds_worker = true;
        let (target, instance, arrived, counted) =
            (job.target, job.instance, job.arrived, job.counted);
        let uid = job.uid;
        let s = target.service.0 as usize;
        self.services[s].instances[instance as usize].busy += 1;
        self.busy_changed(s, instance, 1);
        if counted {
            self.service_fact(s, arrived, ServiceFact::Started(self.now - arrived));
        }
        let inst = &mut self.services[s].instances[instance as usize];
        if let Asker::Probe(..) = self.jobs[key as usize].asker {
            // A health endpoint answers once a worker takes it, drawing nothing.
            self.jobs[key as usize].frozen = inst.frozen;
            return self.schedule(self.now, Event::WorkDone(Handle { key, uid }));
        }
        let endpoint = &self.sc.services[s].endpoints_of(inst.version)[target.endpoint.0 as usize];
        let mut work = endpoint.service_time.sample(&mut inst.work_rng);
        if inst.health.slow != 1.0 {
            work = SimDuration(libm::round(work.0 as f64 * inst.health.slow) as u64);
        }
        self.jobs[key as usize].frozen = inst.frozen;
        self.schedule(self.now + work, Event::WorkDone(Handle { key, uid }));
    }

    /// Empties the waiting room of `instance` (its jobs stay to be ended).
    pub(super) fn clear_queue(&mut self, s: usize, instance: u32) {
        let waiting = std::mem::take(&mut self.services[s].instances[instance as usize].waiting);
        self.services[s].queued -= waiting.len() as u64;
        self.queue_changed(s, instance);
    }

    /// Frees a worker of `instance` and gives it the next waiting job.
    fn free_worker(&mut self, s: usize, instance: u32) {
        self.services[s].instances[instance as usize].busy -= 1;
        self.busy_changed(s, instance, -1);
        self.start_next(s, instance);
    }

    /// While `instance` has a free worker and a waiting job, takes the next
    /// job by the discipline: it starts, unless it is late (see [`Self::late`])
    /// and is dropped as shed, and the worker takes the one after.
    pub(super) fn start_next(&mut self, s: usize, instance: u32) {
        loop {
            let workers = self.services[s].workers_of(instance);
            let state = &mut self.services[s];
            let inst = &mut state.instances[instance as usize];
            if inst.busy + inst.claimed >= workers || inst.down() || inst.health.paused {
                return;
            }
            let next = match state.discipline {
                Discipline::Fifo => inst.waiting.pop_front(),
                Discipline::Lifo => inst.waiting.pop_back(),
            };
            // A free worker with nothing waiting pulls from its queues.
            let Some(key) = next else {
                return self.pull(s, instance);
            };
            state.queued -= 1;
            self.queue_changed(s, instance);
            if !self.drop_if_late(key) {
                return self.start(key);
            }
        }
    }

    /// Drops job `key` unstarted, as shed, if its caller's deadline has
    /// passed or it waited longer than the service's `shed` allows: work
    /// done for nobody is what turns an overload into a collapse.
    fn drop_if_late(&mut self, key: u32) -> bool {
        let job = &self.jobs[key as usize];
        let s = job.target.service.0 as usize;
        let waited = self.now.since(job.arrived);
        let late = self.now >= job.deadline
            || self.services[s]
                .shed_after
                .is_some_and(|limit| waited > limit);
        if late {
            let uid = job.uid;
            self.answer_job(Handle { key, uid }, Outcome::Failed(Cause::Shed));
        }
        late
    }

    /// The local work of a job is done: fail, answer, or make its calls.
    pub(super) fn on_work_done(&mut self, h: Handle) {
        let Some(job) = self.jobs.get(h.key as usize).filter(|j| j.uid == h.uid) else {
            return;
        };
        let (target, instance) = (job.target, job.instance);
        let s = target.service.0 as usize;
        let inst = &mut self.services[s].instances[instance as usize];
        // A pause since the work started makes it end as much later.
        if inst.frozen > job.frozen {
            let late = SimDuration(inst.frozen.0 - job.frozen.0);
            self.jobs[h.key as usize].frozen = inst.frozen;
            return self.schedule(self.now + late, Event::WorkDone(h));
        }
        if let Asker::Probe(..) = job.asker {
            return self.answer_job(h, Outcome::Ok);
        }
        let endpoint = &self.sc.services[s].endpoints_of(inst.version)[target.endpoint.0 as usize];
        let (calls, parallel, blocking) = (
            endpoint.calls.len() as u32,
            endpoint.parallel,
            endpoint.blocking,
        );
        let error_rate = either(endpoint.error_rate, inst.health.error);
        // A repeat of processed work is answered from the processed-keys
        // table, as it was the first time, whatever this attempt would do.
        if inst.error_rng.chance(error_rate) && !self.already_processed(s, job.asker) {
            return self.answer_job(h, Outcome::Failed(Cause::Error));
        }
        if calls == 0 {
            return self.answer_job(h, Outcome::Ok);
        }
        if !blocking {
            self.jobs[h.key as usize].holds_worker = false;
            self.free_worker(s, instance);
        }
        if parallel {
            self.jobs[h.key as usize].next = calls;
            // A call that fails at once (a limit, an open breaker) ends the job.
            for i in 0..calls {
                if self.jobs.get(h.key as usize).is_none_or(|j| j.uid != h.uid) {
                    break;
                }
                self.call_from_job(h, target, i);
            }
        } else {
            self.jobs[h.key as usize].next = 1;
            self.call_from_job(h, target, 0);
        }
    }

    /// Makes call `i` of the endpoint a job serves, bounded by the
    /// deadline the job's own request carried; through its cache first if
    /// it goes `via` one.
    fn call_from_job(&mut self, h: Handle, from: Target, i: u32) {
        let job = &self.jobs[h.key as usize];
        let deadline = Some(job.deadline).filter(|d| *d != SimTime::MAX);
        let instance = job.instance;
        let (s, e) = (from.service.0 as usize, from.endpoint.0 as usize);
        let new = self.services[s].instances[instance as usize].version;
        let site = self.call_sites[s][usize::from(new)][e][i as usize];
        let (key, request) = (job.key, job.request);
        let origin = Origin::Job(h);
        match self.sc.services[s].endpoints_of(new)[e].calls[i as usize].via {
            Some(c) => self.lookup(c.0, origin, site, instance, deadline, key, request),
            None => self.start_exchange(origin, site, instance, deadline, false, key, request),
        }
    }

    /// A downstream call of job `h` ended with `outcome`.
    pub(super) fn on_call_result(&mut self, h: Handle, outcome: Outcome) {
        let Some(job) = self.jobs.get_mut(h.key as usize).filter(|j| j.uid == h.uid) else {
            return;
        };
        match outcome {
            Outcome::Failed(_) => return self.answer_job(h, Outcome::Failed(Cause::Error)),
            Outcome::Degraded => job.degraded = true,
            Outcome::Ok => {}
        }
        let (target, s) = (job.target, job.target.service.0 as usize);
        let new = self.services[s].instances[job.instance as usize].version;
        let endpoint = &self.sc.services[s].endpoints_of(new)[target.endpoint.0 as usize];
        let done = if endpoint.parallel {
            job.next -= 1;
            job.next == 0
        } else if (job.next as usize) < endpoint.calls.len() {
            let i = job.next;
            job.next += 1;
            self.call_from_job(h, target, i);
            false
        } else {
            true
        };
        if done {
            let answer = if self.jobs[h.key as usize].degraded {
                Outcome::Degraded
            } else {
                Outcome::Ok
            };
            self.answer_job(h, answer);
        }
    }

    /// Job `h` answers its caller with `outcome` and leaves the instance.
    pub(super) fn answer_job(&mut self, h: Handle, outcome: Outcome) {
        let job = self.jobs.remove(h.key as usize);
        let s = job.target.service.0 as usize;
        self.services[s].instances[job.instance as usize].jobs -= 1;
        // A two-phase prepare keeps a worker before this one is freed.
        let prepared = outcome.is_success() && self.prepare_held(job.asker, s, job.instance);
        if job.holds_worker {
            self.free_worker(s, job.instance);
        }
        if let Asker::Probe(..) = job.asker {
            return self.reply(job.asker, outcome);
        }
        self.drained_maybe(s, job.instance);
        let latency = self.now - job.arrived;
        if self.trace.is_some() {
            let name = self.sc.services[s].name.clone();
            let link = Link {
                key: Some(job.key),
                attempt: job.asker.attempt(),
                delivery: job.asker.delivery(),
                ..Link::of(job.request)
            };
            let o = outcome_name(outcome);
            self.record_span(Kind::Work, &name, Some(job.instance), job.arrived, o, link);
        }
        if job.counted {
            self.service_fact(s, job.arrived, ServiceFact::Answered(outcome, latency));
        }
        self.version_fact(s, job.instance, outcome, latency, job.counted);
        if outcome.is_success() && !prepared {
            let (e, counted) = (job.target.endpoint.0 as usize, job.counted);
            let new = self.services[s].instances[job.instance as usize].version;
            self.commit_effect(s, new, e, job.asker, counted);
            self.publish_all(s, new, e, job.key, job.request);
        }
        self.reply(job.asker, outcome);
    }
}

impl Job {
    /// Whether this job arrived after warmup.
    pub fn counted(&self) -> bool {
        self.counted
    }

    /// The index of the service serving it.
    pub fn service(&self) -> usize {
        self.target.service.0 as usize
    }

    /// The instance serving it.
    pub fn instance(&self) -> u32 {
        self.instance
    }

    pub fn uid(&self) -> u64 {
        self.uid
    }

    /// Its instance's paused time is counted up to `frozen`.
    pub fn set_frozen(&mut self, frozen: SimDuration) {
        self.frozen = frozen;
    }
}
