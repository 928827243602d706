//! Broker queues: the messages they hold, delivery to the free workers of
//! the consuming service, acks, redelivery, dead letters, partitions, and
//! the queue's own faults.
//!
//! A queue is a node of the network: publishes travel to it and deliveries
//! and acks travel from and to it over links, with their latency, loss and
//! partitions. Consumers pull: a delivery goes out only to an instance with
//! a free worker and nothing waiting, which reserves that worker until the
//! delivery arrives. At least once, a message stays held until its ack
//! comes back; a failure, a crashed consumer or `ack_timeout` makes it
//! deliverable again (the first copy may still be at work: both then apply
//! the consumer's effect), until `max_receives` sends it to its dead letter.
//! At most once, a delivery removes it: a failed receive loses it. With
//! `partitions`, a message goes to the partition of its key, each partition
//! has one consumer instance at a time and one delivery out, so a key's
//! messages are processed in publish order.

use super::choreography::SagaEvent;
use super::event::{Event, Handle, Outcome};
use super::record::QueueFact;
use super::service::Life;
use super::trace::{outcome_name, Kind, Link};
use super::Simulation;
use crate::scenario::model::{DeadLetter, Delivery, NodeId, QueueId, ServiceId, Target};
use crate::time::{SimDuration, SimTime};
use slab::Slab;
use std::collections::{BTreeSet, VecDeque};

/// A logical message: what one commit published, under one message id. An
/// outbox relay may store it more than once; every copy shares this record,
/// so an effect applied by any copy counts against the one message.
#[derive(Clone, Debug)]
pub struct Envelope {
    /// The message id: the consumers' idempotency key.
    pub uid: u64,
    /// The key of the request that published it.
    pub key: u64,
    /// The client request whose work published it.
    pub request: u64,
    /// Published after warmup, so measured.
    pub counted: bool,
    /// Times a consumer applied its effect.
    pub applied: u32,
    /// The saga step it triggers, for a choreographed saga's event.
    pub saga: Option<SagaEvent>,
    /// Copies that may still apply it: publishes on their way, held
    /// copies, deliveries out. The record goes when none is left.
    refs: u32,
}

/// One copy of a message held by a queue.
#[derive(Clone, Debug)]
struct Held {
    uid: u64,
    envelope: Handle,
    /// When the queue stored it.
    stored: SimTime,
    receives: u32,
    partition: u32,
    /// Store order in the queue: an earlier message of a key has a smaller one.
    seq: u64,
    /// The delivery out now, by uid.
    out: Option<u64>,
}

/// A delivery on its way to, or at work in, a consumer instance.
#[derive(Clone, Debug)]
pub struct Delivering {
    pub uid: u64,
    pub queue: u32,
    held: Handle,
    pub envelope: Handle,
    pub instance: u32,
    /// Its worker reservation is still held (until it arrives or is lost).
    claim: bool,
    received: bool,
    /// When it was sent.
    sent: SimTime,
    /// When the message was stored, and its store order (kept here for at
    /// most once, whose held copy goes as the delivery leaves).
    stored: SimTime,
    seq: u64,
    /// Its partition, busy until an at-most-once delivery is done.
    partition: u32,
    /// The consumer's dedup found its key processed: it committed nothing.
    pub repeat: bool,
}

/// The run-time state of one queue.
#[derive(Clone, Debug)]
pub struct QueueState {
    held: Slab<Held>,
    /// Deliverable copies per partition (one when unpartitioned), oldest first.
    ready: Vec<VecDeque<u32>>,
    /// Deliveries out per partition.
    out: Vec<u32>,
    /// The consumer instance of each partition (partitioned queues only).
    owner: Vec<Option<u32>>,
    /// Ordered partitions, each with one consumer instance and one
    /// delivery out at a time; else one unordered queue.
    partitioned: bool,
    /// The consuming service and endpoint.
    consumer: Option<Target>,
    /// Where the next unpartitioned delivery looks for a free instance first.
    next_instance: u32,
    seq: u64,
    /// Held copies by store time and uid, so the oldest is first.
    ages: BTreeSet<(SimTime, u64)>,
    /// `(key, seq)` of held copies not yet processed, for ordering.
    unprocessed: BTreeSet<(u64, u64)>,
    pub down: bool,
    pub paused: bool,
    /// The most held at once after warmup.
    pub max_depth: u64,
}

