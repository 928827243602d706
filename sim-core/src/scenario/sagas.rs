//! `[[saga]]`: sagas, their steps with compensations and a pivot, and the
//! checks that tie them to the clients that start them and the faults that
//! strike their orchestrators.

use super::fields::{self, Fields};
use super::format;
use super::model::{Client, Fault, FaultTarget, Queue, QueueId, Saga, SagaId, SagaMode, SagaStep};
use super::names::{own_name, Names};
use super::policies::policy;
use super::problems::{At, Problems};
use super::queues::implicit;
use super::services::{label, unique_name, Sites};
use super::tree::{Node, Value};
use crate::text::quote;
use std::collections::BTreeMap;

/// The words of `mode`.
const MODES: &[(&str, SagaMode)] = &[
    ("orchestration", SagaMode::Orchestration),
    ("choreography", SagaMode::Choreography),
    ("two_phase", SagaMode::TwoPhase),
];

/// The suffix of the queue that carries a step's compensation trigger.
const UNDO: &str = "undo";

/// Reads every `[[saga]]`; an entry is `None` where it has problems.
pub(crate) fn sagas(nodes: &[Node], names: &Names, p: &mut Problems) -> Vec<Option<Saga>> {
    let mut seen = BTreeMap::new();
    nodes
        .iter()
        .enumerate()
        .map(|(i, node)| saga(node, SagaId(u32::try_from(i).ok()?), names, &mut seen, p))
        .collect()
}

fn saga(
    node: &Node,
    id: SagaId,
    names: &Names,
    seen: &mut BTreeMap<String, At>,
    p: &mut Problems,
) -> Option<Saga> {
    let context = format!("[[saga]] {}", label(node, id.0));
    let f = Fields::open(node, "each `saga`", &format::SAGA, context, p)?;
    let name =
        unique_name(&f, "saga", seen, p).filter(|n| own_name("saga", n, f.place("name"), names, p));
    let mode = f
        .read("mode", p, |n, k, p| fields::choice(n, k, MODES, p))
        .unwrap_or(SagaMode::Orchestration);
    let steps = f.require("steps", p, fields::tables).and_then(|nodes| {
        let steps: Vec<Option<SagaStep>> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| step(n, i, &f.context, names, p))
            .collect();
        let steps: Option<Vec<SagaStep>> = steps.into_iter().collect();
        steps.filter(|s| check_steps(s, nodes, &f, p))
    });
    if let Some(nodes) = f.get("steps").and_then(|n| fields::tables(n, "steps", p)) {
        match mode {
            SagaMode::TwoPhase => warn_two_phase(nodes, &f.context, p),
            SagaMode::Choreography => warn_choreography(nodes, &f.context, p),
            SagaMode::Orchestration => {}
        }
    }
    Some(Saga {
        name: name?.to_string(),
        mode,
        steps: steps?,
        events: Vec::new(),
    })
}

/// Two-phase commit prepares every step and commits or aborts them all:
/// nothing is compensated and there is no point of no return.
fn warn_two_phase(nodes: &[Node], saga: &str, p: &mut Problems) {
    for (i, node) in nodes.iter().enumerate() {
        for (key, why) in [
            (
                "compensate",
                "an abort releases what the step prepared: nothing is compensated",
            ),
            ("pivot", "every step commits or aborts with the others"),
        ] {
            if node_has(node, key) {
                p.warn(
                    node.place(key),
                    format!("`{key}` of step {i} of {saga} is never used in two_phase: {why}"),
                    Some("remove it, or make the saga `mode = \"orchestration\"`".to_string()),
                );
            }
        }
    }
}

