//! Faults at run time: each start or end recomputes the health of the
//! instances and the overlay of the links it touches from every fault active
//! then, so overlapping faults compose; then the transitions act — a crash
//! fails what the instance held, a pause holds what reaches it until it
//! resumes, more capacity starts waiting work.

use super::call::Origin;
use super::event::{Event, Handle, Outcome};
use super::network::{either, LinkFault};
use super::service::{Health, Life};
use super::Simulation;
use crate::scenario::model::{Cause, Fault, FaultKind, FaultTarget, NodeId, ServiceId};
use crate::time::SimTime;

/// Whether `f` strikes instance `i` of service `s`.
fn strikes(f: &Fault, s: ServiceId, i: u32) -> bool {
    match f.target {
        FaultTarget::Service(t) => t == s,
        FaultTarget::Instance(t, j) => t == s && j == i,
        FaultTarget::Link(..)
        | FaultTarget::Queue(_)
        | FaultTarget::Saga(_)
        | FaultTarget::Cache(_) => false,
    }
}

/// Whether network fault `f` acts on messages `from -> to`.
fn on_link(f: &Fault, from: NodeId, to: NodeId) -> bool {
    let partition = matches!(f.kind, FaultKind::Partition);
    match f.target {
        FaultTarget::Link(a, b) => (a, b) == (from, to) || (partition && (b, a) == (from, to)),
        FaultTarget::Service(s) => {
            to == NodeId::Service(s) || (partition && from == NodeId::Service(s))
        }
        FaultTarget::Instance(..)
        | FaultTarget::Queue(_)
        | FaultTarget::Saga(_)
        | FaultTarget::Cache(_) => false,
    }
}

/// The health of an instance under the `active` faults that strike it.
fn health<'a>(active: impl Iterator<Item = &'a Fault>) -> Health {
    let mut h = Health::default();
    for f in active {
        match f.kind {
            FaultKind::Crash => h.down = true,
            FaultKind::Pause => h.paused = true,
            FaultKind::Slowdown { factor } => h.slow *= factor,
            FaultKind::Capacity { factor } => h.capacity *= factor,
            FaultKind::ErrorRate { rate } => h.error = either(h.error, rate),
            _ => {}
        }
    }
    // A crashed process is not also frozen: it holds nothing.
    h.paused &= !h.down;
    h
}

/// The overlay of a link under the `active` network faults on it.
fn overlay<'a>(active: impl Iterator<Item = &'a Fault>) -> LinkFault {
    let mut l = LinkFault::default();
    for f in active {
        match f.kind {
            FaultKind::Latency { extra } => l.extra = l.extra + extra,
            FaultKind::Loss { rate } => l.loss = either(l.loss, rate),
            FaultKind::Duplicate { rate } => l.duplicate = either(l.duplicate, rate),
            FaultKind::Partition => l.cut = true,
            _ => {}
        }
    }
    l
}

impl Simulation {
    /// Schedules the start and end of every fault.
    pub(super) fn schedule_faults(&mut self) {
        for (i, f) in self.sc.faults.iter().enumerate() {
            let (at, until) = (f.at, f.until());
            self.queue
                .push(at.min(self.end), Event::FaultStart(i as u32));
            if let Some(t) = until.filter(|t| *t < self.end) {
                self.queue.push(t, Event::FaultEnd(i as u32));
            }
        }
    }

    /// Fault `i` starts (`on`) or ends.
    pub(super) fn on_fault(&mut self, i: u32, on: bool) {
        self.fault_active[i as usize] = on;
        let target = self.sc.faults[i as usize].target;
        self.refresh_links();
        if let FaultTarget::Queue(_) | FaultTarget::Saga(_) | FaultTarget::Cache(_) = target {
            let on_it = |f: &&Fault| f.target == target;
            let active: Vec<FaultKind> =
                self.active_faults().filter(on_it).map(|f| f.kind).collect();
            let down = active.contains(&FaultKind::Crash);
            let paused = active.contains(&FaultKind::Pause);
            return match target {
                FaultTarget::Queue(q) => self.refresh_queue(q.0 as usize, down, paused),
                FaultTarget::Saga(g) => self.refresh_saga(g.0 as usize, down, paused),
                FaultTarget::Cache(c) => self.refresh_cache(c.0 as usize, down, paused),
                _ => {}
            };
        }
        for s in 0..self.sc.services.len() {
            let id = ServiceId(s as u32);
            for inst in 0..self.services[s].instances.len() as u32 {
                let touched = match target {
                    FaultTarget::Service(t) => t == id,
                    FaultTarget::Instance(t, j) => t == id && j == inst,
                    FaultTarget::Link(..)
                    | FaultTarget::Queue(_)
                    | FaultTarget::Saga(_)
                    | FaultTarget::Cache(_) => false,
                };
                if touched {
                    self.refresh_instance(s, inst);
                }
            }
        }
    }