/// How long an outbox relay waits for the queue's answer before it sends
/// the message again; it also waits this long after a refusal.
pub const RELAY_RETRY: SimDuration = SimDuration(1_000_000_000);

impl QueueState {
    /// The state of queue `q` of `sc`, consumed by `consumer` if anyone.
    pub fn new(partitions: Option<u32>, consumer: Option<Target>) -> QueueState {
        let n = partitions.unwrap_or(1) as usize;
        QueueState {
            held: Slab::new(),
            ready: vec![VecDeque::new(); n],
            out: vec![0; n],
            owner: vec![None; n],
            partitioned: partitions.is_some(),
            consumer,
            next_instance: 0,
            seq: 0,
            ages: BTreeSet::new(),
            unprocessed: BTreeSet::new(),
            down: false,
            paused: false,
            max_depth: 0,
        }
    }

    /// Copies held now.
    pub fn depth(&self) -> u64 {
        self.held.len() as u64
    }

    /// How long the oldest held copy has waited at `now`.
    pub fn oldest_age(&self, now: SimTime) -> SimDuration {
        self.ages
            .first()
            .map_or(SimDuration::ZERO, |(t, _)| now.since(*t))
    }

    /// Held copies whose message is measured (for the conservation check).
    pub fn held_envelopes(&self) -> impl Iterator<Item = Handle> + '_ {
        self.held.iter().map(|(_, h)| h.envelope)
    }
}

impl Simulation {
    /// The queue of `q`'s index.
    fn queue_config(&self, q: usize) -> &crate::scenario::model::Queue {
        &self.sc.queues[q]
    }

    /// A new logical message with `key`, published now for `request`.
    pub(super) fn new_envelope(&mut self, key: u64, request: u64) -> Handle {
        let uid = self.uid();
        let counted = self.now >= self.warmup;
        let k = self.envelopes.insert(Envelope {
            uid,
            key,
            request,
            counted,
            applied: 0,
            saga: None,
            refs: 0,
        }) as u32;
        Handle { key: k, uid }
    }

    /// One more copy of `env` may apply it.
    pub(super) fn envelope_ref(&mut self, env: Handle) {
        self.envelopes[env.key as usize].refs += 1;
    }

    /// A copy of `env` is done; the record goes with the last one.
    pub(super) fn envelope_unref(&mut self, env: Handle) {
        let e = &mut self.envelopes[env.key as usize];
        e.refs -= 1;
        if e.refs == 0 {
            let e = self.envelopes.remove(env.key as usize);
            if let Some(ev) = e.saga {
                self.step_exchange_gone(ev.run);
            }
        }
    }

    /// A fact about queue `q`'s message `env`: measured if the message is;
    /// the end of a message's stay is traced.
    pub(super) fn queue_fact(&mut self, q: usize, env: Handle, fact: QueueFact) {
        if self.trace.is_some() {
            self.trace_message(q, env, fact);
        }
        if !self.envelopes[env.key as usize].counted {
            return;
        }
        self.queue_totals[q].apply(fact);
        if let Some(series) = &mut self.series {
            series.queues[q].open.apply(fact);
        }
        for p in &self.queue_probes[q] {
            self.probes[*p as usize].on_queue_fact(self.now, fact);
        }
    }

    /// A message's span on its queue, from when it was stored (or, lost on
    /// the way, published) to how it ended.
    fn trace_message(&mut self, q: usize, env: Handle, fact: QueueFact) {
        let (outcome, held) = match fact {
            QueueFact::Acked { held, .. } => ("acked", held),
            QueueFact::DeadLettered(held) => ("dead_lettered", held),
            QueueFact::Lost(held) => ("lost", held),
            _ => return,
        };
        let link = self.envelope_link(env);
        let name = self.sc.queues[q].name.clone();
        let start = SimTime(self.now.0 - held.0);
        self.record_span(Kind::Message, &name, None, start, outcome, link);
    }

