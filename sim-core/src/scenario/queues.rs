//! `[[queue]]`: broker queues, where their dead letters go, and whether
//! something publishes to each and one endpoint consumes it.

use super::fields::{self, Fields};
use super::format;
use super::model::{DeadLetter, Delivery, Queue, QueueId};
use super::names::{check_name, own_name, Names};
use super::problems::{At, Problems};
use super::sagas::is_event_name;
use super::services::{label, unique_name_with, QueueUse, Sites};
use super::tree::Node;
use crate::text::quote;
use crate::time::SimDuration;
use std::collections::BTreeMap;

/// The words of `delivery`.
const DELIVERIES: &[(&str, Delivery)] = &[
    ("at_least_once", Delivery::AtLeastOnce),
    ("at_most_once", Delivery::AtMostOnce),
];

/// `ack_timeout` when omitted.
const ACK_TIMEOUT: SimDuration = SimDuration::from_secs(30);

/// Reads every `[[queue]]`; an entry is `None` where it has problems.
pub(crate) fn queues(nodes: &[Node], names: &Names, p: &mut Problems) -> Vec<Option<Queue>> {
    let mut seen = BTreeMap::new();
    let queues: Vec<Option<Queue>> = nodes
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let id = QueueId(u32::try_from(i).ok()?);
            queue(node, id, names, &mut seen, p)
        })
        .collect();
    check_cycles(nodes, &queues, p);
    queues
}

fn queue(
    node: &Node,
    id: QueueId,
    names: &Names,
    seen: &mut BTreeMap<String, At>,
    p: &mut Problems,
) -> Option<Queue> {
    let context = format!("[[queue]] {}", label(node, id.0));
    let f = Fields::open(node, "each `queue`", &format::QUEUE, context, p)?;
    // A saga's event queue (`checkout.1`) may be declared to set its delivery.
    let form = |n: &str, at, p: &mut Problems| is_event_name(n, names) || check_name(n, at, p);
    let name = unique_name_with(&f, "queue", seen, p, form)
        .filter(|n| own_name("queue", n, f.place("name"), names, p));
    let delivery = f.read("delivery", p, |n, k, p| fields::choice(n, k, DELIVERIES, p));
    let ack_timeout = f.read("ack_timeout", p, fields::positive_duration);
    let max_receives = f.count("max_receives", p);
    let dead_letter = f.read("dead_letter", p, |n, k, p| dead_letter(n, k, id, names, p));
    let partitions = f.count("partitions", p);
    let capacity = f.count("capacity", p);
    let delivery = delivery.unwrap_or(Delivery::AtLeastOnce);
    warn_unused_keys(&f, delivery, p);
    Some(Queue {
        delivery,
        ack_timeout: ack_timeout.unwrap_or(ACK_TIMEOUT),
        max_receives,
        dead_letter,
        partitions,
        capacity,
        ..implicit(name?)
    })
}

/// A queue nobody declared (a choreographed saga's event queue): at least
/// once, with the defaults of a `[[queue]]` that gives only its name.
pub(crate) fn implicit(name: &str) -> Queue {
    Queue {
        name: name.to_string(),
        delivery: Delivery::AtLeastOnce,
        ack_timeout: ACK_TIMEOUT,
        max_receives: None,
        dead_letter: None,
        partitions: None,
        capacity: None,
    }
}

/// `dead_letter`: another declared queue, or any other name for a sink.
fn dead_letter(
    node: &Node,
    key: &str,
    id: QueueId,
    names: &Names,
    p: &mut Problems,
) -> Option<DeadLetter> {
    let name = fields::string(node, key, p)?;
    if !check_name(name, node.at, p) {
        return None;
    }
    match names.queue(name) {
        Some(q) if q == id => {
            p.hinted(
                node.at,
                format!("queue `{}` is its own dead letter", quote(name)),
                Some("name another queue, or a sink: any name that is not a queue's".to_string()),
            );
            None
        }
        Some(q) => Some(DeadLetter::Queue(q)),
        None => {
            if names.service(name).is_some() || names.client(name).is_some() {
                p.warn(
                    node.at,
                    format!("dead letters go to a sink that only counts them, and `{}` is the name of a service or a client", quote(name)),
                    Some(format!(
                        "to serve dead letters, name a queue here and let an endpoint consume it; else name the sink apart, like `{}-dead`",
                        quote(name)
                    )),
                );
            }
            Some(DeadLetter::Sink(name.to_string()))
        }
    }
}

/// Warns of keys that never take effect: an at-most-once queue acks on
/// receipt and never redelivers, and without `max_receives` nothing is
/// dead-lettered.
fn warn_unused_keys(f: &Fields, delivery: Delivery, p: &mut Problems) {
    if delivery == Delivery::AtMostOnce {
        for key in ["ack_timeout", "max_receives", "dead_letter"] {
            if let Some(node) = f.get(key) {
                p.warn(
                    node.at,
                    format!(
                        "`{key}` of {} is never used: an at_most_once queue acks on receipt and never redelivers",
                        f.context
                    ),
                    Some("remove it, or make the queue `delivery = \"at_least_once\"`".to_string()),
                );
            }
        }
        return;
    }
    if let (Some(node), false) = (f.get("dead_letter"), f.has("max_receives")) {
        p.warn(
            node.at,
            format!(
                "`dead_letter` of {} is never used: without `max_receives` a message is redelivered until it is acked",
                f.context
            ),
            Some("set `max_receives`, the receives after which a message is dead-lettered".to_string()),
        );
    }
}

