//! Orchestrated sagas: an orchestrator runs a saga's steps in order, each a
//! call through the step's policies; when a step before the pivot fails
//! for good, it compensates the steps done so far in reverse order, each
//! compensation retried until it succeeds; steps after the pivot are
//! retried until they succeed.
//!
//! The orchestrator keeps a durable log (the run records here): when it
//! crashes, the answers of the calls it had out are lost, and when it
//! restarts every saga resumes from its last logged step, whose call is
//! sent again. Each step call carries the idempotency key (saga run, step,
//! forward or compensation), so a participant's `dedup` absorbs the resend.
//!
//! A step whose call timed out may still have applied downstream: it is
//! compensated too. A compensation of a step that never applied is a
//! no-op, counted. When a saga and all the copies of its calls are over,
//! its effects are checked: a completed saga applied each step's effect
//! once; a compensated one undid exactly what it applied. Anything else —
//! a double charge, a compensation applied twice, a step applied after its
//! compensation — makes it `inconsistent`.

use super::call::Origin;
use super::event::{Event, Handle, Outcome};
use super::record::SagaFact;
use super::Simulation;
use crate::scenario::model::{Cause, SagaMode, Target};
use crate::time::{SimDuration, SimTime};

/// How long an orchestrator waits before it calls a step again that must
/// succeed (after the pivot) or a compensation that failed.
pub const SAGA_RETRY: SimDuration = SimDuration(1_000_000_000);

/// An answer a paused orchestrator holds until it resumes: the run, the
/// step, whether it was a compensation, the generation, the outcome.
pub type HeldAnswer = (Handle, u32, bool, u32, Outcome);

/// Where a saga run is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Forward,
    Compensating,
    Completed,
    Compensated,
}

/// One saga run, the orchestrator's durable log of it.
#[derive(Clone, Debug)]
pub struct SagaRun {
    pub uid: u64,
    pub saga: u32,
    /// The client request that started it, which ends with it.
    pub(super) request: Handle,
    pub started: SimTime,
    pub counted: bool,
    pub key: u64,
    pub phase: Phase,
    /// The step being done, or compensated (two-phase: prepared next).
    pub step: u32,
    /// Bumped when the orchestrator crashes: answers to older calls are lost.
    generation: u32,
    /// Per step: its call may have applied (it succeeded, or timed out).
    maybe: Vec<bool>,
    /// Per step: applications of its effect, and of its compensation's.
    pub applied: Vec<u32>,
    pub undone: Vec<u32>,
    /// Its calls whose exchange records (or event messages) still live:
    /// late copies may apply.
    pub live: u32,
}

impl SagaRun {
    /// Completed or compensated.
    pub fn is_over(&self) -> bool {
        matches!(self.phase, Phase::Completed | Phase::Compensated)
    }
}

/// The idempotency key of a saga run's call: one per run, step and
/// direction, the same for every resend.
pub fn step_key(run: u64, step: u32, undo: bool) -> u64 {
    run.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (u64::from(step) << 1 | u64::from(undo))
}

impl Simulation {
    /// A client's request `r` starts a run of saga `g`.
    pub(super) fn start_saga(&mut self, g: usize, r: Handle, key: u64) {
        if self.saga_down[g] {
            // A crashed orchestrator has no log to write: no saga starts,
            // and the request is refused.
            return self.on_request_result(r, Outcome::Failed(Cause::Refused));
        }
        let counted = self.now >= self.warmup;
        let n = self.sc.sagas[g].steps.len();
        let uid = self.uid();
        let run = self.runs.insert(SagaRun {
            uid,
            saga: g as u32,
            request: r,
            started: self.now,
            counted,
            key,
            phase: Phase::Forward,
            step: 0,
            generation: self.saga_generation[g],
            maybe: vec![false; n],
            applied: vec![0; n],
            undone: vec![0; n],
            live: 0,
        }) as u32;
        self.saga_fact(g, self.now, counted, SagaFact::Started);
        let h = Handle { key: run, uid };
        self.view_saga_start(h, g, key);
        match self.sc.sagas[g].mode {
            SagaMode::Orchestration => self.call_step(h),
            SagaMode::Choreography => self.publish_event(h, 0, false, None),
            SagaMode::TwoPhase => self.prepare_all(h),
        }
    }