    /// What joins the spans of message `env` to its request's.
    pub(super) fn envelope_link(&self, env: Handle) -> Link {
        let e = &self.envelopes[env.key as usize];
        Link {
            key: Some(e.key),
            message: Some(e.uid),
            ..Link::of(e.request)
        }
    }

    /// Stores a copy of `env` in queue `q` (a publish that arrived, or a
    /// dead letter moved in) and delivers what can be delivered.
    pub(super) fn store(&mut self, q: usize, env: Handle) {
        self.envelope_ref(env);
        self.queue_fact(q, env, QueueFact::Published);
        let now = self.now;
        let key = self.envelopes[env.key as usize].key;
        let uid = self.uid();
        let state = &mut self.queues[q];
        let partition = match state.ready.len() {
            1 => 0,
            n => (spread(key) % n as u64) as u32,
        };
        state.seq += 1;
        let seq = state.seq;
        let h = state.held.insert(Held {
            uid,
            envelope: env,
            stored: now,
            receives: 0,
            partition,
            seq,
            out: None,
        }) as u32;
        state.ready[partition as usize].push_back(h);
        state.ages.insert((now, uid));
        state.unprocessed.insert((key, seq));
        self.depth_changed(q);
        self.dispatch_queue(q);
    }

    /// Records queue `q`'s depth after a change.
    fn depth_changed(&mut self, q: usize) {
        let depth = self.queues[q].depth();
        if self.now >= self.warmup {
            self.queues[q].max_depth = self.queues[q].max_depth.max(depth);
        }
        for p in &self.queue_probes[q] {
            self.probes[*p as usize].on_queue(self.now, depth);
        }
    }

    /// Whether instance `i` of `s` can take a delivery now: up, a worker
    /// free and not reserved, nothing waiting.
    fn can_take(&self, s: usize, i: u32) -> bool {
        let inst = &self.services[s].instances[i as usize];
        inst.life == Life::Serving
            && !inst.health.down
            && !inst.health.paused
            && inst.waiting.is_empty()
            && inst.busy + inst.claimed < self.services[s].workers_of(i)
    }

    /// Delivers queue `q`'s deliverable messages to consumer instances with
    /// a free worker, as long as there are both.
    pub(super) fn dispatch_queue(&mut self, q: usize) {
        let Some(target) = self.queues[q].consumer else {
            return;
        };
        let s = target.service.0 as usize;
        let n = self.services[s].instances.len() as u32;
        for k in 0..n {
            let i = (self.queues[q].next_instance + k) % n;
            while self.can_take(s, i) && self.deliver_one(q, i) {}
        }
        self.queues[q].next_instance = (self.queues[q].next_instance + 1) % n.max(1);
    }

    /// A free worker of instance `i` of `s` pulls from the queues that
    /// service consumes, while it can take more.
    pub(super) fn pull(&mut self, s: usize, i: u32) {
        for q in 0..self.consumed_by[s].len() {
            let q = self.consumed_by[s][q] as usize;
            while self.can_take(s, i) && self.deliver_one(q, i) {}
        }
    }

    /// Sends one deliverable message of queue `q` to instance `i`, if the
    /// queue is up and has one for it; returns whether it did.
    fn deliver_one(&mut self, q: usize, i: u32) -> bool {
        let state = &mut self.queues[q];
        if state.down || state.paused {
            return false;
        }
        let p = if state.partitioned {
            let free = |p: &usize| {
                state.owner[*p] == Some(i) && state.out[*p] == 0 && !state.ready[*p].is_empty()
            };
            match (0..state.ready.len()).find(free) {
                Some(p) => p,
                None => return false,
            }
        } else {
            0
        };
        let Some(h) = state.ready[p].pop_front() else {
            return false;
        };
        state.out[p] += 1;
        self.send_delivery(q, h, i);
        true
    }

