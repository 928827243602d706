//! Deployments: a new version of a service rolled out during the run.
//! `rolling` drains `batch` old instances a step and starts each again, same
//! id, as the new version (a capacity dip of `batch` for drain plus
//! `startup`); `canary` starts new instances and sends them the share
//! `steps[k]` of the traffic at step k, draining the old set a step after
//! the last (once the new set had time to start);
//! `blue_green` starts a full new set, switches all traffic to it a step
//! later and drains the old set a step after that. Each `window` the new
//! version's requests of that window are judged, and a threshold exceeded
//! rolls the deployment back at once.

use super::event::{Event, Outcome};
use super::histogram::Hist;
use super::service::Life;
use super::Simulation;
use crate::report::{DeployReport, VersionCounts};
use crate::scenario::model::Strategy;
use crate::time::{SimDuration, SimTime};

/// The state of one deployment.
#[derive(Clone, Debug, Default)]
pub struct DeployState {
    /// Steps taken so far, and when (at most one per step of the
    /// strategy, or per batch of instances).
    pub steps_done: u32,
    steps_at: Vec<SimTime>,
    /// No more steps: finished or rolled back.
    pub over: bool,
    pub rolled_back_at: Option<SimTime>,
    /// Requests and failures served by the old and the new version, after
    /// warmup.
    pub versions: [VersionCounts; 2],
    /// The new version's requests, failures and latencies in the window
    /// being judged.
    window: (u64, u64, Hist),
}

impl Simulation {
    /// Schedules the first step of every deployment.
    pub(super) fn schedule_deploys(&mut self) {
        for (d, deploy) in self.sc.deploys.iter().enumerate() {
            self.deploy_of[deploy.service.0 as usize] = Some(d as u32);
            if deploy.at < self.end {
                self.queue.push(deploy.at, Event::DeployStep(d as u32));
            }
        }
    }

    /// The next step of deployment `d`.
    pub(super) fn on_deploy_step(&mut self, d: u32) {
        let dep = self.sc.deploys[d as usize].clone();
        if self.deploys[d as usize].over {
            return;
        }
        let s = dep.service.0 as usize;
        let step = self.deploys[d as usize].steps_done;
        if step == 0 {
            if let Some(r) = &dep.rollback {
                self.schedule(self.now + r.window, Event::DeployJudge(d));
            }
        }
        let n = self.sc.services[s].instances;
        // A canary's last step is followed, a step later, by the drain of
        // the old set: not a step of its own.
        let drain = dep.strategy == Strategy::Canary && step as usize == dep.steps.len();
        if !drain {
            self.deploys[d as usize].steps_done += 1;
            self.deploys[d as usize].steps_at.push(self.now);
        }
        let last = match dep.strategy {
            Strategy::Rolling => {
                let old = self.of_version(s, false);
                let batch: Vec<u32> = old.iter().copied().take(dep.batch as usize).collect();
                for i in &batch {
                    self.replace(s, *i, true);
                }
                batch.len() == old.len()
            }
            Strategy::Canary if drain => {
                self.drain_version(s, false);
                true
            }
            Strategy::Canary => {
                let share = dep.steps[step as usize];
                self.services[s].set_share(share);
                let want = libm::ceil(f64::from(n) * share).max(1.0) as u32;
                let have = self.of_version(s, true).len() as u32;
                for _ in have..want {
                    let i = self.start_instance(s);
                    self.services[s].instances[i as usize].version = true;
                }
                false
            }
            Strategy::BlueGreen => {
                match step {
                    0 => {
                        self.services[s].set_share(0.0);
                        for _ in 0..n {
                            let i = self.start_instance(s);
                            self.services[s].instances[i as usize].version = true;
                        }
                    }
                    1 => self.services[s].set_share(1.0),
                    _ => self.drain_version(s, false),
                }
                step >= 2
            }
        };
        if last {
            self.deploys[d as usize].over = true;
            // From now on, instances started (by an autoscaler) run it.
            self.services[s].current_version = true;
        } else {
            self.schedule(self.now + dep.step_every, Event::DeployStep(d));
        }
    }