    /// The faults active now.
    fn active_faults(&self) -> impl Iterator<Item = &Fault> {
        self.sc
            .faults
            .iter()
            .zip(&self.fault_active)
            .filter(|(_, on)| **on)
            .map(|(f, _)| f)
    }

    /// Recomputes every link's overlay.
    fn refresh_links(&mut self) {
        let active: Vec<Fault> = self.active_faults().cloned().collect();
        self.network
            .set_faults(|from, to| overlay(active.iter().filter(|f| on_link(f, from, to))));
    }

    /// Recomputes instance `i` of service `s` and acts on what changed.
    pub(super) fn refresh_instance(&mut self, s: usize, i: u32) {
        let id = ServiceId(s as u32);
        let new = health(self.active_faults().filter(|f| strikes(f, id, i)));
        let inst = &mut self.services[s].instances[i as usize];
        let old = std::mem::replace(&mut inst.health, new);
        if new.paused && !old.paused {
            inst.paused_since = self.now;
            self.paused += 1;
        }
        if old.paused && !new.paused {
            self.paused -= 1;
            self.resume(s, i);
        }
        if new.down && !old.down {
            self.crash(s, i);
        }
        if new.down != old.down {
            // Partitions move to the instances that are up.
            self.rebalance(s);
        }
        // A crashed process restarts, and pays its startup.
        let startup = self.sc.services[s].lifecycle.startup;
        let stopped = self.services[s].instances[i as usize].life == Life::Stopped;
        if old.down && !new.down && startup.0 > 0 && !stopped {
            return self.begin_startup(s, i);
        }
        self.start_next(s, i);
    }

    /// A crash: every job the instance holds fails at once, as a reset
    /// connection; it restarts empty.
    pub(super) fn crash(&mut self, s: usize, i: u32) {
        let held = std::mem::take(&mut self.services[s].instances[i as usize].held);
        for (_, event) in held {
            self.schedule(self.now, event);
        }
        let doomed: Vec<Handle> = self
            .jobs
            .iter()
            .filter(|(_, j)| j.service() == s && j.instance() == i)
            .map(|(key, j)| Handle {
                key: key as u32,
                uid: j.uid(),
            })
            .collect();
        self.clear_queue(s, i);
        for h in doomed {
            self.answer_job(h, Outcome::Failed(Cause::Error));
        }
    }

    /// The end of a pause: the instance carries on with what it held. Work
    /// in service ends as much later as the pause lasted; what reached it
    /// meanwhile is handled now, in the order it came.
    fn resume(&mut self, s: usize, i: u32) {
        let inst = &mut self.services[s].instances[i as usize];
        let since = inst.paused_since;
        inst.frozen = inst.frozen + self.now.since(since);
        let (frozen, held) = (inst.frozen, std::mem::take(&mut inst.held));
        for (at, event) in held {
            match event {
                // Its remaining work at the pause is still to do, and no
                // more: the pause is already counted for it.
                Event::WorkDone(h) => {
                    self.jobs[h.key as usize].set_frozen(frozen);
                    self.schedule(self.now + at.since(since), event);
                }
                _ => self.schedule(self.now, event),
            }
        }
    }

    /// Whether `event` belongs to a paused instance; then it is held.
    pub(super) fn hold_if_paused(&mut self, at: SimTime, event: Event) -> bool {
        let Some((s, i)) = self.owner(event) else {
            return false;
        };
        let inst = &mut self.services[s].instances[i as usize];
        if !inst.health.paused {
            return false;
        }
        inst.held.push((at, event));
        true
    }