    /// Puts held copy `h` of queue `q` on its way to instance `i`.
    fn send_delivery(&mut self, q: usize, h: u32, i: u32) {
        let uid = self.uid();
        let at_most_once = self.queue_config(q).delivery == Delivery::AtMostOnce;
        let ack_timeout = self.queue_config(q).ack_timeout;
        let Some(target) = self.queues[q].consumer else {
            return;
        };
        let s = target.service.0 as usize;
        let held = &mut self.queues[q].held[h as usize];
        held.receives += 1;
        if !at_most_once {
            held.out = Some(uid);
        }
        let (env, stored, seq, again) = (held.envelope, held.stored, held.seq, held.receives > 1);
        let partition = held.partition;
        let held_handle = Handle {
            key: h,
            uid: held.uid,
        };
        self.queue_fact(q, env, QueueFact::Delivered { again });
        self.envelope_ref(env);
        let d = self.deliveries.insert(Delivering {
            uid,
            queue: q as u32,
            held: held_handle,
            envelope: env,
            instance: i,
            claim: true,
            received: false,
            sent: self.now,
            stored,
            seq,
            partition,
            repeat: false,
        }) as u32;
        self.services[s].instances[i as usize].claimed += 1;
        if at_most_once {
            // Acked on receipt: the broker forgets it as it sends it (the
            // delivery holds the message now).
            if let Some((env, _)) = self.remove_held(q, held_handle) {
                self.envelope_unref(env);
            }
        } else {
            let at = self.now + ack_timeout;
            self.schedule(at, Event::AckTimeout(q as u32, held_handle, uid));
        }
        let link = self.network.link(
            &self.sc,
            self.seed,
            NodeId::Queue(QueueId(q as u32)),
            NodeId::Service(ServiceId(s as u32)),
        );
        let copies = self.transmit(link, Event::Receive(Handle { key: d, uid }));
        if copies == 0 {
            self.delivery_lost(Handle { key: d, uid });
        }
    }

    /// A delivery never reached its consumer: its worker is free again. At
    /// most once the message is lost; at least once its ack timeout will
    /// make it deliverable again.
    fn delivery_lost(&mut self, d: Handle) {
        self.release_claim(d);
        let rec = self.deliveries.remove(d.key as usize);
        let q = rec.queue as usize;
        if self.queue_config(q).delivery == Delivery::AtMostOnce {
            let key = self.envelopes[rec.envelope.key as usize].key;
            self.queues[q].unprocessed.remove(&(key, rec.seq));
            let held = self.now.since(rec.stored);
            self.queue_fact(q, rec.envelope, QueueFact::Lost(held));
            self.partition_done(q, rec.partition);
        }
        self.envelope_unref(rec.envelope);
    }

    /// Delivery `d`, if it is still out.
    fn delivery(&self, d: Handle) -> Option<&Delivering> {
        self.deliveries
            .get(d.key as usize)
            .filter(|r| r.uid == d.uid)
    }

    /// Delivery `d`, if it is still out, to change.
    fn delivery_mut(&mut self, d: Handle) -> Option<&mut Delivering> {
        self.deliveries
            .get_mut(d.key as usize)
            .filter(|r| r.uid == d.uid)
    }

    /// Gives back the worker a delivery reserved, once.
    fn release_claim(&mut self, d: Handle) {
        let Some(rec) = self.delivery_mut(d) else {
            return;
        };
        if !rec.claim {
            return;
        }
        rec.claim = false;
        let (q, i) = (rec.queue as usize, rec.instance);
        if let Some(t) = self.queues[q].consumer {
            let s = t.service.0 as usize;
            self.services[s].instances[i as usize].claimed -= 1;
            self.pull(s, i);
        }
    }

    /// The consumer instance delivery `d` goes to, if it is still out.
    pub(super) fn delivery_owner(&self, d: Handle) -> Option<(usize, u32)> {
        let rec = self.delivery(d)?;
        let t = self.queues[rec.queue as usize].consumer?;
        Some((t.service.0 as usize, rec.instance))
    }

    /// A delivery reaches its consumer instance: it becomes a job there
    /// (or is refused by a crashed instance). A duplicate on the wire is
    /// dropped: the delivery is one.
    pub(super) fn on_receive(&mut self, d: Handle) {
        let Some(rec) = self.delivery_mut(d) else {
            return;
        };
        if rec.received {
            return;
        }
        rec.received = true;
        rec.claim = false;
        let (q, i, env) = (rec.queue as usize, rec.instance, rec.envelope);
        let Some(target) = self.queues[q].consumer else {
            return;
        };
        let e = &self.envelopes[env.key as usize];
        let (key, request) = (e.key, e.request);
        let asker = super::service::Asker::Delivery(d);
        self.arrive(asker, target, i, SimTime::MAX, key, request);
    }

