//! `[[fault]]`: what goes wrong, where and when, checked kind by kind.

use super::fault::{Fault, FaultKind, FaultTarget};
use super::fields::{self, Fields};
use super::format;
use super::model::{NodeId, Service};
use super::names::{no_cache_link, Names};
use super::problems::{At, Problems};
use super::tree::Node;
use crate::text::quote;
use crate::time::{SimDuration, SimTime};

/// The keys each kind needs beside kind, target, at and for.
fn needs(kind: &str) -> &'static [&'static str] {
    match kind {
        "slowdown" | "capacity" => &["factor"],
        "error_rate" | "loss" | "duplicate" => &["rate"],
        "latency" => &["latency"],
        _ => &[],
    }
}

/// Reads every `[[fault]]`; `services` gives instance counts for `db#2`.
pub(crate) fn faults(
    nodes: &[Node],
    names: &Names,
    services: &[Option<Service>],
    p: &mut Problems,
) -> Vec<Option<Fault>> {
    nodes
        .iter()
        .enumerate()
        .map(|(i, node)| fault(node, i, names, services, p))
        .collect()
}

fn fault(
    node: &Node,
    index: usize,
    names: &Names,
    services: &[Option<Service>],
    p: &mut Problems,
) -> Option<Fault> {
    let context = format!("[[fault]] [{index}]");
    let f = Fields::open(node, "each `fault`", &format::FAULT, context, p)?;
    let kind_name = f.require("kind", p, |n, k, p| {
        let options: Vec<(&str, &str)> = FaultKind::NAMES.iter().map(|n| (*n, *n)).collect();
        fields::choice(n, k, &options, p)
    });
    let target = f.require("target", p, |n, k, p| {
        let text = fields::string(n, k, p)?;
        target(text, n.at, &f.context, names, services, p)
    });
    let at = f.require("at", p, fields::duration);
    let duration = f.read("for", p, |n, k, p| {
        let d = fields::duration(n, k, p)?;
        if d.0 == 0 {
            p.error(
                n.at,
                "`for` must be longer than 0 (omit it to last until the end)",
            );
            return None;
        }
        Some(d)
    });
    let kind_name = kind_name?;
    for key in ["factor", "rate", "latency"] {
        let needed = needs(kind_name).contains(&key);
        match (needed, f.get(key)) {
            (true, None) => f.missing(key, Some(format!("a {kind_name} fault needs `{key}`")), p),
            (false, Some(n)) => p.error(
                n.at,
                format!("`{key}` does not apply to a {kind_name} fault"),
            ),
            _ => {}
        }
    }
    let factor = |p: &mut Problems| {
        f.read("factor", p, |n, k, p| {
            let x = fields::number(n, k, p)?;
            if x < 0.0 {
                p.error(n.at, format!("`{k}` must be at least 0, got {x}"));
                return None;
            }
            Some(x)
        })
    };
    let kind = match kind_name {
        "crash" => FaultKind::Crash,
        "pause" => FaultKind::Pause,
        "partition" => FaultKind::Partition,
        "slowdown" => FaultKind::Slowdown { factor: factor(p)? },
        "capacity" => {
            let factor = factor(p)?;
            if factor == 0.0 {
                let at = f.place("factor");
                p.hinted(
                    at,
                    "a capacity fault with `factor` = 0 leaves no workers at all",
                    Some(
                        "use kind = \"pause\" (nothing is answered until it resumes) or \"crash\" (requests fail at once)"
                            .to_string(),
                    ),
                );
                return None;
            }
            FaultKind::Capacity { factor }
        }
        "error_rate" => FaultKind::ErrorRate {
            rate: f.read("rate", p, fields::probability)?,
        },
        "loss" => FaultKind::Loss {
            rate: f.read("rate", p, fields::probability)?,
        },
        "duplicate" => FaultKind::Duplicate {
            rate: f.read("rate", p, fields::probability)?,
        },
        _ => FaultKind::Latency {
            extra: f.read("latency", p, fields::duration)?,
        },
    };
    let target = target?;
    if let Some((what, hint)) = misfit(kind, target) {
        p.hinted(
            f.place("target"),
            format!("a {kind_name} fault strikes {what}"),
            Some(hint.to_string()),
        );
        return None;
    }
    Some(Fault {
        kind,
        target,
        at: SimTime(at?.0),
        duration,
        chaos: false,
    })
}