/// A choreographed step is a queue's delivery to its endpoint, not a call:
/// of its policies only `retry` applies (its `max_attempts` deliveries).
fn warn_choreography(nodes: &[Node], saga: &str, p: &mut Problems) {
    for (i, node) in nodes.iter().enumerate() {
        let unused = format::POLICY.iter().filter(|k| k.name != "retry");
        for key in unused.filter(|k| node_has(node, k.name)) {
            p.warn(
                node.place(key.name),
                format!(
                    "`{}` of step {i} of {saga} is never used in choreography: the step's endpoint consumes its trigger from a queue, there is no call",
                    key.name
                ),
                Some("set it on the queue (`ack_timeout`), or make the saga `mode = \"orchestration\"`; `retry.max_attempts` counts the deliveries before the step fails".to_string()),
            );
        }
    }
}

/// The name of the queue carrying the trigger of step `step` of saga
/// `saga` (`checkout.1`), or of its compensation (`checkout.1.undo`).
pub(crate) fn event_name(saga: &str, step: usize, undo: bool) -> String {
    if undo {
        format!("{saga}.{step}.{UNDO}")
    } else {
        format!("{saga}.{step}")
    }
}

/// Whether `name` is the name of a saga's event queue (`SAGA.STEP` or
/// `SAGA.STEP.undo`), which a `[[queue]]` may declare.
pub(crate) fn is_event_name(name: &str, names: &Names) -> bool {
    let mut parts = name.split('.');
    let (Some(saga), Some(step)) = (parts.next(), parts.next()) else {
        return false;
    };
    let rest: Vec<&str> = parts.collect();
    names.saga(saga).is_some() && step.parse::<u32>().is_ok() && (rest.is_empty() || rest == [UNDO])
}

/// Gives every step of a choreographed saga its event queues: the declared
/// `[[queue]]` of that name, or an implicit one appended to `queues`.
pub(crate) fn attach_events(sagas: &mut [Option<Saga>], queues: &mut Vec<Option<Queue>>) {
    for saga in sagas.iter_mut().flatten() {
        if saga.mode != SagaMode::Choreography {
            continue;
        }
        let mut queue = |name: String| {
            let found = queues
                .iter()
                .position(|q| q.as_ref().is_some_and(|q| q.name == name));
            let i = found.unwrap_or_else(|| {
                queues.push(Some(implicit(&name)));
                queues.len() - 1
            });
            QueueId(i as u32)
        };
        saga.events = (saga.steps.iter().enumerate())
            .map(|(i, s)| {
                let on = queue(event_name(&saga.name, i, false));
                (
                    on,
                    s.compensate.map(|_| queue(event_name(&saga.name, i, true))),
                )
            })
            .collect();
    }
}

/// One entry of `steps`.
fn step(node: &Node, i: usize, saga: &str, names: &Names, p: &mut Problems) -> Option<SagaStep> {
    let context = format!("step {i} of {saga}");
    let f = Fields::open(node, "each step", &format::SAGA_STEP, context, p)?;
    let endpoint = |key: &str, p: &mut Problems| {
        let text = f.read(key, p, fields::string)?;
        names.target(text, f.place(key), &format!("`{key}` of {}", f.context), p)
    };
    if !f.has("call") {
        let hint = "name the endpoint that does the step: `call = \"payments.charge\"`";
        f.missing("call", Some(hint.to_string()), p);
    }
    let call = endpoint("call", p);
    let compensate = if f.has("compensate") {
        Some(endpoint("compensate", p)?)
    } else {
        None
    };
    let pivot = f.read("pivot", p, fields::boolean).unwrap_or(false);
    let policy = policy(&f, p);
    Some(SagaStep {
        call: call?,
        compensate,
        pivot,
        policy: policy?,
    })
}

