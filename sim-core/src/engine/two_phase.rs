//! Two-phase commit, for contrast with sagas: the coordinator (the saga's
//! node) asks every step's endpoint to prepare, all at once, each call
//! through the step's policies. A participant whose prepare succeeds holds
//! one worker of its instance — a lock it cannot serve anything else with
//! — until the decision. When every step has voted yes the coordinator
//! commits: the holds are released and the steps' effects apply. A prepare
//! that fails (after its retries) aborts all: the holds are released and
//! nothing applies. The decision reaches the participants at once.
//!
//! A crashed coordinator loses the votes on their way to it, and the
//! prepared participants stay blocked, their workers held, until it
//! restarts: it then learns the votes of the participants that hold a
//! prepare, prepares the others again, and decides. A paused one holds the
//! votes it gets until it resumes. Nothing is compensated, so a two-phase
//! saga never ends inconsistent; what it pays is the held workers.

use super::call::Origin;
use super::event::{Handle, Outcome};
use super::saga::Phase;
use super::service::Asker;
use super::Simulation;
use crate::scenario::model::{Cause, SagaMode};
use crate::time::SimTime;

/// A worker a prepared participant holds: service, instance, since when.
#[derive(Clone, Copy, Debug)]
struct Hold {
    service: u32,
    instance: u32,
    since: SimTime,
}

/// The coordinator's record of one run's transaction.
#[derive(Clone, Debug)]
pub struct Txn {
    saga: u32,
    /// Per step: the yes vote reached the coordinator.
    votes: Vec<bool>,
    /// Per step: the worker its prepare holds.
    holds: Vec<Option<Hold>>,
}

/// The workers a saga's participants hold for prepared transactions.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeldWorkers {
    now: u64,
    /// The most held at once.
    pub max: u64,
    /// Worker-nanoseconds held over the measured part of the run, by
    /// holds already released.
    released_ns: u128,
}

impl Simulation {
    /// Asks every step of run `h` to prepare.
    pub(super) fn prepare_all(&mut self, h: Handle) {
        let g = self.runs[h.key as usize].saga as usize;
        let n = self.sc.sagas[g].steps.len();
        self.txns.insert(
            h.uid,
            Txn {
                saga: g as u32,
                votes: vec![false; n],
                holds: vec![None; n],
            },
        );
        for step in 0..n as u32 {
            self.prepare(h, step);
        }
    }

    /// Sends the prepare of step `step` of run `h`.
    fn prepare(&mut self, h: Handle, step: u32) {
        self.runs[h.key as usize].step = step;
        self.call_step(h);
    }

    /// Work that instance `instance` of service `s` did for `asker`
    /// succeeded: if it is a two-phase prepare, the participant holds a
    /// worker until the decision (once per run and step, and not once the
    /// run is decided), and the effect waits for the commit. Returns
    /// whether it was a prepare.
    pub(super) fn prepare_held(&mut self, asker: Asker, s: usize, instance: u32) -> bool {
        let Asker::Call { exchange, .. } = asker else {
            return false;
        };
        let x = self.exchanges.get(exchange.key as usize);
        let Some(Origin::Saga {
            run, step, undo, ..
        }) = x.filter(|x| x.uid == exchange.uid).map(|x| x.origin)
        else {
            return false;
        };
        let g = self.runs.get(run.key as usize).filter(|r| r.uid == run.uid);
        let g = g.map(|r| (r.saga as usize, r.is_over()));
        let Some((g, over)) = g.filter(|(g, _)| self.sc.sagas[*g].mode == SagaMode::TwoPhase)
        else {
            return false;
        };
        let Some(txn) = self.txns.get_mut(&run.uid) else {
            return true;
        };
        let slot = &mut txn.holds[step as usize];
        if over || undo || slot.is_some() {
            return true;
        }
        *slot = Some(Hold {
            service: s as u32,
            instance,
            since: self.now,
        });
        self.services[s].instances[instance as usize].claimed += 1;
        let held = &mut self.held_workers[g];
        held.now += 1;
        held.max = held.max.max(held.now);
        true
    }

