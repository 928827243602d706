//! Calls: one attempt sent from a caller (a client's request or a service's
//! job) to an instance of a target service, with its timeout, and the answer
//! that comes back — or does not.

use super::event::{Event, Handle, Outcome};
use super::network::Delivery;
use super::Simulation;
use crate::scenario::model::Cause;
use crate::scenario::model::Target;
use crate::time::SimDuration;

/// Who is waiting for a call's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A client's logical request.
    Request(Handle),
    /// A job at a service, waiting on its downstream calls.
    Job(Handle),
}

/// A call in flight: sent, not yet answered nor timed out.
#[derive(Clone, Debug)]
pub struct CallRec {
    pub uid: u64,
    pub origin: Origin,
    pub target: Target,
    pub instance: u32,
    /// Link index for the answer (callee back to caller).
    pub back: u32,
}

impl Simulation {
    /// Sends an attempt from `from` to `target` over `link`; its answer will
    /// travel over `back`. The target's balancer picks the instance now.
    pub(super) fn send_call(
        &mut self,
        origin: Origin,
        target: Target,
        timeout: Option<SimDuration>,
        link: u32,
        back: u32,
    ) {
        let instance = self.services[target.service.0 as usize].pick();
        let uid = self.uid();
        let key = self.calls.insert(CallRec {
            uid,
            origin,
            target,
            instance,
            back,
        }) as u32;
        let h = Handle { key, uid };
        self.transmit(link, Event::Deliver(h, target, instance));
        if let Some(t) = timeout {
            self.schedule(self.now + t, Event::Timeout(h));
        }
    }

    /// Puts a message on a link: it may be lost, or arrive once or twice.
    pub(super) fn transmit(&mut self, link: u32, event: Event) {
        match self.network.send(link) {
            Delivery::Lost => {}
            Delivery::Once(d) => self.schedule(self.now + d, event),
            Delivery::Twice(a, b) => {
                self.schedule(self.now + a, event);
                self.schedule(self.now + b, event);
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
        self.services[call.target.service.0 as usize].release(call.instance);
        match call.origin {
            Origin::Request(r) => self.on_request_result(r, outcome),
            Origin::Job(j) => self.on_call_result(j, outcome),
        }
    }

    pub(super) fn on_respond(&mut self, h: Handle, outcome: Outcome) {
        self.settle(h, outcome);
    }

    pub(super) fn on_timeout(&mut self, h: Handle) {
        self.settle(h, Outcome::Failed(Cause::Timeout));
    }
}
