//! Publishing: the messages an endpoint sends to queues when a request
//! succeeds, as a dual write or through an outbox.
//!
//! - **Dual write** (`outbox = false`): after its commit, the instance sends
//!   the message once. If the queue cannot take it — crashed or full (it
//!   refuses), paused (it does not answer), or the link loses or cuts it —
//!   the message is lost, although the effect was applied.
//! - **Outbox** (`outbox = true`): the message is stored with the commit,
//!   and a relay publishes it and waits for the queue's answer, sending it
//!   again after a refusal or [`RELAY_RETRY`] without an answer, until the
//!   queue has it. Nothing is lost; an answer lost on the way back makes the
//!   relay send a second copy (the consumer's `dedup` absorbs it: it has
//!   the same message id).

use super::broker::RELAY_RETRY;
use super::event::{Event, Handle};
use super::record::QueueFact;
use super::trace::{Kind, Link};
use super::Simulation;
use crate::scenario::model::{NodeId, QueueId, ServiceId};
use crate::time::SimTime;

/// One publish on its way to a queue.
#[derive(Clone, Debug)]
pub struct Publishing {
    pub uid: u64,
    pub queue: u32,
    pub envelope: Handle,
    /// The publishing service: the link's other end.
    pub from: u32,
    /// Sent by an outbox relay, which waits for the answer.
    pub outbox: bool,
    /// The relay's retry timer is still set.
    waiting: bool,
    /// Copies on the wire (a link may duplicate one).
    copies: u32,
    /// The relay has its answer.
    answered: bool,
    /// When it was sent.
    sent: SimTime,
}

impl Simulation {
    /// An instance of service `s`, of the new version or not (`new`),
    /// committed a request with `key`, done for client request `request`,
    /// to endpoint `e`: each of the endpoint's `publish` entries sends a
    /// new message.
    pub(super) fn publish_all(&mut self, s: usize, new: bool, e: usize, key: u64, request: u64) {
        for k in 0..self.sc.services[s].endpoints_of(new)[e].publish.len() {
            let p = self.sc.services[s].endpoints_of(new)[e].publish[k].clone();
            let env = self.new_envelope(key, request);
            self.send_publish(p.to.0, env, s as u32, p.outbox);
        }
    }

    /// Sends a copy of `env` from service `from` to queue `q`.
    pub(super) fn send_publish(&mut self, q: u32, env: Handle, from: u32, outbox: bool) {
        self.envelope_ref(env);
        let uid = self.uid();
        let p = self.publishing.insert(Publishing {
            uid,
            queue: q,
            envelope: env,
            from,
            outbox,
            waiting: outbox,
            copies: 0,
            answered: false,
            sent: self.now,
        }) as u32;
        let h = Handle { key: p, uid };
        let link = self.network.link(
            &self.sc,
            self.seed,
            NodeId::Service(ServiceId(from)),
            NodeId::Queue(QueueId(q)),
        );
        let copies = self.transmit(link, Event::Publish(h));
        self.publishing[p as usize].copies = copies;
        if copies == 0 {
            self.trace_publish(h, "lost");
        }
        if outbox {
            self.schedule(self.now + RELAY_RETRY, Event::RelayRetry(h));
        } else if copies == 0 {
            self.publish_failed(h);
        }
        if copies == 0 {
            self.publish_copy_done(h);
        }
    }

    /// A publish copy reaches its queue: stored, or turned away (crashed or
    /// full: refused, with an answer; paused: no answer at all).
    pub(super) fn on_publish(&mut self, h: Handle) {
        let Some(p) = self.publish_rec(h) else {
            return;
        };
        let (q, env, outbox) = (p.queue as usize, p.envelope, p.outbox);
        let state = &self.queues[q];
        let full = self.sc.queues[q]
            .capacity
            .is_some_and(|c| state.depth() >= u64::from(c));
        let (paused, stored) = (state.paused, !state.down && !state.paused && !full);
        let seen = match (stored, paused) {
            (true, _) => "stored",
            (false, true) => "unanswered",
            (false, false) => "refused",
        };
        self.trace_publish(h, seen);
        if stored {
            self.store(q, env);
        } else {
            if !paused {
                self.queue_fact(q, env, QueueFact::Rejected);
            }
            if !outbox {
                self.publish_failed(h);
            }
        }
        if outbox && !self.queues[q].paused {
            self.answer_relay(h, stored);
        }
        self.publish_copy_done(h);
    }

