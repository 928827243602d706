//! `[[fault]]`: what goes wrong, where and when, checked kind by kind.

use super::fault::{Fault, FaultKind, FaultTarget};
use super::fields::{self, Fields};
use super::format;
use super::model::{NodeId, Service};
use super::names::Names;
use super::problems::{At, Problems};
use super::tree::{Node, Value};
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
                let at = f.get("factor").map_or(f.at, |n| n.at);
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
    let on_link = matches!(target, FaultTarget::Link(..));
    let network_kind = matches!(
        kind,
        FaultKind::Latency { .. }
            | FaultKind::Loss { .. }
            | FaultKind::Duplicate { .. }
            | FaultKind::Partition
    );
    if on_link && !network_kind {
        let at = f.get("target").map_or(f.at, |n| n.at);
        p.hinted(
            at,
            format!("a {kind_name} fault strikes a service or an instance, not a link"),
            Some("links take latency, loss, duplicate and partition faults".to_string()),
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
        let at = match &node.value {
            Value::Table(t) => t.get("at").map_or(node.at, |e| e.node.at),
            _ => node.at,
        };
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

/// `db`, `db#2` or `api->db`.
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
        let from = names.node(from.trim(), at, &role, p);
        let to = names.node(to.trim(), at, &role, p);
        return Some(FaultTarget::Link(from?, to?));
    }
    let (name, instance) = match text.split_once('#') {
        Some((name, i)) => (name.trim(), Some(i.trim())),
        None => (text.trim(), None),
    };
    let NodeId::Service(s) = names.node(name, at, &role, p)? else {
        p.error(
            at,
            format!("{role} is a client; faults strike services and links"),
        );
        return None;
    };
    let Some(i) = instance else {
        return Some(FaultTarget::Service(s));
    };
    let count = services
        .get(s.0 as usize)
        .and_then(|x| x.as_ref())
        .map_or(u32::MAX, |x| x.instances);
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