    /// Calls the current step (or compensation) of run `h`.
    pub(super) fn call_step(&mut self, h: Handle) {
        let run = &self.runs[h.key as usize];
        let (g, step, key, counted) = (run.saga as usize, run.step, run.key, run.counted);
        let undo = run.phase == Phase::Compensating;
        let generation = self.saga_generation[g];
        self.runs[h.key as usize].generation = generation;
        if self.saga_down[g] {
            return; // resumed from the log when the orchestrator restarts
        }
        let (call, compensate) = self.saga_sites[g][step as usize];
        let site = if undo {
            compensate.unwrap_or(call)
        } else {
            call
        };
        if counted {
            self.saga_steps[g][step as usize].count(undo, false);
        }
        self.runs[h.key as usize].live += 1;
        self.view_step_start(h, step, undo);
        let origin = Origin::Saga {
            run: h,
            step,
            undo,
            generation,
        };
        let request = self.runs[h.key as usize].request.uid;
        self.start_exchange(origin, site, 0, None, false, key, request);
    }

    /// The call of step `step` (its compensation if `undo`) of run `h`
    /// ended with `outcome`.
    pub(super) fn on_step_result(
        &mut self,
        h: Handle,
        step: u32,
        undo: bool,
        generation: u32,
        outcome: Outcome,
    ) {
        let Some(run) = self.runs.get(h.key as usize).filter(|r| r.uid == h.uid) else {
            return;
        };
        let (g, counted) = (run.saga as usize, run.counted);
        if self.sc.sagas[g].mode == SagaMode::TwoPhase {
            return self.on_vote(h, step, generation, outcome);
        }
        let current = run.step == step && (run.phase == Phase::Compensating) == undo;
        if generation != self.saga_generation[g] || !current {
            return; // the orchestrator crashed since: this answer is lost
        }
        if self.saga_paused[g] {
            return self.saga_held[g].push((h, step, undo, generation, outcome));
        }
        self.view_step_result(h, outcome);
        let failed = !outcome.is_success();
        if failed && counted {
            self.saga_steps[g][step as usize].count(undo, true);
        }
        if undo {
            return if failed {
                self.schedule_saga_retry(h)
            } else {
                self.compensate_next(h)
            };
        }
        let timed_out = outcome == Outcome::Failed(Cause::Timeout);
        let run = &mut self.runs[h.key as usize];
        run.maybe[step as usize] |= !failed || timed_out;
        let steps = &self.sc.sagas[g].steps;
        if !failed {
            if step as usize + 1 == steps.len() {
                return self.end_saga(h, Phase::Completed, Outcome::Ok);
            }
            self.runs[h.key as usize].step += 1;
            return self.call_step(h);
        }
        let past_pivot = steps[..step as usize].iter().any(|s| s.pivot);
        if past_pivot {
            return self.schedule_saga_retry(h);
        }
        self.runs[h.key as usize].phase = Phase::Compensating;
        self.compensate_from(h, step as i64);
    }

    /// Compensates, from step `from` down, the next step that may have
    /// applied and can be undone; with none left the saga is compensated.
    fn compensate_from(&mut self, h: Handle, from: i64) {
        let run = &self.runs[h.key as usize];
        let g = run.saga as usize;
        let steps = &self.sc.sagas[g].steps;
        let next = (0..=from)
            .rev()
            .find(|&i| run.maybe[i as usize] && steps[i as usize].compensate.is_some());
        match next {
            Some(i) => {
                self.runs[h.key as usize].step = i as u32;
                self.call_step(h);
            }
            None => self.end_saga(h, Phase::Compensated, Outcome::Failed(Cause::Error)),
        }
    }

    /// The current compensation succeeded: the one below it is next.
    fn compensate_next(&mut self, h: Handle) {
        let step = i64::from(self.runs[h.key as usize].step);
        self.compensate_from(h, step - 1);
    }

    /// Calls the current step of `h` again after [`SAGA_RETRY`].
    fn schedule_saga_retry(&mut self, h: Handle) {
        let generation = self.runs[h.key as usize].generation;
        self.schedule(self.now + SAGA_RETRY, Event::SagaRetry(h, generation));
    }

    /// The retry timer of `h` (set in `generation`) fired.
    pub(super) fn on_saga_retry(&mut self, h: Handle, generation: u32) {
        let Some(run) = self.runs.get(h.key as usize).filter(|r| r.uid == h.uid) else {
            return;
        };
        if run.generation == generation && !run.is_over() {
            self.call_step(h);
        }
    }

