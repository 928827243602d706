//! `[[deploy]]`: a new version of a service rolled out during the run, with
//! its strategy, what the version changes and when to roll it back.

use super::fields::{self, Fields};
use super::format;
use super::model::{Deploy, Rollback, Service, ServiceId, Strategy};
use super::names::Names;
use super::problems::{At, Problems};
use super::services::{self, Sites};
use super::tree::Node;
use crate::time::{SimDuration, SimTime};
use std::collections::BTreeMap;

const STRATEGIES: &[(&str, Strategy)] = &[
    ("rolling", Strategy::Rolling),
    ("canary", Strategy::Canary),
    ("blue_green", Strategy::BlueGreen),
];

/// Reads every `[[deploy]]` and gives each service it deploys the
/// endpoints of its new version (so a deployed service may run two sets of
/// instances at once); the version's calls and publish entries go to `sites`.
pub(crate) fn deploys(
    nodes: &[Node],
    names: &Names,
    services: &mut [Option<Service>],
    sites: &mut Sites,
    p: &mut Problems,
) -> Vec<Option<Deploy>> {
    let mut seen: BTreeMap<u32, At> = BTreeMap::new();
    nodes
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let (deploy, version) = deploy(node, i, names, &mut seen, p);
            let id = deploy.as_ref().map_or(ServiceId(0), |d| d.service);
            let service = deploy
                .as_ref()
                .and_then(|d| services.get_mut(d.service.0 as usize)?.as_mut());
            // A version is read even when its deployment or service has
            // problems, so that its own are reported too.
            let old = service.as_ref().map_or(&[][..], |s| &s.endpoints[..]);
            let endpoints = match &version {
                Some(f) => services::new_version(f, id, old, names, sites, p),
                None => old.to_vec(),
            };
            service?.new_version = Some(endpoints);
            deploy
        })
        .collect()
}

/// One `[[deploy]]`, and its `version` table to apply once the service is known.
fn deploy<'a>(
    node: &'a Node,
    index: usize,
    names: &Names,
    seen: &mut BTreeMap<u32, At>,
    p: &mut Problems,
) -> (Option<Deploy>, Option<Fields<'a>>) {
    let context = format!("[[deploy]] [{index}]");
    let Some(f) = Fields::open(node, "each `deploy`", &format::DEPLOY, context, p) else {
        return (None, None);
    };
    let service = f.require("service", p, fields::string);
    let at = f.require("at", p, fields::duration);
    let strategy = f.read("strategy", p, |n, k, p| fields::choice(n, k, STRATEGIES, p));
    let steps = f.read("steps", p, shares);
    let step_every = f.read("step_every", p, fields::positive_duration);
    let batch = f.count("batch", p);
    let version = f.get("version").and_then(|n| {
        let context = format!("`version` of {}", f.context);
        Fields::open(n, "`version`", &format::VERSION, context, p)
    });
    let rollback = f.get("rollback").and_then(|n| rollback(n, &f.context, p));
    let place = f.place("service");
    let role = format!("`service` of {}", f.context);
    let Some(service) = service.and_then(|s| names.service_ref(s, place, &role, p)) else {
        return (None, version);
    };
    if let Some(first) = seen.insert(service.0, place) {
        let hint = format!("the first is at {}", p.describe(first));
        p.hinted(place, "a second [[deploy]] of this service", Some(hint));
        return (None, version);
    }
    let deploy = at.map(|at| Deploy {
        service: ServiceId(service.0),
        at: SimTime(at.0),
        strategy: strategy.unwrap_or(Strategy::Rolling),
        steps: steps.unwrap_or_else(|| vec![1.0]),
        step_every: step_every.unwrap_or(SimDuration::from_secs(30)),
        batch: batch.unwrap_or(1),
        rollback,
    });
    (deploy, version)
}

/// `steps`: shares from 0 to 1, rising, the last 1 (all the traffic).
fn shares(node: &Node, key: &str, p: &mut Problems) -> Option<Vec<f64>> {
    let items = fields::array(node, key, p)?;
    let shares: Vec<f64> = items
        .iter()
        .map(|n| fields::probability(n, key, p))
        .collect::<Option<_>>()?;
    let rising = shares.windows(2).all(|w| w[0] < w[1]);
    if shares.last() != Some(&1.0) || !rising {
        let hint = "like [0.05, 0.25, 1.0]: the last step sends the new version everything";
        p.hinted(
            node.at,
            format!("`{key}` must rise step by step to 1"),
            Some(hint.to_string()),
        );
        return None;
    }
    Some(shares)
}

/// `rollback = { error_rate, p99, window }`: without a threshold it is
/// warned about and left out.
fn rollback(node: &Node, context: &str, p: &mut Problems) -> Option<Rollback> {
    let context = format!("`rollback` of {context}");
    let f = Fields::open(node, "`rollback`", &format::ROLLBACK, context, p)?;
    let error_rate = f.read("error_rate", p, fields::probability);
    let p99 = f.read("p99", p, fields::duration);
    let window = f.read("window", p, fields::positive_duration);
    if error_rate.is_none() && p99.is_none() {
        p.warn(
            node.at,
            format!("{} judges nothing, so it never rolls back", f.context),
            Some("give it `error_rate`, `p99` or both".to_string()),
        );
        return None;
    }
    Some(Rollback {
        error_rate,
        p99,
        window: window.unwrap_or(SimDuration::from_secs(10)),
    })
}