    /// The instance that handles `event`, if it is an instance's.
    fn owner(&self, event: Event) -> Option<(usize, u32)> {
        let job = |h: Handle| {
            self.jobs
                .get(h.key as usize)
                .filter(|j| j.uid() == h.uid)
                .map(|j| (j.service(), j.instance()))
        };
        let exchange = |h: Handle| {
            let x = self
                .exchanges
                .get(h.key as usize)
                .filter(|x| x.uid == h.uid)?;
            match x.origin {
                Origin::Job(j) => job(j),
                Origin::Lookup(l) => match self.lookup_origin(l)? {
                    Origin::Job(j) => job(j),
                    _ => None,
                },
                Origin::Request(_) | Origin::Saga { .. } => None,
            }
        };
        match event {
            Event::Deliver(_, _, target, i, _) => Some((target.service.0 as usize, i)),
            Event::WorkDone(h) => job(h),
            Event::Respond(h, _) | Event::Timeout(h) => {
                let c = self.calls.get(h.key as usize).filter(|c| c.uid == h.uid)?;
                exchange(c.exchange)
            }
            Event::Retry(h) | Event::Hedge(h) | Event::Fallback(h) | Event::SlotWait(h) => {
                exchange(h)
            }
            Event::Receive(d) => self.delivery_owner(d),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::model::ClientId;

    fn fault(kind: FaultKind, target: FaultTarget) -> Fault {
        Fault {
            kind,
            target,
            at: SimTime::ZERO,
            duration: None,
            chaos: false,
        }
    }

    #[test]
    fn overlapping_faults_compose() {
        let s = ServiceId(0);
        let active = [
            fault(FaultKind::Slowdown { factor: 2.0 }, FaultTarget::Service(s)),
            fault(
                FaultKind::Slowdown { factor: 5.0 },
                FaultTarget::Instance(s, 1),
            ),
            fault(FaultKind::ErrorRate { rate: 0.5 }, FaultTarget::Service(s)),
            fault(
                FaultKind::ErrorRate { rate: 0.5 },
                FaultTarget::Instance(s, 1),
            ),
            fault(
                FaultKind::Capacity { factor: 0.5 },
                FaultTarget::Instance(s, 0),
            ),
        ];
        let of = |i: u32| health(active.iter().filter(|f| strikes(f, s, i)));
        assert_eq!((of(0).slow, of(0).error, of(0).capacity), (2.0, 0.5, 0.5));
        assert_eq!((of(1).slow, of(1).error, of(1).capacity), (10.0, 0.75, 1.0));
        assert_eq!(of(2), health([&active[0], &active[2]].into_iter()));
        let crash_and_pause = [
            fault(FaultKind::Crash, FaultTarget::Service(s)),
            fault(FaultKind::Pause, FaultTarget::Service(s)),
        ];
        let h = health(crash_and_pause.iter());
        assert!(h.down && !h.paused, "a crashed process holds nothing");
    }

    #[test]
    fn link_faults_match_their_direction_and_partitions_both() {
        let (c, a, b) = (
            NodeId::Client(ClientId(0)),
            NodeId::Service(ServiceId(0)),
            NodeId::Service(ServiceId(1)),
        );
        let latency = fault(
            FaultKind::Latency {
                extra: crate::time::SimDuration::from_millis(5),
            },
            FaultTarget::Link(a, b),
        );
        assert!(on_link(&latency, a, b) && !on_link(&latency, b, a));
        let cut = fault(FaultKind::Partition, FaultTarget::Link(a, b));
        assert!(on_link(&cut, a, b) && on_link(&cut, b, a) && !on_link(&cut, c, a));
        let into_b = fault(
            FaultKind::Loss { rate: 0.1 },
            FaultTarget::Service(ServiceId(1)),
        );
        assert!(on_link(&into_b, a, b) && !on_link(&into_b, b, a));
        let lossy = overlay([&into_b, &into_b, &cut].into_iter());
        assert!(lossy.cut && (lossy.loss - 0.19).abs() < 1e-12);
    }
}
