//! The lifecycle keys of a `[[service]]`: `startup`, `health` and
//! `autoscale`.

use super::fields::{self, Fields};
use super::format;
use super::model::{Autoscale, HealthAction, HealthCheck, Lifecycle, ScaleMetric};
use super::problems::Problems;
use super::tree::Node;
use crate::time::SimDuration;

const ACTIONS: &[(&str, HealthAction)] = &[
    ("remove", HealthAction::Remove),
    ("restart", HealthAction::Restart),
];

const METRICS: &[(&str, ScaleMetric)] = &[
    ("utilization", ScaleMetric::Utilization),
    ("queue", ScaleMetric::Queue),
    ("inflight", ScaleMetric::InFlight),
];

/// Reads a service's lifecycle keys; `instances` is its starting count,
/// which an autoscaler's `min..max` must hold.
pub(crate) fn lifecycle(f: &Fields, instances: u32, p: &mut Problems) -> Lifecycle {
    let startup = f.read("startup", p, fields::duration);
    let health = f.get("health").and_then(|n| health(n, &f.context, p));
    let autoscale = f
        .get("autoscale")
        .and_then(|n| autoscale(n, &f.context, instances, p));
    Lifecycle {
        startup: startup.unwrap_or(SimDuration::ZERO),
        health,
        autoscale,
    }
}

/// Reads `health = { interval, timeout, unhealthy, healthy, action, deep }`.
fn health(node: &Node, context: &str, p: &mut Problems) -> Option<HealthCheck> {
    let context = format!("`health` of {context}");
    let f = Fields::open(node, "`health`", &format::HEALTH, context, p)?;
    let interval = f.read("interval", p, fields::positive_duration);
    let timeout = f.read("timeout", p, fields::positive_duration);
    let unhealthy = f.count("unhealthy", p);
    let healthy = f.count("healthy", p);
    let action = f.read("action", p, |n, k, p| fields::choice(n, k, ACTIONS, p));
    let deep = f.read("deep", p, fields::boolean);
    Some(HealthCheck {
        interval: interval.unwrap_or(SimDuration::from_secs(10)),
        timeout: timeout.unwrap_or(SimDuration::from_secs(1)),
        unhealthy: unhealthy.unwrap_or(3),
        healthy: healthy.unwrap_or(1),
        action: action.unwrap_or(HealthAction::Remove),
        deep: deep.unwrap_or(false),
    })
}

/// Reads `autoscale = { min, max, metric, target, interval, cooldown }`:
/// `min <= instances <= max`, and a target above 0.
fn autoscale(node: &Node, context: &str, instances: u32, p: &mut Problems) -> Option<Autoscale> {
    let context = format!("`autoscale` of {context}");
    let f = Fields::open(node, "`autoscale`", &format::AUTOSCALE, context, p)?;
    let min = f.count("min", p);
    let max = f.require_count("max", p);
    let metric = f.read("metric", p, |n, k, p| fields::choice(n, k, METRICS, p));
    let target = f.require("target", p, fields::number);
    let interval = f.read("interval", p, fields::positive_duration);
    let cooldown = f.read("cooldown", p, fields::duration);
    let (min, max) = (min.unwrap_or(1), max?);
    if min > instances {
        let hint = format!("lower `min`, or start with `instances = {min}`");
        p.hinted(
            f.place("min"),
            format!("`min` is {min}, above the {instances} `instances` the service starts with"),
            Some(hint),
        );
        return None;
    }
    if max < instances {
        let hint = format!("raise `max`, or start with `instances = {max}`");
        p.hinted(
            f.place("max"),
            format!("`max` is {max}, below the {instances} `instances` the service starts with"),
            Some(hint),
        );
        return None;
    }
    let target = target?;
    if target <= 0.0 {
        p.error(f.place("target"), "`target` must be more than 0");
        return None;
    }
    Some(Autoscale {
        min,
        max,
        metric: metric.unwrap_or(ScaleMetric::Utilization),
        target,
        interval: interval.unwrap_or(SimDuration::from_secs(15)),
        cooldown: cooldown.unwrap_or(SimDuration::from_secs(300)),
    })
}