    /// Run `h` is over: its request ends with `outcome`; its effects are
    /// checked once its calls' last copies are done.
    pub(super) fn end_saga(&mut self, h: Handle, phase: Phase, outcome: Outcome) {
        let run = &mut self.runs[h.key as usize];
        run.phase = phase;
        let (g, started, counted, request) =
            (run.saga as usize, run.started, run.counted, run.request);
        let fact = if phase == Phase::Completed {
            SagaFact::Completed
        } else {
            SagaFact::Compensated
        };
        self.saga_fact(g, started, counted, fact);
        self.view_saga_end(h, phase == Phase::Completed, outcome);
        self.on_request_result(request, outcome);
        self.finish_run_if_done(h);
    }

    /// An exchange of run `h` is gone: no copy of its call can apply now.
    pub(super) fn step_exchange_gone(&mut self, h: Handle) {
        if let Some(run) = self.runs.get_mut(h.key as usize).filter(|r| r.uid == h.uid) {
            run.live -= 1;
            self.finish_run_if_done(h);
        }
    }

    /// Checks and forgets run `h` once it is over and none of its calls lives.
    fn finish_run_if_done(&mut self, h: Handle) {
        let run = &self.runs[h.key as usize];
        if !run.is_over() || run.live > 0 {
            return;
        }
        let run = self.runs.remove(h.key as usize);
        self.check_balance(&run);
    }

    /// Counts `run` inconsistent if its effects do not balance.
    fn check_balance(&mut self, run: &SagaRun) {
        if self.unbalanced(run) {
            self.saga_fact(
                run.saga as usize,
                run.started,
                run.counted,
                SagaFact::Inconsistent,
            );
        }
    }

    /// Whether the effects of `run`, which is over, do not balance: a
    /// completed saga applied each step's effect once and undid nothing; a
    /// compensated one undid what it applied of each step it can undo.
    pub(super) fn unbalanced(&self, run: &SagaRun) -> bool {
        let g = run.saga as usize;
        let with_effect = |t: Target| {
            self.effects
                .any(t.service.0 as usize, t.endpoint.0 as usize)
        };
        let steps = &self.sc.sagas[g].steps;
        !steps.iter().enumerate().all(|(i, s)| {
            let (done, undone) = (run.applied[i], run.undone[i]);
            match run.phase {
                Phase::Completed => !with_effect(s.call) || (done == 1 && undone == 0),
                _ => !with_effect(s.call) || s.compensate.is_none() || done == undone,
            }
        })
    }

    /// Step `step` of run `h` applied its effect (`undo`: its compensation
    /// did): whether the run had applied it already (a resend after a
    /// crash: a duplicate), or `None` when a compensation must be a no-op
    /// because its step never applied (so far: a step applied after its
    /// compensation leaves the run unbalanced). A second compensation of a
    /// step applied once applies again, as a refund does twice.
    pub(super) fn saga_effect(&mut self, h: Handle, step: u32, undo: bool) -> Option<bool> {
        let Some(run) = self.runs.get_mut(h.key as usize).filter(|r| r.uid == h.uid) else {
            return Some(false);
        };
        let i = step as usize;
        if undo && run.applied[i] == 0 {
            let (g, started, counted) = (run.saga as usize, run.started, run.counted);
            self.saga_fact(g, started, counted, SagaFact::WithoutEffect);
            return None;
        }
        let times = if undo {
            &mut run.undone[i]
        } else {
            &mut run.applied[i]
        };
        *times += 1;
        Some(*times > 1)
    }

    /// Saga `g`'s orchestrator crashed (`down`) or restarted. The answers
    /// to its calls in flight are lost; back up, every run resumes from
    /// its log.
    pub(super) fn refresh_saga(&mut self, g: usize, down: bool, paused: bool) {
        let was_down = self.saga_down[g];
        self.saga_down[g] = down;
        self.saga_paused[g] = paused && !down;
        if down && !was_down {
            self.saga_generation[g] += 1;
            self.view_saga_crash(g);
        }
        if !down && was_down {
            self.saga_generation[g] += 1;
            let runs: Vec<Handle> = self
                .runs
                .iter()
                .filter(|(_, r)| r.saga as usize == g && !r.is_over())
                .map(|(k, r)| Handle {
                    key: k as u32,
                    uid: r.uid,
                })
                .collect();
            for h in runs {
                match self.sc.sagas[g].mode {
                    SagaMode::TwoPhase => self.resume_txn(h),
                    _ => self.call_step(h),
                }
            }
        }
        if !self.saga_paused[g] {
            let held = std::mem::take(&mut self.saga_held[g]);
            for (h, step, undo, generation, outcome) in held {
                self.on_step_result(h, step, undo, generation, outcome);
            }
        }
    }
}