/// The queue a queue's dead letters go to, if any.
fn dead_letter_queue(q: &Queue) -> Option<QueueId> {
    match q.dead_letter {
        Some(DeadLetter::Queue(to)) => Some(to),
        _ => None,
    }
}

/// Reports every cycle of dead-letter queues once, at the `dead_letter`
/// that closes it: a message would go round it for ever. Each queue has
/// at most one dead letter, so following them from each queue finds every
/// cycle.
fn check_cycles(nodes: &[Node], queues: &[Option<Queue>], p: &mut Problems) {
    let next: Vec<Option<usize>> = queues
        .iter()
        .map(|q| {
            q.as_ref()
                .and_then(dead_letter_queue)
                .map(|to| to.0 as usize)
        })
        .collect();
    let mut done = vec![false; queues.len()];
    for start in 0..queues.len() {
        let mut path: Vec<usize> = Vec::new();
        let mut at = Some(start);
        while let Some(i) = at.filter(|&i| i < queues.len() && !done[i]) {
            if let Some(from) = path.iter().position(|&j| j == i) {
                report_cycle(nodes, queues, &path[from..], p);
                break;
            }
            path.push(i);
            at = next[i];
        }
        for i in path {
            done[i] = true;
        }
    }
}

fn report_cycle(nodes: &[Node], queues: &[Option<Queue>], cycle: &[usize], p: &mut Problems) {
    let name = |i: &usize| {
        queues
            .get(*i)
            .and_then(|q| q.as_ref())
            .map_or_else(|| format!("[{i}]"), |q| quote(&q.name))
    };
    let names: Vec<String> = cycle.iter().chain(cycle.first()).map(name).collect();
    let at = cycle
        .last()
        .and_then(|&i| nodes.get(i))
        .map_or(At::File(0), |n| n.place("dead_letter"));
    p.hinted(
        at,
        format!("dead-letter cycle: {}", names.join(" -> ")),
        Some(
            "a message would be dead-lettered round these queues for ever: end the chain at a sink (a name that is no queue's) or at a queue without `dead_letter`"
                .to_string(),
        ),
    );
}

/// Checks that each queue has one consumer at most: an error at the second.
pub(crate) fn check_consumers(sites: &Sites, names: &Names, p: &mut Problems) {
    let mut consumers: BTreeMap<QueueId, &QueueUse> = BTreeMap::new();
    for c in &sites.consumers {
        match consumers.get(&c.queue) {
            Some(first) => second_consumer(first, c, names, p),
            None => {
                consumers.insert(c.queue, c);
            }
        }
    }
}

/// Warns, at its name, of a queue that is no dead letter and is not both
/// published to and consumed. Only for a file without errors: a reference
/// that failed to resolve would make these warnings wrong.
/// A saga's event queue (in `sagas`) is used by the saga.
pub(crate) fn warn_unused(
    nodes: &[Node],
    queues: &[Queue],
    sagas: &[QueueId],
    sites: &Sites,
    p: &mut Problems,
) {
    if !p.is_empty() {
        return;
    }
    let dead_letters: Vec<QueueId> = queues.iter().filter_map(dead_letter_queue).collect();
    for (i, (node, queue)) in nodes.iter().zip(queues).enumerate() {
        let Ok(i) = u32::try_from(i) else {
            continue;
        };
        let id = QueueId(i);
        if dead_letters.contains(&id) || sagas.contains(&id) {
            continue;
        }
        let published = sites.publishes.iter().any(|u| u.queue == id);
        let consumed = sites.consumers.iter().any(|u| u.queue == id);
        let name = quote(&queue.name);
        let (message, hint) = match (published, consumed) {
            (true, true) => continue,
            (true, false) => (
                format!("queue `{name}` has no consumer: its messages only pile up"),
                format!("add `consumes = \"{name}\"` to the endpoint that serves them"),
            ),
            (false, true) => (
                format!("queue `{name}` is consumed but nothing publishes to it"),
                format!("add `publish = [{{ to = \"{name}\" }}]` to the endpoint that sends its messages"),
            ),
            (false, false) => (
                format!("queue `{name}` is never used: nothing publishes to it or consumes it"),
                format!("publish with `publish = [{{ to = \"{name}\" }}]` and consume with `consumes = \"{name}\"`, or remove it"),
            ),
        };
        p.warn(node.place("name"), message, Some(hint));
    }
}

/// Reports a second endpoint consuming the queue `first` consumes.
fn second_consumer(first: &QueueUse, second: &QueueUse, names: &Names, p: &mut Problems) {
    p.hinted(
        second.at,
        format!(
            "queue `{}` has a second consumer, `{}`: `{}` consumes it already ({})",
            names.queue_name(second.queue),
            names.label(second.endpoint),
            names.label(first.endpoint),
            p.describe(first.at)
        ),
        Some(
            "a queue has one consumer group, the instances of one endpoint competing for its messages; a second consumer needs a second queue, published to as well"
                .to_string(),
        ),
    );
}