    /// The consumer's work on delivery `d` ended with `outcome`. At most
    /// once, that decides the message (acked or lost); at least once, an
    /// ack or a nack travels back to the queue.
    pub(super) fn settle_delivery(&mut self, d: Handle, outcome: Outcome) {
        let Some(rec) = self.delivery(d) else {
            return;
        };
        let rec = rec.clone();
        if self.trace.is_some() {
            let q = &self.sc.queues[rec.queue as usize];
            let consumer = self.queues[rec.queue as usize].consumer;
            let link = Link {
                delivery: Some(rec.uid),
                from: Some(q.name.clone()),
                to: consumer.map(|t| self.sc.services[t.service.0 as usize].name.clone()),
                ..self.envelope_link(rec.envelope)
            };
            let (name, o) = (q.name.clone(), outcome_name(outcome));
            self.record_span(Kind::Delivery, &name, Some(rec.instance), rec.sent, o, link);
        }
        if rec.claim {
            self.release_claim(d);
        }
        self.deliveries.remove(d.key as usize);
        let q = rec.queue as usize;
        let ok = outcome == Outcome::Ok || outcome == Outcome::Degraded;
        let ok = match self.queues[q].consumer {
            Some(t) => self.event_served(rec.envelope, t.service.0 as usize, ok, rec.repeat),
            None => ok,
        };
        if self.queue_config(q).delivery == Delivery::AtMostOnce {
            let held = self.now.since(rec.stored);
            let overtook = self.processed(q, rec.envelope, rec.seq);
            let fact = if ok {
                QueueFact::Acked { held, overtook }
            } else {
                QueueFact::Lost(held)
            };
            self.queue_fact(q, rec.envelope, fact);
            self.partition_done(q, rec.partition);
        } else if let Some(target) = self.queues[q].consumer {
            let link = self.network.link(
                &self.sc,
                self.seed,
                NodeId::Service(target.service),
                NodeId::Queue(QueueId(q as u32)),
            );
            self.transmit(link, Event::Acked(rec.queue, rec.held, rec.uid, ok));
        }
        self.envelope_unref(rec.envelope);
    }

    /// An at-most-once delivery of partition `p` of `q` is over: the
    /// partition may deliver its next message.
    fn partition_done(&mut self, q: usize, p: u32) {
        self.queues[q].out[p as usize] -= 1;
        self.dispatch_queue(q);
    }

    /// The copy of `env` stored `seq`-th in `q` is done with (processed,
    /// dead-lettered or lost): whether an earlier message of its key is
    /// still unprocessed, that is, whether it overtook one.
    fn processed(&mut self, q: usize, env: Handle, seq: u64) -> bool {
        let key = self.envelopes[env.key as usize].key;
        let state = &mut self.queues[q];
        state.unprocessed.remove(&(key, seq));
        state
            .unprocessed
            .range((key, 0)..(key, seq))
            .next()
            .is_some()
    }

    /// Removes held copy `h` of `q` from the queue; the caller gives up its
    /// reference to the message once it has recorded what happened.
    fn remove_held(&mut self, q: usize, h: Handle) -> Option<(Handle, SimTime)> {
        let state = &mut self.queues[q];
        let held = state
            .held
            .get(h.key as usize)
            .filter(|x| x.uid == h.uid)?
            .clone();
        state.held.remove(h.key as usize);
        state.ages.remove(&(held.stored, held.uid));
        let p = held.partition as usize;
        if held.out.is_some() {
            state.out[p] -= 1;
        } else {
            state.ready[p].retain(|k| *k != h.key);
        }
        self.depth_changed(q);
        Some((held.envelope, held.stored))
    }

