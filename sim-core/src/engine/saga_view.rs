//! What a saga's runs show, when someone watches: in the trace, each run
//! a span with a child per call of a step or of a compensation (and the
//! attempts of each call under it); in the browser, the timelines of the
//! last runs that ended. The orchestrator tells this module when a run
//! starts and ends and when a call starts and is answered; nothing here
//! schedules an event or draws a random number, so watching changes no
//! figure of the run.

use super::call::Origin;
use super::event::{Handle, Outcome};
use super::trace::{outcome_name, Kind, Link, Span, StepCall, Tree};
use super::Simulation;
use crate::time::SimTime;
use indexmap::IndexMap;
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};

/// How many ended runs of each saga and outcome (completed, compensated)
/// the timelines keep.
pub const KEPT_RUNS: usize = 5;

/// The runs being watched, and the timelines kept, if any.
#[derive(Clone, Debug, Default)]
pub struct SagaView {
    /// Runs in progress by uid, while a trace or timelines are on.
    watched: BTreeMap<u64, Watched>,
    /// Per saga, the last runs that ended, oldest first (when kept).
    timelines: Option<Vec<VecDeque<RunTimeline>>>,
}

/// A run in progress as it is watched.
#[derive(Clone, Debug)]
struct Watched {
    saga: u32,
    started: SimTime,
    /// Its span in the trace.
    span: Option<usize>,
    /// The call out now.
    current: Option<Current>,
    /// Calls made so far of each step, forward and compensation.
    made: Vec<[u32; 2]>,
    calls: Vec<CallTimeline>,
}

/// The call of a run out now.
#[derive(Clone, Copy, Debug)]
struct Current {
    step: u32,
    undo: bool,
    call: u32,
    started: SimTime,
    span: Option<usize>,
}

/// One ended run: when, how, and its calls in the order they were made.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunTimeline {
    /// The run's id, as the trace's `message` argument of its span.
    pub run: u64,
    pub started_s: f64,
    pub ended_s: f64,
    /// `completed` or `compensated`.
    pub outcome: &'static str,
    pub calls: Vec<CallTimeline>,
}

/// One call of a step or of a compensation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CallTimeline {
    pub step: u32,
    /// `service.endpoint`.
    pub endpoint: String,
    pub compensation: bool,
    /// 1 for the first call of this step (or compensation), 2 for the next...
    pub call: u32,
    pub start_s: f64,
    pub end_s: f64,
    /// `ok`, a failure's cause, or `lost` (the orchestrator crashed meanwhile).
    pub outcome: &'static str,
}

impl Simulation {
    /// Keeps the timelines of the last [`KEPT_RUNS`] completed and
    /// compensated runs of each saga from now on.
    pub fn keep_saga_timelines(&mut self) {
        self.saga_view.timelines = Some(vec![VecDeque::new(); self.sc.sagas.len()]);
    }

    /// The kept timelines of each saga by name, in the order the runs
    /// ended (none unless [`Self::keep_saga_timelines`] was called).
    pub fn saga_timelines(&self) -> IndexMap<String, Vec<RunTimeline>> {
        let kept = self.saga_view.timelines.as_ref();
        self.sc
            .sagas
            .iter()
            .enumerate()
            .map(|(g, saga)| {
                let runs = kept.and_then(|t| t.get(g)).into_iter().flatten();
                (saga.name.clone(), runs.cloned().collect())
            })
            .collect()
    }

    /// Whether anything watches saga runs.
    fn watching(&self) -> bool {
        self.trace.is_some() || self.saga_view.timelines.is_some()
    }

    /// Run `h` of saga `g`, with request key `key`, starts now.
    pub(super) fn view_saga_start(&mut self, h: Handle, g: usize, key: u64) {
        if !self.watching() {
            return;
        }
        let name = self.sc.sagas[g].name.clone();
        let link = Link {
            key: Some(key),
            message: Some(h.uid),
            ..Link::of(self.runs[h.key as usize].request.uid)
        };
        let tree = Some(Tree {
            root: None,
            parent: None,
            label: String::new(),
            call: None,
        });
        let span = self.begin_span(Span {
            kind: Kind::Saga,
            node: name,
            instance: None,
            start: self.now,
            end: self.now,
            outcome: "",
            tree,
            link,
            open: true,
        });
        let watched = Watched {
            saga: g as u32,
            started: self.now,
            span,
            current: None,
            made: vec![[0; 2]; self.sc.sagas[g].steps.len()],
            calls: Vec::new(),
        };
        self.saga_view.watched.insert(h.uid, watched);
    }

    /// Saga `g`'s orchestrator crashed: the answers of the calls its runs
    /// have out are lost, and so are the calls, as far as it knows.
    pub(super) fn view_saga_crash(&mut self, g: usize) {
        let out: Vec<u64> = self
            .saga_view
            .watched
            .iter()
            .filter(|(_, w)| w.saga as usize == g && w.current.is_some())
            .map(|(&uid, _)| uid)
            .collect();
        for uid in out {
            self.view_step_end(uid, "lost");
        }
    }