    /// The live instances of `s` of the new version (or the old), not
    /// already being replaced, by id.
    fn of_version(&self, s: usize, new: bool) -> Vec<u32> {
        let instances = &self.services[s].instances;
        (0..instances.len() as u32)
            .filter(|i| {
                let x = &instances[*i as usize];
                x.version == new
                    && x.replace_as.is_none()
                    && matches!(x.life, Life::Starting | Life::Serving)
            })
            .collect()
    }

    /// Instance `i` of `s` drains, then starts again as version `new`.
    fn replace(&mut self, s: usize, i: u32, new: bool) {
        self.services[s].instances[i as usize].replace_as = Some(new);
        self.drain(s, i);
    }

    /// Drains every live instance of `s` of the new version (or the old).
    fn drain_version(&mut self, s: usize, new: bool) {
        for i in self.of_version(s, new) {
            self.drain(s, i);
        }
    }

    /// Judges deployment `d`'s last window, and rolls it back if the new
    /// version exceeded a threshold there.
    pub(super) fn on_deploy_judge(&mut self, d: u32) {
        let dep = &self.sc.deploys[d as usize];
        let Some(r) = dep.rollback.clone() else {
            return;
        };
        let state = &mut self.deploys[d as usize];
        if state.over {
            return;
        }
        let (requests, failures, hist) = std::mem::take(&mut state.window);
        let bad_errors = r
            .error_rate
            .is_some_and(|max| requests > 0 && failures as f64 / requests as f64 > max);
        let bad_latency = r
            .p99
            .is_some_and(|max| hist.count() > 0 && hist.quantile_ms(0.99) > max.as_millis_f64());
        if bad_errors || bad_latency {
            return self.roll_back(d);
        }
        self.schedule(self.now + r.window, Event::DeployJudge(d));
    }

    /// Rolls deployment `d` back: traffic returns to the old version and
    /// the new instances drain (a rolling deployment replaces them again,
    /// as the old version).
    fn roll_back(&mut self, d: u32) {
        let dep = self.sc.deploys[d as usize].clone();
        let s = dep.service.0 as usize;
        let state = &mut self.deploys[d as usize];
        state.over = true;
        state.rolled_back_at = Some(self.now);
        match dep.strategy {
            Strategy::Rolling => {
                for x in &mut self.services[s].instances {
                    if x.replace_as == Some(true) {
                        x.replace_as = Some(false);
                    }
                }
                for i in self.of_version(s, true) {
                    self.replace(s, i, false);
                }
            }
            Strategy::Canary | Strategy::BlueGreen => {
                self.services[s].set_share(0.0);
                self.drain_version(s, true);
            }
        }
    }

    /// A request served (or turned away) by instance `i` of `s` ended with
    /// `outcome` after `latency`; `counted` after warmup.
    pub(super) fn version_fact(
        &mut self,
        s: usize,
        i: u32,
        outcome: Outcome,
        latency: SimDuration,
        counted: bool,
    ) {
        let Some(d) = self.deploy_of[s] else {
            return;
        };
        let new = self.services[s].instances[i as usize].version;
        let state = &mut self.deploys[d as usize];
        let failed = !outcome.is_success();
        if counted {
            let windows = self
                .series
                .as_mut()
                .map(|series| &mut series.deploys[d as usize].open);
            for v in std::iter::once(&mut state.versions).chain(windows) {
                v[usize::from(new)].requests += 1;
                v[usize::from(new)].failures += u64::from(failed);
            }
        }
        if new {
            state.window.0 += 1;
            state.window.1 += u64::from(failed);
            state.window.2.record(latency);
        }
    }

    /// The summary of every deployment, by service.
    pub(super) fn deploy_reports(&self) -> indexmap::IndexMap<String, DeployReport> {
        self.sc
            .deploys
            .iter()
            .zip(&self.deploys)
            .map(|(dep, state)| {
                let name = self.sc.services[dep.service.0 as usize].name.clone();
                let report = DeployReport {
                    strategy: dep.strategy.name(),
                    steps_done: state.steps_done,
                    steps_at_s: state.steps_at.iter().map(|t| t.as_secs_f64()).collect(),
                    rolled_back_at_s: state.rolled_back_at.map(|t| t.as_secs_f64()),
                    old: state.versions[0],
                    new: state.versions[1],
                };
                (name, report)
            })
            .collect()
    }
}