    /// The answer to the prepare of step `step` of run `h`, sent in the
    /// coordinator's `generation`: a yes vote, or a failure that aborts.
    pub(super) fn on_vote(&mut self, h: Handle, step: u32, generation: u32, outcome: Outcome) {
        let run = &self.runs[h.key as usize];
        let g = run.saga as usize;
        if generation != self.saga_generation[g] || run.is_over() {
            return; // lost in a crash of the coordinator, or decided already
        }
        if self.saga_paused[g] {
            return self.saga_held[g].push((h, step, false, generation, outcome));
        }
        if !outcome.is_success() {
            self.saga_steps[g][step as usize].count(false, true);
            return self.decide(h, false);
        }
        let Some(txn) = self.txns.get_mut(&h.uid) else {
            return;
        };
        txn.votes[step as usize] = true;
        if txn.votes.iter().all(|v| *v) {
            self.decide(h, true);
        }
    }

    /// The coordinator of run `h` restarted: the participants that hold a
    /// prepare tell it their vote, the others are asked again.
    pub(super) fn resume_txn(&mut self, h: Handle) {
        let Some(txn) = self.txns.get_mut(&h.uid) else {
            return;
        };
        let mut missing = Vec::new();
        for (step, (vote, hold)) in txn.votes.iter_mut().zip(&txn.holds).enumerate() {
            *vote |= hold.is_some();
            if !*vote {
                missing.push(step as u32);
            }
        }
        if missing.is_empty() {
            return self.decide(h, true);
        }
        for step in missing {
            self.prepare(h, step);
        }
    }

    /// Commits (`commit`) or aborts run `h`: the holds are released, and a
    /// commit applies each step's effect once.
    fn decide(&mut self, h: Handle, commit: bool) {
        let Some(txn) = self.txns.remove(&h.uid) else {
            return;
        };
        let g = self.runs[h.key as usize].saga as usize;
        for hold in txn.holds.iter().flatten() {
            self.release_hold(g, *hold);
        }
        if !commit {
            return self.end_saga(h, Phase::Compensated, Outcome::Failed(Cause::Error));
        }
        let counted = self.runs[h.key as usize].counted;
        for (step, hold) in txn.holds.iter().enumerate() {
            let t = self.sc.sagas[g].steps[step].call;
            let s = t.service.0 as usize;
            // The effect of the version of the instance that prepared it.
            let new = hold.is_some_and(|h| self.services[s].instances[h.instance as usize].version);
            let effect = self.effects.of(s, new, t.endpoint.0 as usize);
            if let Some(effect) = effect {
                self.saga_effect(h, step as u32, false);
                if counted {
                    self.effects.stats[effect as usize].applied += 1;
                }
            }
        }
        self.end_saga(h, Phase::Completed, Outcome::Ok);
    }

    /// A participant of saga `g` learns the decision: its worker is free.
    fn release_hold(&mut self, g: usize, hold: Hold) {
        let (s, i) = (hold.service as usize, hold.instance);
        self.services[s].instances[i as usize].claimed -= 1;
        let measured = self.measured_ns(hold.since, self.now);
        let held = &mut self.held_workers[g];
        held.now -= 1;
        held.released_ns += measured;
        self.start_next(s, i);
    }

    /// The part of `[from, to)` after warmup, in nanoseconds.
    fn measured_ns(&self, from: SimTime, to: SimTime) -> u128 {
        u128::from(to.0.saturating_sub(from.0.max(self.warmup.0)))
    }

    /// Worker-seconds held by saga `g`'s participants over the measured
    /// part of the run, counting the holds not yet released up to now.
    pub(super) fn held_worker_seconds(&self, g: usize) -> f64 {
        let ongoing: u128 = (self.txns.values())
            .filter(|t| t.saga as usize == g)
            .flat_map(|t| t.holds.iter().flatten())
            .map(|hold| self.measured_ns(hold.since, self.now))
            .sum();
        (self.held_workers[g].released_ns + ongoing) as f64 / 1e9
    }
}