    /// The span of a copy of publish `h`, from its send to now, when it
    /// reached its queue (or, `lost`, was lost on the way).
    fn trace_publish(&mut self, h: Handle, outcome: &'static str) {
        if self.trace.is_none() {
            return;
        }
        let p = &self.publishing[h.key as usize];
        let (queue, from, sent) = (p.queue as usize, p.from as usize, p.sent);
        let name = self.sc.queues[queue].name.clone();
        let link = Link {
            from: Some(self.sc.services[from].name.clone()),
            to: Some(name.clone()),
            ..self.envelope_link(p.envelope)
        };
        self.record_span(Kind::Publish, &name, None, sent, outcome, link);
    }

    /// Sends the queue's answer back to the relay of `h`.
    fn answer_relay(&mut self, h: Handle, stored: bool) {
        let p = &self.publishing[h.key as usize];
        let link = self.network.link(
            &self.sc,
            self.seed,
            NodeId::Queue(QueueId(p.queue)),
            NodeId::Service(ServiceId(p.from)),
        );
        self.transmit(link, Event::Stored(h, stored));
    }

    /// The queue's answer reaches the relay of `h`: stored, done; refused,
    /// it tries again after [`RELAY_RETRY`] (its timer is already set).
    pub(super) fn on_stored(&mut self, h: Handle, stored: bool) {
        if let Some(p) = self.publish_rec_mut(h) {
            p.answered |= stored;
        }
    }

    /// The relay's wait for `h` is over: without a stored answer it sends
    /// the message again.
    pub(super) fn on_relay_retry(&mut self, h: Handle) {
        let Some(p) = self.publish_rec(h) else {
            return;
        };
        let (q, env, from, answered, copies) = (p.queue, p.envelope, p.from, p.answered, p.copies);
        self.publishing[h.key as usize].waiting = false;
        if !answered {
            self.send_publish(q, env, from, true);
        }
        if copies == 0 {
            self.drop_publish(h);
        }
    }

    /// Publish `h`, if it is still on its way.
    fn publish_rec(&self, h: Handle) -> Option<&Publishing> {
        self.publishing
            .get(h.key as usize)
            .filter(|p| p.uid == h.uid)
    }

    /// Publish `h`, if it is still on its way, to change.
    fn publish_rec_mut(&mut self, h: Handle) -> Option<&mut Publishing> {
        self.publishing
            .get_mut(h.key as usize)
            .filter(|p| p.uid == h.uid)
    }

    /// A dual write's copy found no queue to take it: the message is lost.
    fn publish_failed(&mut self, h: Handle) {
        let p = &self.publishing[h.key as usize];
        let (q, env) = (p.queue as usize, p.envelope);
        // It counts as published, and lost, once.
        self.queue_fact(q, env, QueueFact::Published);
        self.queue_fact(q, env, QueueFact::Lost(crate::time::SimDuration::ZERO));
    }

    /// One copy of `h` is done on the wire; the record goes with the last
    /// one, unless a relay still waits on it.
    fn publish_copy_done(&mut self, h: Handle) {
        let p = &mut self.publishing[h.key as usize];
        p.copies = p.copies.saturating_sub(1);
        if p.copies == 0 && !p.waiting {
            self.drop_publish(h);
        }
    }

    /// Forgets publish `h`.
    fn drop_publish(&mut self, h: Handle) {
        let p = self.publishing.remove(h.key as usize);
        self.envelope_unref(p.envelope);
    }
}
