//! Instances that come and go: started (paying `startup`), serving,
//! draining, stopped. Ids are stable, so faults on `svc#i` keep meaning the
//! instance with id `i`; a new instance takes the lowest free id, like a
//! StatefulSet's ordinal, and memory follows the most instances at once.

use super::event::Event;
use super::record::LifeFact;
use super::service::Life;
use super::trace::{Kind, Link};
use super::Simulation;

impl Simulation {
    /// Schedules the first health checks, autoscaler decisions and
    /// deployment steps.
    pub(super) fn schedule_lifecycle(&mut self) {
        for (s, svc) in self.sc.services.iter().enumerate() {
            let life = &svc.lifecycle;
            if let Some(h) = &life.health {
                self.queue.push(
                    (self.now + h.interval).min(self.end),
                    Event::HealthCheck(s as u32),
                );
            }
            if let Some(a) = &life.autoscale {
                self.queue.push(
                    (self.now + a.interval).min(self.end),
                    Event::Autoscale(s as u32),
                );
            }
        }
        self.schedule_deploys();
    }

    /// Starts a new instance of service `s` (it pays `startup`); returns its id.
    pub(super) fn start_instance(&mut self, s: usize) -> u32 {
        let i = self.services[s].add_instance();
        self.life_fact(s, i, LifeFact::Started);
        // The faults active on the service (or on this id) strike it too.
        self.refresh_instance(s, i);
        self.begin_startup(s, i);
        i
    }

    /// Instance `i` of `s` starts up: it serves after `startup`.
    pub(super) fn begin_startup(&mut self, s: usize, i: u32) {
        let inst = &mut self.services[s].instances[i as usize];
        inst.life = Life::Starting;
        inst.generation += 1;
        inst.unready = false;
        inst.probe.reset();
        let generation = inst.generation;
        let at = self.now + self.sc.services[s].lifecycle.startup;
        self.schedule(at, Event::Ready(s as u32, i, generation));
        self.instances_changed(s);
    }

    /// Instance `i` of `s` is done starting, unless that life has ended.
    pub(super) fn on_ready(&mut self, s: usize, i: u32, generation: u32) {
        let inst = &mut self.services[s].instances[i as usize];
        if inst.generation != generation || inst.life != Life::Starting {
            return;
        }
        inst.life = Life::Serving;
        self.instances_changed(s);
        self.start_next(s, i);
    }

    /// A restart (a liveness failure): what the instance holds fails at
    /// once, as in a crash, and it starts up again.
    pub(super) fn restart(&mut self, s: usize, i: u32) {
        self.life_fact(s, i, LifeFact::Restarted);
        let inst = &mut self.services[s].instances[i as usize];
        inst.generation += 1;
        inst.probe.reset();
        self.crash(s, i);
        self.begin_startup(s, i);
    }

    /// Instance `i` of `s` leaves the balancer and stops once it has
    /// finished what it holds.
    pub(super) fn drain(&mut self, s: usize, i: u32) {
        self.services[s].instances[i as usize].life = Life::Draining;
        self.instances_changed(s);
        self.drained_maybe(s, i);
    }

    /// A draining instance that holds nothing more stops.
    pub(super) fn drained_maybe(&mut self, s: usize, i: u32) {
        let inst = &mut self.services[s].instances[i as usize];
        let idle = inst.jobs == 0 && inst.busy == 0 && inst.claimed == 0;
        if inst.life != Life::Draining || !idle {
            return;
        }
        if let Some(version) = inst.replace_as.take() {
            inst.version = version;
            self.life_fact(s, i, LifeFact::Replaced);
            return self.begin_startup(s, i);
        }
        inst.life = Life::Stopped;
        inst.generation += 1;
        self.life_fact(s, i, LifeFact::Stopped);
        self.instances_changed(s);
    }

    /// The instances of `s` changed: capacity and counts go to the
    /// utilization integrators and the probes; queue partitions move to
    /// the instances that are up.
    fn instances_changed(&mut self, s: usize) {
        let (now, capacity, live) = (
            self.now,
            self.services[s].capacity(),
            self.services[s].live(),
        );
        self.busy[s].set_capacity(now, capacity);
        self.services[s].track_capacity(now);
        if let Some(series) = &mut self.series {
            series.services[s].busy.set_capacity(now, capacity);
        }
        if let Some(scaler) = &mut self.scalers[s] {
            scaler.busy.set_capacity(now, capacity);
        }
        // The most at once after warmup, starting from the count at warmup.
        let most = &mut self.lives[s].max_instances;
        *most = if now >= self.warmup {
            (*most).max(live)
        } else {
            live
        };
        for p in &self.service_probes[s] {
            self.probes[*p as usize].on_instances(now, capacity, live);
        }
        self.rebalance(s);
    }

    /// A lifecycle fact of instance `i` of service `s`, counted after
    /// warmup, and traced as an instant.
    pub(super) fn life_fact(&mut self, s: usize, i: u32, fact: LifeFact) {
        if self.now < self.warmup {
            return;
        }
        self.lives[s].apply(fact);
        if let Some(series) = &mut self.series {
            series.services[s].life.apply(fact);
        }
        if self.trace.is_some() {
            let name = self.sc.services[s].name.clone();
            let link = Link::default();
            self.record_span(Kind::Life, &name, Some(i), self.now, fact.name(), link);
        }
    }
}
