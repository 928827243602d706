//! Budgets: a valid scenario can still describe a run that never ends (a
//! zero-time loop) or never fits (a queue that grows without bound). The
//! engine checks three budgets on every event and stops the run with a
//! [`Stop`] that says which budget, when, what kept happening and the knob
//! that would fix it.
//!
//! - **events**: the model's events (`--max-events`, default a billion);
//! - **in flight**: requests, exchanges, calls, jobs and pending events
//!   (messages and timers) at once (`--max-in-flight`, default a million),
//!   which bounds memory;
//! - **progress**: [`NO_PROGRESS`] events at one simulated instant.

use super::event::Event;
use super::Simulation;
use crate::text::escape;
use crate::time::SimTime;
use std::fmt;

/// Default of `--max-events`: more than any sensible scenario needs.
pub const DEFAULT_MAX_EVENTS: u64 = 1_000_000_000;

/// Default of `--max-in-flight`.
pub const DEFAULT_MAX_IN_FLIGHT: u64 = 1_000_000;

/// Events at one simulated instant after which a run makes no progress.
pub const NO_PROGRESS: u64 = 1_000_000;

/// How many of the last events at a stuck instant are sorted by kind to
/// name the one that repeats.
const SAMPLE: u64 = 4096;

/// The limits of one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    pub max_events: u64,
    pub max_in_flight: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_events: DEFAULT_MAX_EVENTS,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
        }
    }
}

/// Which budget stopped a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    Events,
    InFlight,
    NoProgress,
}

/// Why and when a run stopped before its end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stop {
    pub reason: Reason,
    /// The simulated instant of the event that crossed the budget.
    pub at: SimTime,
    /// What happened, in one sentence.
    pub message: String,
    /// The knob to change.
    pub hint: String,
}

impl fmt::Display for Stop {
    /// `stopped: MESSAGE` then `  hint: HINT`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "stopped: {}", self.message)?;
        writeln!(f, "  hint: {}", self.hint)
    }
}

impl std::error::Error for Stop {}

/// The budget checks of a running simulation.
#[derive(Clone, Debug)]
pub(super) struct Guard {
    budget: Budget,
    instant: SimTime,
    at_instant: u64,
    /// Of the last events at a stuck instant: how many of each kind, and
    /// one of each to name its subject.
    kinds: [(u64, Option<Event>); KINDS],
    stopped: Option<Stop>,
}

/// Kinds of model events told apart in a stop message.
const KINDS: usize = 21;

/// The index of `event`'s kind among [`KINDS`].
fn kind(event: Event) -> usize {
    match event {
        Event::Arrival(_) => 0,
        Event::Wake(_) => 1,
        Event::Deliver(..) => 2,
        Event::WorkDone(_) => 3,
        Event::Respond(..) => 4,
        Event::Timeout(_) => 5,
        Event::Retry(_) => 6,
        Event::Hedge(_) => 7,
        Event::Fallback(_) => 8,
        Event::SlotWait(_) => 9,
        Event::FaultStart(_) | Event::FaultEnd(_) => 10,
        Event::Tick | Event::Mark(_) => 11,
        Event::Publish(_) => 12,
        Event::Stored(..) => 13,
        Event::RelayRetry(_) => 14,
        Event::Receive(_) => 15,
        Event::Acked(..) => 16,
        Event::AckTimeout(..) => 17,
        Event::SagaRetry(..) => 18,
        Event::Ready(..)
        | Event::HealthCheck(_)
        | Event::ProbeTimeout(..)
        | Event::Autoscale(_)
        | Event::DeployStep(_)
        | Event::DeployJudge(_) => 19,
        Event::CacheDone(_) => 20,
    }
}

impl Guard {
    pub fn new(budget: Budget) -> Guard {
        Guard {
            budget,
            instant: SimTime::ZERO,
            at_instant: 0,
            kinds: [(0, None); KINDS],
            stopped: None,
        }
    }

    /// Why the run stopped, once it has.
    pub fn stopped(&self) -> Option<&Stop> {
        self.stopped.as_ref()
    }

    /// Checks the budgets as the `events`-th model event, `event` at `at`,
    /// runs with `in_flight` things in flight.
    pub fn check(
        &mut self,
        events: u64,
        at: SimTime,
        event: Event,
        in_flight: u64,
    ) -> Option<Reason> {
        if at != self.instant {
            self.instant = at;
            self.at_instant = 0;
        }
        self.at_instant += 1;
        if self.at_instant > NO_PROGRESS - SAMPLE {
            if self.at_instant == NO_PROGRESS - SAMPLE + 1 {
                self.kinds = [(0, None); KINDS];
            }
            let k = &mut self.kinds[kind(event)];
            k.0 += 1;
            k.1.get_or_insert(event);
        }
        if self.at_instant >= NO_PROGRESS {
            return Some(Reason::NoProgress);
        }
        if events > self.budget.max_events {
            return Some(Reason::Events);
        }
        (in_flight > self.budget.max_in_flight).then_some(Reason::InFlight)
    }

