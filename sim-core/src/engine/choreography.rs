//! Choreographed sagas: no orchestrator calls the steps. Each step's
//! trigger is a message on the saga's queue `SAGA.STEP`, consumed by the
//! step's endpoint like any queue's messages. When the endpoint's work on
//! it succeeds, the participant publishes (through an outbox) the trigger
//! of the next step; the last step's success completes the saga. When it
//! fails, the message is redelivered until the step's `retry.max_attempts`
//! deliveries have failed (after the pivot, and for a compensation, until
//! it succeeds); then the participant publishes the trigger of the
//! compensation of the step before it, on `SAGA.STEP.undo`, and acks. Each
//! compensation's success triggers the one before it; the first step's
//! ends the saga, compensated.
//!
//! The events travel through queues, so redelivery after `ack_timeout`,
//! duplicated publishes and partitions apply to them: a step served twice
//! applies its effect twice, unless its service deduplicates — every copy
//! of a step's trigger carries the saga's idempotency key for that run and
//! step ([`super::saga::step_key`]), so `dedup` absorbs the repeat: the
//! repeat commits nothing, so its outbox stores no event either, and only
//! the copy that committed triggers the next step. Without `dedup`, every
//! copy applies the step and triggers the next. A participant that deduplicates
//! also records the key of a step it declined (failed for good), as an
//! idempotency key stores an error answer: a late copy of that trigger,
//! still at work when the step was declined, is then a repeat and cannot
//! charge a card the saga is refunding. The run record only keeps the
//! accounting (and lets a trigger of a saga already over change nothing).

use super::event::{Handle, Outcome};
use super::saga::{step_key, Phase};
use super::Simulation;
use crate::scenario::model::{Cause, SagaMode, Scenario, Target};

/// What a saga's event message triggers: step `step` of run `run` (its
/// compensation if `undo`), and the deliveries of it that failed so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SagaEvent {
    pub run: Handle,
    pub step: u32,
    pub undo: bool,
    failures: u32,
}

/// The consumer of each queue that carries a choreographed saga's events:
/// the step's endpoint for its trigger, the compensation's for its undo.
pub fn event_consumers(sc: &Scenario) -> Vec<Option<Target>> {
    let mut consumers = vec![None; sc.queues.len()];
    let choreographed = sc.sagas.iter().filter(|g| g.mode == SagaMode::Choreography);
    for g in choreographed {
        for (step, (on, undo)) in g.steps.iter().zip(&g.events) {
            consumers[on.0 as usize] = Some(step.call);
            if let (Some(q), Some(t)) = (undo, step.compensate) {
                consumers[q.0 as usize] = Some(t);
            }
        }
    }
    consumers
}

impl Simulation {
    /// Publishes the trigger of step `step` (`undo`: of its compensation)
    /// of run `h`: from service `from` through its outbox, or, for the
    /// first step, stored by the client's request that starts the saga.
    pub(super) fn publish_event(&mut self, h: Handle, step: u32, undo: bool, from: Option<u32>) {
        let run = &self.runs[h.key as usize];
        let (g, key, request) = (run.saga as usize, run.key, run.request.uid);
        let (on, back) = self.sc.sagas[g].events[step as usize];
        let Some(q) = (if undo { back } else { Some(on) }) else {
            return; // only steps with a compensation are undone
        };
        let env = self.new_envelope(key, request);
        self.envelopes[env.key as usize].saga = Some(SagaEvent {
            run: h,
            step,
            undo,
            failures: 0,
        });
        self.runs[h.key as usize].live += 1;
        match from {
            Some(s) => self.send_publish(q.0, env, s, true),
            None => self.store(q.0 as usize, env),
        }
    }

    /// A delivery of message `env` was served by service `s`, `ok` or not
    /// (a `repeat` its dedup absorbed): returns whether the queue is to be
    /// acked. A saga event's failure is nacked while the step may try
    /// again; its last failure, and every success that committed, publishes
    /// the next trigger; both ack.
    pub(super) fn event_served(&mut self, env: Handle, s: usize, ok: bool, repeat: bool) -> bool {
        let Some(ev) = self.envelopes[env.key as usize].saga else {
            return ok;
        };
        let run = self.runs.get(ev.run.key as usize);
        let Some(run) = run.filter(|r| r.uid == ev.run.uid) else {
            return true;
        };
        let g = run.saga as usize;
        let counts = &mut self.saga_steps[g][ev.step as usize];
        counts.count(ev.undo, false);
        if !ok {
            counts.count(ev.undo, true);
            if self.may_redeliver(g, ev) {
                if let Some(e) = &mut self.envelopes[env.key as usize].saga {
                    e.failures += 1;
                }
                return false;
            }
        }
        if repeat {
            return true;
        }
        if !ok {
            self.remember_declined(s, ev);
        }
        let (h, step, from) = (ev.run, i64::from(ev.step), s as u32);
        let phase = self.runs[h.key as usize].phase;
        match (ev.undo, ok, phase) {
            (false, true, Phase::Forward) => self.step_done(h, ev.step, from),
            (false, false, Phase::Forward) => {
                self.runs[h.key as usize].phase = Phase::Compensating;
                self.undo_from(h, step - 1, from);
            }
            (true, true, Phase::Compensating) => self.undo_from(h, step - 1, from),
            _ => {} // a late copy of a trigger: the saga has moved on
        }
        true
    }

    /// Whether a failed delivery of `ev` (of saga `g`) is to be delivered
    /// again: a compensation and a step after the pivot until they
    /// succeed, any other step for `retry.max_attempts` deliveries in all.
    fn may_redeliver(&self, g: usize, ev: SagaEvent) -> bool {
        let steps = &self.sc.sagas[g].steps;
        let past_pivot = steps[..ev.step as usize].iter().any(|s| s.pivot);
        let attempts =
            (steps[ev.step as usize].policy.retry.as_ref()).map_or(1, |r| r.max_attempts);
        ev.undo || past_pivot || ev.failures + 1 < attempts
    }

    /// Service `s` declined the step of `ev` for good: if it deduplicates,
    /// its processed-keys table records the step's key, so no later copy
    /// applies it.
    fn remember_declined(&mut self, s: usize, ev: SagaEvent) {
        let now = self.now;
        if let Some(table) = &mut self.dedups[s] {
            table.repeat(now, step_key(ev.run.uid, ev.step, ev.undo));
        }
    }

    /// Step `step` of run `h` succeeded at service `from`: the next step's
    /// trigger goes out, or, after the last, the saga is complete.
    fn step_done(&mut self, h: Handle, step: u32, from: u32) {
        let g = self.runs[h.key as usize].saga as usize;
        if step as usize + 1 == self.sc.sagas[g].steps.len() {
            return self.end_saga(h, Phase::Completed, Outcome::Ok);
        }
        self.publish_event(h, step + 1, false, Some(from));
    }

    /// Triggers, from service `from`, the compensation of the highest step
    /// from `from_step` down that has one; with none left the saga is
    /// compensated.
    fn undo_from(&mut self, h: Handle, from_step: i64, from: u32) {
        let g = self.runs[h.key as usize].saga as usize;
        let steps = &self.sc.sagas[g].steps;
        let next = (0..=from_step)
            .rev()
            .find(|&i| steps[i as usize].compensate.is_some());
        match next {
            Some(i) => self.publish_event(h, i as u32, true, Some(from)),
            None => self.end_saga(h, Phase::Compensated, Outcome::Failed(Cause::Error)),
        }
    }
}