/// Why a fault of `kind` cannot strike `target`: what it strikes and a
/// hint, or `None` when it can. Links take only network faults; queues
/// and caches and sagas' orchestrators only crash and pause.
fn misfit(kind: FaultKind, target: FaultTarget) -> Option<(&'static str, &'static str)> {
    let network = matches!(
        kind,
        FaultKind::Latency { .. }
            | FaultKind::Loss { .. }
            | FaultKind::Duplicate { .. }
            | FaultKind::Partition
    );
    let whole = matches!(kind, FaultKind::Crash | FaultKind::Pause);
    match target {
        FaultTarget::Link(..) if !network => Some((
            "a service or an instance, not a link",
            "links take latency, loss, duplicate and partition faults",
        )),
        FaultTarget::Saga(_) if !whole => Some((
            "a service, an instance or a link, not a saga",
            "a saga's orchestrator takes crash (it loses the answers of its calls in flight and resumes every saga from its log when it restarts) and pause faults",
        )),
        FaultTarget::Queue(_) if !whole => Some((
            "a service, an instance or a link, not a queue",
            "queues take crash (it refuses publishes) and pause (it answers nothing) faults; network faults go on a link like `api->orders`",
        )),
        FaultTarget::Cache(_) if !whole => Some((
            "a service, an instance or a link, not a cache",
            "caches take crash (it empties and restarts cold) and pause (lookups wait until it resumes) faults",
        )),
        _ => None,
    }
}

/// Warns of every fault that starts at or after the end of the run: it never
/// fires. Only a warning, since `--set scenario.duration=...` may shorten a
/// run on purpose.
pub(crate) fn check_timing(
    nodes: &[Node],
    faults: &[Option<Fault>],
    duration: SimDuration,
    p: &mut Problems,
) {
    for (i, (node, fault)) in nodes.iter().zip(faults).enumerate() {
        let Some(fault) = fault else { continue };
        if fault.at.0 < duration.0 {
            continue;
        }
        let at = node.place("at");
        p.warn(
            at,
            format!(
                "[[fault]] [{i}] starts at {}, at or after the end of the run at {duration}: it never fires",
                SimDuration(fault.at.0)
            ),
            Some("move `at` before the end, or lengthen `duration`".to_string()),
        );
    }
}

/// `db`, `db#2`, `api->db`, a queue or a cache.
fn target(
    text: &str,
    at: At,
    context: &str,
    names: &Names,
    services: &[Option<Service>],
    p: &mut Problems,
) -> Option<FaultTarget> {
    let role = format!("`target` of {context}");
    if let Some((from, to)) = text.split_once("->") {
        let end = |name: &str, p: &mut Problems| {
            let node = names.node(name.trim(), at, &role, p)?;
            no_cache_link(node, at, &role, p)
        };
        let (from, to) = (end(from, p), end(to, p));
        return Some(FaultTarget::Link(from?, to?));
    }
    let (name, instance) = match text.split_once('#') {
        Some((name, i)) => (name.trim(), Some(i.trim())),
        None => (text.trim(), None),
    };
    let s = match (names.node(name, at, &role, p)?, instance) {
        (NodeId::Service(s), _) => s,
        (NodeId::Queue(q), None) => return Some(FaultTarget::Queue(q)),
        (NodeId::Saga(s), None) => return Some(FaultTarget::Saga(s)),
        (NodeId::Cache(c), None) => return Some(FaultTarget::Cache(c)),
        (node @ (NodeId::Queue(_) | NodeId::Saga(_) | NodeId::Cache(_)), Some(_)) => {
            let (what, whole) = match node {
                NodeId::Queue(_) => ("a queue", "the whole queue"),
                NodeId::Cache(_) => ("a cache", "the whole cache"),
                _ => ("a saga", "its orchestrator"),
            };
            p.hinted(
                at,
                format!("`{}` is {what}: it has no instances", quote(name)),
                Some(format!("target {whole}: `{}`", quote(name))),
            );
            return None;
        }
        (NodeId::Client(_), _) => {
            p.error(
                at,
                format!("{role} is a client; faults strike services, queues and links"),
            );
            return None;
        }
    };
    let Some(i) = instance else {
        return Some(FaultTarget::Service(s));
    };
    let count = services
        .get(s.0 as usize)
        .and_then(|x| x.as_ref())
        .map_or(u32::MAX, |x| x.max_instances());
    match i.parse::<u32>() {
        Ok(i) if i < count => Some(FaultTarget::Instance(s, i)),
        _ => {
            p.hinted(
                at,
                format!("`{}` has no instance `{}`", quote(name), quote(i)),
                Some(format!(
                    "instances are numbered from 0: `{name}#0` to `{name}#{}`",
                    count.saturating_sub(1),
                    name = quote(name)
                )),
            );
            None
        }
    }
}