    /// Run `h` calls step `step` (its compensation if `undo`) now.
    pub(super) fn view_step_start(&mut self, h: Handle, step: u32, undo: bool) {
        let Some(w) = self.saga_view.watched.get_mut(&h.uid) else {
            return;
        };
        let made = &mut w.made[step as usize][usize::from(undo)];
        *made += 1;
        let (call, root, g) = (*made, w.span, w.saga as usize);
        let endpoint = self.step_endpoint(g, step, undo);
        let verb = if undo { "compensate" } else { "step" };
        let tree = Tree {
            root,
            parent: root,
            label: format!("{verb} {step} {endpoint}"),
            call: Some(StepCall {
                step,
                endpoint,
                compensation: undo,
                call,
            }),
        };
        let span = self.begin_span(Span {
            kind: Kind::Step,
            node: self.sc.sagas[g].name.clone(),
            instance: None,
            start: self.now,
            end: self.now,
            outcome: "",
            tree: Some(tree),
            link: Link::of(self.runs[h.key as usize].request.uid),
            open: true,
        });
        let current = Current {
            step,
            undo,
            call,
            started: self.now,
            span,
        };
        if let Some(w) = self.saga_view.watched.get_mut(&h.uid) {
            w.current = Some(current);
        }
    }

    /// The call of run `h` out now was answered with `outcome`.
    pub(super) fn view_step_result(&mut self, h: Handle, outcome: Outcome) {
        self.view_step_end(h.uid, outcome_name(outcome));
    }

    /// Ends the call out now of the run `uid`, if any, with `outcome`.
    fn view_step_end(&mut self, uid: u64, outcome: &'static str) {
        let Some(c) = self
            .saga_view
            .watched
            .get_mut(&uid)
            .and_then(|w| w.current.take())
        else {
            return;
        };
        let now = self.now;
        if let (Some(t), Some(id)) = (&mut self.trace, c.span) {
            t.close(id, now, outcome);
        }
        if self.saga_view.timelines.is_none() {
            return;
        }
        let Some(w) = self.saga_view.watched.get(&uid) else {
            return;
        };
        let endpoint = self.step_endpoint(w.saga as usize, c.step, c.undo);
        let call = CallTimeline {
            step: c.step,
            endpoint,
            compensation: c.undo,
            call: c.call,
            start_s: c.started.as_secs_f64(),
            end_s: now.as_secs_f64(),
            outcome,
        };
        if let Some(w) = self.saga_view.watched.get_mut(&uid) {
            w.calls.push(call);
        }
    }

    /// Run `h` is over, `completed` or not, its request ending with
    /// `outcome`.
    pub(super) fn view_saga_end(&mut self, h: Handle, completed: bool, outcome: Outcome) {
        let Some(w) = self.saga_view.watched.remove(&h.uid) else {
            return;
        };
        if let (Some(t), Some(id)) = (&mut self.trace, w.span) {
            t.close(id, self.now, outcome_name(outcome));
        }
        let Some(kept) = self
            .saga_view
            .timelines
            .as_mut()
            .and_then(|t| t.get_mut(w.saga as usize))
        else {
            return;
        };
        let outcome = if completed {
            "completed"
        } else {
            "compensated"
        };
        if kept.iter().filter(|r| r.outcome == outcome).count() >= KEPT_RUNS {
            if let Some(i) = kept.iter().position(|r| r.outcome == outcome) {
                kept.remove(i);
            }
        }
        kept.push_back(RunTimeline {
            run: h.uid,
            started_s: w.started.as_secs_f64(),
            ended_s: self.now.as_secs_f64(),
            outcome,
            calls: w.calls,
        });
    }

    /// Where an attempt of `exchange` that goes to `to` sits in the trace,
    /// if the exchange is a call of a watched saga run: on the saga's
    /// process, under the call's span while it is the call out, else
    /// under the run's.
    pub(super) fn saga_attempt_span(&self, exchange: Handle, to: &str) -> Option<(String, Tree)> {
        let x = self
            .exchanges
            .get(exchange.key as usize)
            .filter(|x| x.uid == exchange.uid)?;
        let Origin::Saga {
            run, step, undo, ..
        } = x.origin
        else {
            return None;
        };
        let w = self.saga_view.watched.get(&run.uid)?;
        let call = w
            .current
            .filter(|c| c.step == step && c.undo == undo)
            .and_then(|c| c.span);
        let tree = Tree {
            root: w.span,
            parent: call.or(w.span),
            label: format!("attempt -> {to}"),
            call: None,
        };
        Some((self.sc.sagas[w.saga as usize].name.clone(), tree))
    }

    /// The endpoint step `step` of saga `g` calls (`undo`: its compensation).
    fn step_endpoint(&self, g: usize, step: u32, undo: bool) -> String {
        let s = &self.sc.sagas[g].steps[step as usize];
        let target = if undo {
            s.compensate.unwrap_or(s.call)
        } else {
            s.call
        };
        self.sc.target_name(target)
    }
}