    /// An ack (or a nack, `ok` false) of delivery `delivery` of held copy
    /// `h` reaches queue `q`. A paused or crashed queue loses it (the
    /// ack timeout then redelivers). An ack of any copy acks the message;
    /// a nack of the current delivery makes it deliverable again.
    pub(super) fn on_acked(&mut self, q: u32, h: Handle, delivery: u64, ok: bool) {
        let q = q as usize;
        let state = &self.queues[q];
        if state.down || state.paused {
            return;
        }
        let Some(held) = state.held.get(h.key as usize).filter(|x| x.uid == h.uid) else {
            return; // already acked through another copy, or dead-lettered
        };
        if ok {
            let (env, seq) = (held.envelope, held.seq);
            let overtook = self.processed(q, env, seq);
            if let Some((env, stored)) = self.remove_held(q, h) {
                let held = self.now.since(stored);
                self.queue_fact(q, env, QueueFact::Acked { held, overtook });
                self.envelope_unref(env);
            }
            self.dispatch_queue(q);
        } else if held.out == Some(delivery) {
            self.retry_or_dead_letter(q, h);
        }
    }

    /// The ack timeout of delivery `delivery` of held copy `h` of `q`: if it
    /// is still the one out, the message is deliverable again (at least once).
    pub(super) fn on_ack_timeout(&mut self, q: u32, h: Handle, delivery: u64) {
        let q = q as usize;
        let current = self.queues[q]
            .held
            .get(h.key as usize)
            .is_some_and(|x| x.uid == h.uid && x.out == Some(delivery));
        if current {
            self.retry_or_dead_letter(q, h);
        }
    }

    /// Held copy `h` of `q` was not acked: past `max_receives` it goes to
    /// the dead letter, else back to the front of its partition.
    fn retry_or_dead_letter(&mut self, q: usize, h: Handle) {
        let max = self.queue_config(q).max_receives;
        let state = &mut self.queues[q];
        let held = &mut state.held[h.key as usize];
        let p = held.partition as usize;
        if max.is_some_and(|m| held.receives >= m) {
            let (env, seq) = (held.envelope, held.seq);
            self.processed(q, env, seq);
            if let Some((env, stored)) = self.remove_held(q, h) {
                let held = self.now.since(stored);
                self.queue_fact(q, env, QueueFact::DeadLettered(held));
                if let Some(DeadLetter::Queue(dlq)) = self.queue_config(q).dead_letter.clone() {
                    self.store(dlq.0 as usize, env);
                }
                self.envelope_unref(env);
            }
        } else {
            held.out = None;
            state.out[p] -= 1;
            state.ready[p].push_front(h.key);
        }
        self.dispatch_queue(q);
    }

    /// Queue `q`'s faults changed: `down` and `paused` as the active ones
    /// say; back up, it delivers again.
    pub(super) fn refresh_queue(&mut self, q: usize, down: bool, paused: bool) {
        let state = &mut self.queues[q];
        state.down = down;
        state.paused = paused;
        if !down && !paused {
            self.dispatch_queue(q);
        }
    }

    /// Assigns the partitions of the queues `s` consumes to its instances
    /// that are up, round robin, and delivers what the new owners can take.
    pub(super) fn rebalance(&mut self, s: usize) {
        let up: Vec<u32> = (0..self.services[s].instances.len() as u32)
            .filter(|i| !self.services[s].instances[*i as usize].down())
            .collect();
        for k in 0..self.consumed_by[s].len() {
            let q = self.consumed_by[s][k] as usize;
            let state = &mut self.queues[q];
            if !state.partitioned {
                continue;
            }
            for (p, owner) in state.owner.iter_mut().enumerate() {
                *owner = (!up.is_empty()).then(|| up[p % up.len()]);
            }
            self.dispatch_queue(q);
        }
    }

    /// Queue `q`'s window values at `now`: depth and the oldest's age.
    pub(super) fn queue_levels(&self, q: usize) -> (u64, SimDuration) {
        let state = &self.queues[q];
        (state.depth(), state.oldest_age(self.now))
    }
}

/// Spreads a key over partitions (SplitMix64's finaliser), so neighbouring
/// keys land on different partitions.
fn spread(key: u64) -> u64 {
    let mut z = key.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