/// A saga has steps, at most one pivot, and warns of compensations that
/// can never run (after the pivot).
fn check_steps(steps: &[SagaStep], nodes: &[Node], f: &Fields, p: &mut Problems) -> bool {
    if steps.is_empty() {
        let hint = "add one: `steps = [ { call = \"payments.charge\", compensate = \"payments.refund\" } ]`";
        p.hinted(
            f.place("steps"),
            format!("{} has no steps", f.context),
            Some(hint.to_string()),
        );
        return false;
    }
    let pivots: Vec<usize> = (0..steps.len()).filter(|&i| steps[i].pivot).collect();
    if let [first, second, ..] = pivots[..] {
        p.hinted(
            nodes[second].place("pivot"),
            format!("step {second} of {} is a second pivot", f.context),
            Some(format!(
                "a saga has one point of no return; step {first} is already the pivot"
            )),
        );
        return false;
    }
    if let Some(&pivot) = pivots.first() {
        for (i, node) in nodes.iter().enumerate().skip(pivot + 1) {
            if steps[i].compensate.is_some() {
                p.warn(
                    node.place("compensate"),
                    format!(
                        "the compensation of step {i} of {} never runs: the step comes after the pivot (step {pivot}), and is retried until it succeeds",
                        f.context
                    ),
                    Some("remove it, or move the pivot after this step".to_string()),
                );
            }
        }
    }
    true
}

/// A client whose `target` names a saga starts one per request: its
/// caller-side policies would never apply (the steps carry their own), so
/// they are refused. Points the client at the saga's first step.
pub(crate) fn attach_clients(
    nodes: &[Node],
    clients: &mut [Option<Client>],
    sagas: &[Option<Saga>],
    p: &mut Problems,
) {
    for (node, client) in nodes.iter().zip(clients.iter_mut()) {
        let Some(c) = client else { continue };
        let Some(g) = c.saga else { continue };
        let Some(saga) = &sagas[g.0 as usize] else {
            *client = None;
            continue;
        };
        c.target = saga.steps[0].call;
        let policies = format::POLICY.iter().chain(format::CALLER_ONLY);
        let mut refused = false;
        for key in policies.filter(|k| node_has(node, k.name)) {
            refused = true;
            p.hinted(
                node.place(key.name),
                format!(
                    "`{}` of [[client]] `{}` would never apply: the client starts saga `{}`, whose steps make the calls",
                    key.name,
                    quote(&c.name),
                    quote(&saga.name)
                ),
                Some(format!("put it on a step of [[saga]] `{}`", quote(&saga.name))),
            );
        }
        if refused {
            *client = None;
        }
    }
}

/// Whether the table `node` has `key`.
fn node_has(node: &Node, key: &str) -> bool {
    match &node.value {
        Value::Table(t) => t.get(key).is_some(),
        _ => false,
    }
}

/// A choreographed saga's event queue is the saga's alone: its consumer is
/// the step's endpoint, and its publishers the participants.
pub(crate) fn check_event_queues(sagas: &[Option<Saga>], sites: &Sites, p: &mut Problems) {
    let uses = (sites.consumers.iter().map(|u| (u, "consumes")))
        .chain(sites.publishes.iter().map(|u| (u, "publishes to")));
    for (u, verb) in uses {
        let owner = sagas.iter().flatten().find(|g| {
            g.events
                .iter()
                .any(|(on, undo)| *on == u.queue || *undo == Some(u.queue))
        });
        if let Some(g) = owner {
            p.hinted(
                u.at,
                format!(
                    "an endpoint {verb} a queue of saga `{}`'s events",
                    quote(&g.name)
                ),
                Some(
                    "the saga publishes its triggers and the step's endpoint consumes them: use a queue of another name"
                        .to_string(),
                ),
            );
        }
    }
}

/// A choreographed saga has no orchestrator for a fault to strike.
pub(crate) fn check_faults(
    nodes: &[Node],
    faults: &[Option<Fault>],
    sagas: &[Option<Saga>],
    p: &mut Problems,
) {
    for (node, fault) in nodes.iter().zip(faults) {
        let Some(Fault {
            target: FaultTarget::Saga(g),
            ..
        }) = fault
        else {
            continue;
        };
        let Some(saga) = &sagas[g.0 as usize] else {
            continue;
        };
        if saga.mode == SagaMode::Choreography {
            p.hinted(
                node.place("target"),
                format!(
                    "saga `{}` is choreographed: it has no orchestrator to strike",
                    quote(&saga.name)
                ),
                Some(
                    "strike its participants, or the queues its events travel through".to_string(),
                ),
            );
        }
    }
}
