//! Active health checks: every `interval` the balancer probes each serving
//! instance. A shallow probe is answered at once by any instance that is up
//! and not paused; a deep one waits in the instance's queue for a worker,
//! like a request, so an overloaded instance fails it. `unhealthy` failures
//! in a row remove the instance from the balancer (readiness) or restart it
//! (liveness); `healthy` passes in a row bring a removed one back.

use super::event::{Event, Outcome};
use super::record::LifeFact;
use super::service::{Asker, Life};
use super::trace::NO_REQUEST;
use super::Simulation;
use crate::scenario::model::{EndpointId, HealthAction, ServiceId, Target};

/// The health checks of one instance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProbeState {
    /// The sequence number of the probe awaited, 0 for none.
    pending: u32,
    /// The last probe's sequence number.
    seq: u32,
    /// Results in a row: failures, passes.
    fails: u32,
    passes: u32,
}

impl ProbeState {
    /// Forgets the probe awaited and the results so far (a new life);
    /// sequence numbers go on, so a late answer of the old life is stale.
    pub fn reset(&mut self) {
        *self = ProbeState {
            seq: self.seq,
            ..ProbeState::default()
        };
    }
}

impl Simulation {
    /// A round of health checks of service `s`; schedules the next.
    pub(super) fn on_health_check(&mut self, s: usize) {
        let Some(h) = self.sc.services[s].lifecycle.health.clone() else {
            return;
        };
        self.schedule(self.now + h.interval, Event::HealthCheck(s as u32));
        for i in 0..self.services[s].instances.len() as u32 {
            let inst = &mut self.services[s].instances[i as usize];
            // A probe still awaited fails by its own timeout first.
            if inst.life != Life::Serving || inst.probe.pending != 0 {
                continue;
            }
            inst.probe.seq += 1;
            let seq = inst.probe.seq;
            inst.probe.pending = seq;
            let (down, paused) = (inst.health.down, inst.health.paused);
            let timeout = Event::ProbeTimeout(s as u32, i, seq);
            if h.deep && !down {
                self.schedule(self.now + h.timeout, timeout);
                let target = Target {
                    service: ServiceId(s as u32),
                    endpoint: EndpointId(0),
                };
                let asker = Asker::Probe(s as u32, i, seq);
                self.arrive(asker, target, i, self.now + h.timeout, 0, NO_REQUEST);
            } else if down {
                self.probe_result(s, i, seq, false);
            } else if paused {
                self.schedule(self.now + h.timeout, timeout);
            } else {
                self.probe_result(s, i, seq, true);
            }
        }
    }

    /// A deep probe's answer.
    pub(super) fn on_probe_answer(&mut self, s: usize, i: u32, seq: u32, outcome: Outcome) {
        self.probe_result(s, i, seq, outcome.is_success());
    }

    /// A probe's timeout.
    pub(super) fn on_probe_timeout(&mut self, s: usize, i: u32, seq: u32) {
        self.probe_result(s, i, seq, false);
    }

    /// The result of probe `seq` of instance `i`, if it is still awaited.
    fn probe_result(&mut self, s: usize, i: u32, seq: u32, ok: bool) {
        let Some(h) = &self.sc.services[s].lifecycle.health else {
            return;
        };
        let (action, unhealthy, healthy) = (h.action, h.unhealthy, h.healthy);
        let inst = &mut self.services[s].instances[i as usize];
        if inst.probe.pending != seq || seq == 0 {
            return;
        }
        let p = &mut inst.probe;
        p.pending = 0;
        if ok {
            p.passes += 1;
            p.fails = 0;
        } else {
            p.fails += 1;
            p.passes = 0;
        }
        let (fails, passes) = (p.fails, p.passes);
        if inst.unready && passes >= healthy {
            inst.unready = false;
            self.life_fact(s, i, LifeFact::Readmitted);
        } else if fails >= unhealthy && !inst.unready {
            match action {
                HealthAction::Remove => {
                    inst.unready = true;
                    self.life_fact(s, i, LifeFact::Removed);
                }
                HealthAction::Restart => self.restart(s, i),
            }
        }
    }
}