    /// The event that drives the loop at the stuck instant. A zero-time
    /// loop repeats every step of it as often (a wake, a delivery, an
    /// answer…), so the step that closes the loop is named first: a
    /// closed-loop user's next request, a retry, a hedge, then work done in
    /// no time; failing those, the most frequent kind.
    fn repeating(&self) -> Option<Event> {
        const LOOP_CLOSERS: [usize; 5] = [1, 6, 7, 3, 2];
        let seen = |k: &usize| self.kinds[*k].0 > 0;
        match LOOP_CLOSERS.iter().find(|k| seen(k)) {
            Some(k) => self.kinds[*k].1,
            None => self
                .kinds
                .iter()
                .filter(|(n, _)| *n > 0)
                .max_by_key(|(n, _)| *n)
                .and_then(|(_, e)| *e),
        }
    }
}

/// Seconds with microseconds, for messages.
fn secs(t: SimTime) -> String {
    format!("{:.6}s", t.as_secs_f64())
}

impl Simulation {
    /// Stops the run for `reason` at the current event: builds the message
    /// and keeps it, so later steps return it too.
    pub(super) fn stop(&mut self, reason: Reason) -> Stop {
        let at = self.now;
        let (message, hint) = match reason {
            Reason::Events => (
                format!(
                    "the event budget of {} events ran out at {} of {} simulated",
                    self.guard.budget.max_events,
                    secs(at),
                    secs(self.end)
                ),
                "raise `--max-events`, or shorten `scenario.duration`".to_string(),
            ),
            Reason::InFlight => self.too_much_in_flight(),
            Reason::NoProgress => self.no_progress(),
        };
        let stop = Stop {
            reason,
            at,
            message,
            hint,
        };
        self.guard.stopped = Some(stop.clone());
        stop
    }

    /// What fills the in-flight budget, and what bounds it.
    fn too_much_in_flight(&self) -> (String, String) {
        let head = format!(
            "more than {} requests, messages and timers in flight at {}",
            self.guard.budget.max_in_flight,
            secs(self.now)
        );
        let queued = self.services.iter().map(|s| s.queued());
        let (s, waiting) = queued
            .enumerate()
            .max_by_key(|(i, n)| (*n, std::cmp::Reverse(*i)))
            .unwrap_or((0, 0));
        if waiting * 2 >= self.requests.len() as u64 && waiting > 0 {
            let name = escape(&self.sc.services[s].name).into_owned();
            return (
                format!("{head}: {waiting} requests wait in the queues of `{name}`"),
                format!(
                    "`{name}` is offered more than it can serve: bound its waiting room \
                     (`queue = 1000`) or give it `shed`, add workers or instances, lower the \
                     load, or raise `--max-in-flight`"
                ),
            );
        }
        let mut per_client = vec![0u64; self.sc.clients.len()];
        for (_, r) in &self.requests {
            per_client[r.client.0 as usize] += 1;
        }
        let (c, n) = per_client
            .iter()
            .enumerate()
            .max_by_key(|(i, n)| (**n, std::cmp::Reverse(*i)))
            .map_or((0, 0), |(i, n)| (i, *n));
        match self.sc.clients.get(c) {
            Some(client) if n > 0 => {
                let name = escape(&client.name).into_owned();
                (
                    format!("{head}: client `{name}` has {n} requests unanswered"),
                    format!(
                        "give `{name}` a `timeout`, lower its rate, or raise `--max-in-flight`"
                    ),
                )
            }
            _ => (
                format!("{head}: {} events pending", self.queue.len()),
                "lower the load, or raise `--max-in-flight`".to_string(),
            ),
        }
    }

    /// The zero-time loop that keeps the clock from moving, and the knob
    /// that gives it time.
    fn no_progress(&self) -> (String, String) {
        let head = format!(
            "no progress in simulated time: {NO_PROGRESS} events at {}",
            secs(self.now)
        );
        let Some(event) = self.guard.repeating() else {
            return (head, "give every step of the loop some time".to_string());
        };
        let what = event.describe();
        let service = |s: usize| escape(&self.sc.services[s].name).into_owned();
        let (message, hint) = match event {
            Event::Wake(c) => {
                let name = escape(&self.sc.clients[c.0 as usize].name).into_owned();
                (
                    format!("{head}: {what} of `{name}`"),
                    format!(
                        "closed-loop users of `{name}` re-send at once because their requests \
                         end without taking time: give them `think = \"exp(100ms)\"`, or give \
                         the service time or the network latency"
                    ),
                )
            }
            Event::Deliver(_, _, target, _, _) => {
                let name = service(target.service.0 as usize);
                (
                    format!("{head}: {what} of `{name}`"),
                    format!(
                        "`{name}` answers in no time and its callers ask again at once: give \
                         it a positive `service_time`, or the network a `latency`"
                    ),
                )
            }
            Event::WorkDone(h) => {
                let name = self
                    .jobs
                    .get(h.key as usize)
                    .map_or_else(String::new, |j| service(j.service()));
                (
                    format!("{head}: {what} of `{name}`"),
                    format!("give `{name}` a positive `service_time`"),
                )
            }
            Event::Retry(_) => (
                format!("{head}: {what}"),
                "retries without backoff fail again at once: give `retry` a `backoff` \
                 (`backoff = \"exponential\", base = \"10ms\"`), or the calls time"
                    .to_string(),
            ),
            _ => (
                format!("{head}: {what}"),
                "give every step of the loop some time (service_time, latency, think, backoff)"
                    .to_string(),
            ),
        };
        (message, hint)
    }
}
