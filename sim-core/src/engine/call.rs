//! Attempts: one try of an exchange, sent to an instance of the target
//! service with its timeout, and the answer that comes back — or does not.

use super::event::{Event, Handle, Outcome};
use super::network::Delivery;
use super::trace::{outcome_name, Kind, Link, Span};
use super::Simulation;
use crate::scenario::model::Cause;
use crate::scenario::model::Target;
use crate::time::SimTime;

/// Who is waiting for an exchange's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A client's logical request.
    Request(Handle),
    /// A job at a service, waiting on its downstream calls.
    Job(Handle),
    /// A saga run's call of a step (or, `undo`, of its compensation), made
    /// in the orchestrator's `generation`.
    Saga {
        run: Handle,
        step: u32,
        undo: bool,
        generation: u32,
    },
    /// A cache's lookup that missed, waiting for the call that fills it.
    Lookup(Handle),
}

/// An attempt in flight: sent, not yet answered nor timed out.
#[derive(Clone, Debug)]
pub struct CallRec {
    pub uid: u64,
    /// The exchange it is a try of.
    pub exchange: Handle,
    pub target: Target,
    pub instance: u32,
    /// Link index for the answer (callee back to caller).
    pub back: u32,
    pub sent: SimTime,
    /// Let through by a circuit breaker, which waits for its result.
    pub permitted: bool,
    /// Its exchange's key and client request, for copies that arrive
    /// after the exchange is over.
    pub key: u64,
    pub request: u64,
}

impl Simulation {
    /// Sends an attempt of `exchange` to `target` over `link`; its answer
    /// will travel over `back`. It times out at `expires`; the callee sees
    /// the deadline `carried`. The target's balancer picks the instance now,
    /// by the exchange's key if it hashes.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn send_call(
        &mut self,
        exchange: Handle,
        target: Target,
        expires: Option<SimTime>,
        carried: Option<SimTime>,
        permitted: bool,
        link: u32,
        back: u32,
    ) {
        let x = &self.exchanges[exchange.key as usize];
        let (by, request) = (x.key, x.request);
        let instance = self.services[target.service.0 as usize].pick(self.now, by);
        let uid = self.uid();
        let key = self.calls.insert(CallRec {
            uid,
            exchange,
            target,
            instance,
            back,
            sent: self.now,
            permitted,
            key: by,
            request,
        }) as u32;
        let h = Handle { key, uid };
        let deadline = carried.unwrap_or(SimTime::MAX);
        let copies = self.transmit(
            link,
            Event::Deliver(h, exchange, target, instance, deadline),
        );
        self.copies_sent(exchange, copies);
        if let Some(t) = expires {
            self.schedule(t, Event::Timeout(h));
        }
    }

    /// Puts a message on a link: it may be lost, or arrive once or twice.
    /// Returns how many copies will arrive.
    pub(super) fn transmit(&mut self, link: u32, event: Event) -> u32 {
        match self.network.send(link) {
            Delivery::Lost => 0,
            Delivery::Once(d) => {
                self.schedule(self.now + d, event);
                1
            }
            Delivery::Twice(a, b) => {
                self.schedule(self.now + a, event);
                self.schedule(self.now + b, event);
                2
            }
        }
    }

    /// Sends `outcome` back to the caller of `h`, if it is still waiting.
    pub(super) fn answer(&mut self, h: Handle, outcome: Outcome) {
        if let Some(c) = self.calls.get(h.key as usize).filter(|c| c.uid == h.uid) {
            let back = c.back;
            self.transmit(back, Event::Respond(h, outcome));
        }
    }

    /// The call `h` is over (answered or timed out): forget it and tell its origin.
    fn settle(&mut self, h: Handle, outcome: Outcome) {
        if self
            .calls
            .get(h.key as usize)
            .is_none_or(|c| c.uid != h.uid)
        {
            return; // already settled: a late or duplicate answer, or a stale timeout
        }
        let call = self.calls.remove(h.key as usize);
        let failed = !outcome.is_success();
        self.services[call.target.service.0 as usize].release(call.instance, failed, self.now);
        if self.trace.is_some() {
            self.trace_attempt(&call, outcome);
        }
        self.on_attempt_result(call.exchange, outcome, call.sent, call.permitted);
    }

    /// Records the span of attempt `call`, ended with `outcome`: on the
    /// process `-> SERVICE`, or in its saga run's tree; it names its
    /// request, its caller and its callee.
    fn trace_attempt(&mut self, call: &CallRec, outcome: Outcome) {
        let to = self.sc.services[call.target.service.0 as usize]
            .name
            .clone();
        let (_, from) = self.network.ends(call.back);
        let link = Link {
            attempt: Some(call.uid),
            from: Some(self.sc.node_name(from).to_string()),
            to: Some(to.clone()),
            ..Link::of(call.request)
        };
        let outcome = outcome_name(outcome);
        match self.saga_attempt_span(call.exchange, &to) {
            Some((saga, tree)) => {
                self.begin_span(Span {
                    kind: Kind::Attempt,
                    node: saga,
                    instance: None,
                    start: call.sent,
                    end: self.now,
                    outcome,
                    tree: Some(tree),
                    link,
                    open: false,
                });
            }
            None => {
                let node = format!("-> {to}");
                self.record_span(Kind::Attempt, &node, None, call.sent, outcome, link)
            }
        }
    }

    pub(super) fn on_respond(&mut self, h: Handle, outcome: Outcome) {
        self.settle(h, outcome);
    }

    pub(super) fn on_timeout(&mut self, h: Handle) {
        self.settle(h, Outcome::Failed(Cause::Timeout));
    }
}
