//! `[[client]]`: load generators, open loop (`rate`) or closed loop (`users`).

use super::fields::{self, Fields, LIMIT_HINT};
use super::format;
use super::keys::keys;
use super::model::{Arrivals, Client, EndpointId, Keys, Load, ServiceId, Target};
use super::names::Names;
use super::policies::policy;
use super::problems::{At, Problems};
use super::services::{label, unique_name};
use super::tree::{Node, Value};
use crate::dist::Dist;
use crate::limits;
use crate::time::{SimDuration, SimTime};
use std::collections::BTreeMap;

/// Reads every `[[client]]`; an entry is `None` where it has problems.
pub(crate) fn clients(nodes: &[Node], names: &Names, p: &mut Problems) -> Vec<Option<Client>> {
    let mut seen = BTreeMap::new();
    let mut users = 0;
    nodes
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let c = client(node, i as u32, names, &mut seen, p)?;
            count_users(&c, node, &mut users, p).then_some(c)
        })
        .collect()
}

/// Adds the users of a closed-loop client to `total`; false (reported at
/// its `users`) where the total passes the limit.
fn count_users(c: &Client, node: &Node, total: &mut u32, p: &mut Problems) -> bool {
    let Load::Closed { users, .. } = c.load else {
        return true;
    };
    let before = *total;
    *total = total.saturating_add(users);
    if *total <= limits::MAX_TOTAL_USERS || before > limits::MAX_TOTAL_USERS {
        return true;
    }
    let at = node.place("users");
    p.hinted(
        at,
        format!(
            "`users` over all clients come to {}, above the limit of {} in all",
            *total,
            limits::MAX_TOTAL_USERS
        ),
        Some(LIMIT_HINT.to_string()),
    );
    false
}

fn client(
    node: &Node,
    index: u32,
    names: &Names,
    seen: &mut BTreeMap<String, At>,
    p: &mut Problems,
) -> Option<Client> {
    let context = format!("[[client]] {}", label(node, index));
    let f = Fields::open(node, "each `client`", &format::CLIENT, context, p)?;
    let name = unique_name(&f, "client", seen, p);
    let target_text = f.require("target", p, fields::string);
    let saga = target_text.and_then(|t| names.saga(t));
    // A saga's first step stands in until the saga is read (sagas::attach_clients).
    let target = match (target_text, saga) {
        (Some(_), Some(_)) => Some(Target {
            service: ServiceId(0),
            endpoint: EndpointId(0),
        }),
        (Some(t), None) => {
            let at = f.place("target");
            names.target(t, at, &format!("`target` of {}", f.context), p)
        }
        (None, _) => None,
    };
    let load = load(&f, p);
    let keys = match f.get("keys") {
        Some(node) => keys(node, &f.context, p),
        None => Some(Keys::default()),
    };
    let policy = policy(&f, p);
    Some(Client {
        name: name?.to_string(),
        target: target?,
        load: load?,
        saga,
        keys: keys?,
        policy: policy?,
    })
}

const ARRIVALS: &[(&str, Arrivals)] = &[
    ("poisson", Arrivals::Poisson),
    ("constant", Arrivals::Constant),
];

/// Open loop with `rate` (and `arrivals`), or closed loop with `users` (and `think`).
fn load(f: &Fields, p: &mut Problems) -> Option<Load> {
    match (f.get("rate"), f.get("users")) {
        (Some(_), Some(users)) => {
            p.hinted(
                users.at,
                format!("{} has both `rate` and `users`", f.context),
                Some(
                    "`rate` makes an open-loop client, `users` a closed-loop one: keep one"
                        .to_string(),
                ),
            );
            None
        }
        (None, None) => {
            let hint = "`rate = 800` for open-loop arrivals, or `users = 100` for a closed loop";
            p.hinted(
                f.at,
                format!("missing key `rate` or `users` in {}", f.context),
                Some(hint.to_string()),
            );
            None
        }
        (Some(rate), None) => {
            only_with(f, "think", "closed-loop clients (with `users`)", p);
            let arrivals = f.read("arrivals", p, |n, k, p| fields::choice(n, k, ARRIVALS, p));
            let schedule = schedule(rate, &f.context, p)?;
            Some(Load::Open {
                arrivals: arrivals.unwrap_or(Arrivals::Poisson),
                schedule,
            })
        }
        (None, Some(_)) => {
            only_with(f, "arrivals", "open-loop clients (with `rate`)", p);
            let think = f.read("think", p, fields::dist);
            Some(Load::Closed {
                users: f.count("users", p)?,
                think: think.unwrap_or(Dist::Constant(SimDuration::ZERO)),
            })
        }
    }
}

/// Reports `key` if present: it applies only to `which`.
fn only_with(f: &Fields, key: &str, which: &str, p: &mut Problems) {
    if let Some(node) = f.get(key) {
        p.error(node.at, format!("`{key}` applies only to {which}"));
    }
}

/// A constant rate, or a schedule of `{ at, rate }` steps sorted by `at`.
/// Before the first step the rate is 0.
fn schedule(node: &Node, context: &str, p: &mut Problems) -> Option<Vec<(SimTime, f64)>> {
    let steps = match &node.value {
        Value::Integer(_) | Value::Float(_) => {
            return fields::rate(node, "rate", p).map(|r| vec![(SimTime::ZERO, r)]);
        }
        Value::Array(steps) => steps,
        other => {
            p.error(
                node.at,
                format!(
                    "expected a number or an array of {{ at, rate }} steps for `rate`, found {}",
                    other.kind()
                ),
            );
            return None;
        }
    };
    if steps.is_empty() {
        p.error(
            node.at,
            format!("the rate schedule of {context} has no steps"),
        );
        return None;
    }
    let mut schedule = Vec::new();
    let mut ok = true;
    for (i, step) in steps.iter().enumerate() {
        let what = format!("`rate[{i}]`");
        let Some(f) = Fields::open(
            step,
            &what,
            &format::STEP,
            format!("rate[{i}] of {context}"),
            p,
        ) else {
            ok = false;
            continue;
        };
        let at = f.require("at", p, fields::duration).map(|d| SimTime(d.0));
        let rate = f.require("rate", p, fields::rate);
        let (Some(at), Some(rate)) = (at, rate) else {
            ok = false;
            continue;
        };
        if let Some(&(previous, _)) = schedule.last() {
            if at <= previous {
                let place = f.place("at");
                p.hinted(
                    place,
                    format!("rate[{i}] of {context} starts at {at}, not after the step before it at {previous}"),
                    Some("sort the steps by `at`".to_string()),
                );
                ok = false;
            }
        }
        schedule.push((at, rate));
    }
    if schedule.first().is_some_and(|&(at, _)| at > SimTime::ZERO) {
        schedule.insert(0, (SimTime::ZERO, 0.0));
    }
    ok.then_some(schedule)
}
