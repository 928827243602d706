//! `[[service]]` and `[[service.endpoint]]`: services, their endpoints, their
//! calls and the queues they publish to and consume.

use super::caches;
use super::fields::{self, Fields, LIMIT_HINT};
use super::format;
use super::model::{
    Balancer, Call, Dedup, Discipline, Endpoint, EndpointId, Policy, Publish, QueueId, Scenario,
    Service, ServiceId, Target,
};
use super::names::{check_name, Names, DEFAULT_ENDPOINT};
use super::policies;
use super::problems::{At, Problems};
use super::tree::{Node, Value};
use crate::dist::Dist;
use crate::limits;
use crate::text::quote;
use crate::time::SimDuration;
use std::collections::BTreeMap;

/// A resolved call, where it is written: the input of cycle detection.
pub(crate) struct CallSite {
    pub from: Target,
    pub to: Target,
    pub at: At,
}

/// An endpoint's use of a queue (a `publish` entry or `consumes`), where
/// it is written: the input of the checks that every queue has one consumer.
pub(crate) struct QueueUse {
    pub endpoint: Target,
    pub queue: QueueId,
    pub at: At,
}

/// Every resolved reference of the endpoints, where it is written.
#[derive(Default)]
pub(crate) struct Sites {
    pub calls: Vec<CallSite>,
    pub publishes: Vec<QueueUse>,
    pub consumers: Vec<QueueUse>,
}

/// Reads every `[[service]]`; an entry is `None` where it has problems.
pub(crate) fn services(
    nodes: &[Node],
    names: &Names,
    p: &mut Problems,
) -> (Vec<Option<Service>>, Sites) {
    let mut sites = Sites::default();
    let mut seen = BTreeMap::new();
    let (mut instances, mut points) = (0, 0);
    let services = nodes
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let id = ServiceId(u32::try_from(i).ok()?);
            let s = service(node, id, names, &mut seen, &mut sites, p)?;
            let fits = count_instances(&s, node, &mut instances, p)
                && count_ring_points(&s, node, &mut points, p);
            fits.then_some(s)
        })
        .collect();
    if let Some(over) = sites.calls.get(limits::MAX_TOTAL_CALLS) {
        p.hinted(
            over.at,
            format!(
                "the endpoints make {} calls in all, above the limit of {}",
                sites.calls.len(),
                limits::MAX_TOTAL_CALLS
            ),
            Some(LIMIT_HINT.to_string()),
        );
    }
    (services, sites)
}

/// Adds the instances of `s` to `total`; false (reported at `node`, the
/// service's table, or its `instances`) where the total passes the limit.
fn count_instances(s: &Service, node: &Node, total: &mut u32, p: &mut Problems) -> bool {
    let before = *total;
    *total = total.saturating_add(s.max_instances());
    if *total <= limits::MAX_TOTAL_INSTANCES || before > limits::MAX_TOTAL_INSTANCES {
        return true;
    }
    let at = node.place("instances");
    p.hinted(
        at,
        format!(
            "`instances` over all services come to {}, above the limit of {} in all",
            *total,
            limits::MAX_TOTAL_INSTANCES
        ),
        Some(LIMIT_HINT.to_string()),
    );
    false
}

/// Adds the ring points of `s` (instances × vnodes, with a `hash`
/// balancer) to `total`; false (reported at its `vnodes`, or its table)
/// where the total passes the limit.
fn count_ring_points(s: &Service, node: &Node, total: &mut u64, p: &mut Problems) -> bool {
    let Balancer::Hash { vnodes } = s.balancer else {
        return true;
    };
    let before = *total;
    *total += u64::from(s.instances) * u64::from(vnodes);
    if *total <= limits::MAX_RING_POINTS || before > limits::MAX_RING_POINTS {
        return true;
    }
    p.hinted(
        node.place("vnodes"),
        format!(
            "`instances` × `vnodes` over all `hash` services come to {}, above the limit of {} ring points in all",
            *total,
            limits::MAX_RING_POINTS
        ),
        Some("fewer `vnodes` balance almost as evenly: an instance's share varies by about 1/sqrt(vnodes)".to_string()),
    );
    false
}

/// Warns, at its `balancer`, of a `hash` service of several instances when
/// no client has `keys`: every request then carries key 0 and all of them
/// go to one instance. Only for a file without errors.
pub(crate) fn warn_keyless_hash(nodes: &[Node], sc: &Scenario, p: &mut Problems) {
    if !p.is_empty() || sc.clients.iter().any(|c| c.keys.count > 1) {
        return;
    }
    for (node, s) in nodes.iter().zip(&sc.services) {
        if matches!(s.balancer, Balancer::Hash { .. }) && s.instances > 1 {
            p.warn(
                node.place("balancer"),
                format!(
                    "`hash` sends each key to one instance of `{}`, and no client has `keys`: every request carries key 0, so one instance takes them all",
                    quote(&s.name)
                ),
                Some("give the clients `keys = { count = 1000 }`, or balance otherwise".to_string()),
            );
        }
    }
}

/// The balancer of a service, with its `vnodes` when it hashes; `vnodes`
/// on any other balancer is warned of, since nothing reads it.
fn balancer(f: &Fields, p: &mut Problems) -> Option<Balancer> {
    let kind = f.read("balancer", p, |n, k, p| fields::choice(n, k, BALANCERS, p));
    let vnodes = f.count("vnodes", p);
    match kind.unwrap_or(Balancer::RoundRobin) {
        Balancer::Hash { .. } => Some(Balancer::Hash {
            vnodes: vnodes.unwrap_or(DEFAULT_VNODES),
        }),
        other => {
            if f.has("vnodes") {
                p.warn(
                    f.place("vnodes"),
                    format!(
                        "`vnodes` in {} is read only by a `hash` balancer, and it balances otherwise",
                        f.context
                    ),
                    Some("add `balancer = \"hash\"`, or remove `vnodes`".to_string()),
                );
            }
            (kind.is_some() || !f.has("balancer")).then_some(other)
        }
    }
}

/// The per-request keys of a service or an endpoint, as far as they are set.
#[derive(Clone, Default)]
struct Request {
    service_time: Option<Dist>,
    error_rate: Option<f64>,
    /// Each call with the place of its target.
    calls: Option<Vec<(Call, At)>>,
    parallel: Option<bool>,
    blocking: Option<bool>,
    effect: Option<String>,
    idempotent: Option<bool>,
    /// Each entry with the place of its queue.
    publish: Option<Vec<(Publish, At)>>,
    /// The queue with the place of its name.
    consumes: Option<(QueueId, At)>,
}

fn service(
    node: &Node,
    id: ServiceId,
    names: &Names,
    seen: &mut BTreeMap<String, At>,
    sites: &mut Sites,
    p: &mut Problems,
) -> Option<Service> {
    let context = format!("[[service]] {}", label(node, id.0));
    let f = Fields::open(node, "each `service`", &format::SERVICE, context, p)?;
    let name = unique_name(&f, "service", seen, p);
    let instances = f.count("instances", p);
    let balancer = balancer(&f, p);
    let workers = f.count("workers", p);
    let queue = f.count("queue", p);
    let discipline = f.read("discipline", p, |n, k, p| {
        fields::choice(n, k, DISCIPLINES, p)
    });
    let dedup = f.get("dedup").and_then(|n| dedup(n, &f.context, p));
    let protection = policies::protection(&f, p);
    let lifecycle = super::lifecycle::lifecycle(&f, instances.unwrap_or(1), p);
    let shared = request(&f, names, p);
    let endpoints = endpoints(&f, &shared, names, p);
    let name = name?;
    let endpoints = endpoints?;
    for (e, built) in endpoints.iter().enumerate() {
        let from = Target {
            service: id,
            endpoint: EndpointId(u32::try_from(e).ok()?),
        };
        let places = &built.places;
        let calls = places
            .calls
            .iter()
            .map(|&(to, at)| CallSite { from, to, at });
        sites.calls.extend(calls);
        let publishes = built.endpoint.publish.iter().zip(&places.publish);
        sites.publishes.extend(publishes.map(|(m, &at)| QueueUse {
            endpoint: from,
            queue: m.to,
            at,
        }));
        if let (Some(queue), Some(at)) = (built.endpoint.consumes, places.consumes) {
            sites.consumers.push(QueueUse {
                endpoint: from,
                queue,
                at,
            });
        }
    }
    Some(Service {
        name: name.to_string(),
        instances: instances.unwrap_or(1),
        balancer: balancer?,
        workers: workers.unwrap_or(1),
        queue,
        discipline: discipline.unwrap_or(Discipline::Fifo),
        protection,
        dedup,
        endpoints: endpoints.into_iter().map(|b| b.endpoint).collect(),
        lifecycle,
        new_version: None,
    })
}

/// The balancers by their names in scenario files.
pub(crate) const BALANCERS: &[(&str, Balancer)] = &[
    ("round_robin", Balancer::RoundRobin),
    ("random", Balancer::Random),
    ("least_outstanding", Balancer::LeastOutstanding),
    ("p2c", Balancer::P2c),
    (
        "hash",
        Balancer::Hash {
            vnodes: DEFAULT_VNODES,
        },
    ),
];

/// Ring points per instance of a `hash` balancer without `vnodes`.
const DEFAULT_VNODES: u32 = 100;

const DISCIPLINES: &[(&str, Discipline)] =
    &[("fifo", Discipline::Fifo), ("lifo", Discipline::Lifo)];

/// An endpoint and where its references are written.
struct Built {
    endpoint: Endpoint,
    places: Places,
}

/// Where an endpoint's references are written: each call's target with its
/// place, each `publish` entry's queue, and its `consumes`.
struct Places {
    calls: Vec<(Target, At)>,
    publish: Vec<At>,
    consumes: Option<At>,
}

/// The declared endpoints, or the one `default` endpoint.
fn endpoints(f: &Fields, shared: &Request, names: &Names, p: &mut Problems) -> Option<Vec<Built>> {
    let declared = match f.read("endpoint", p, fields::tables) {
        Some(nodes) => nodes,
        None if f.has("endpoint") => return None,
        None => &[],
    };
    let service_sets_time = f.has("service_time");
    if declared.is_empty() {
        let hint = "set it on the service, or on each of its [[service.endpoint]]";
        let endpoint = finish(
            DEFAULT_ENDPOINT,
            shared.clone(),
            f,
            service_sets_time,
            hint,
            p,
        );
        return Some(vec![endpoint]);
    }
    let service = f.context.trim_start_matches("[[service]] ");
    let mut seen = BTreeMap::new();
    // The service's `consumes` goes to the first endpoint without its own.
    let mut consumes = shared.consumes;
    let built: Vec<Option<Built>> = declared
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let context = format!(
                "[[service.endpoint]] {} of {service}",
                label(node, i as u32)
            );
            let e = Fields::open(node, "each `endpoint`", &format::ENDPOINT, context, p)?;
            let name = unique_name(&e, "endpoint", &mut seen, p);
            let mut own = request(&e, names, p);
            if !e.has("consumes") {
                own.consumes = consumes.take();
            }
            let hint = "set it on the endpoint or on its service";
            let set = service_sets_time || e.has("service_time");
            Some(finish(name?, inherit(own, shared), &e, set, hint, p))
        })
        .collect();
    warn_shadowed(f, declared, p);
    warn_consumer_choice(f, declared, p);
    built.into_iter().collect()
}

/// Warns that a service's `consumes` goes to one endpoint only when several
/// could inherit it: a queue has one consumer.
fn warn_consumer_choice(f: &Fields, endpoints: &[Node], p: &mut Problems) {
    let Some(node) = f.get("consumes") else {
        return;
    };
    let mut inheriting = endpoints
        .iter()
        .enumerate()
        .filter(|(_, e)| !sets(e, "consumes"));
    let (Some((i, first)), Some(_)) = (inheriting.next(), inheriting.next()) else {
        return;
    };
    p.warn(
        node.at,
        format!(
            "`consumes` of {} goes to its first endpoint that does not set its own, {}; its other endpoints consume nothing",
            f.context,
            label(first, i as u32)
        ),
        Some("a queue has one consumer: set `consumes` on the endpoint that serves it".to_string()),
    );
}

/// Whether the table `node` sets `key`.
fn sets(node: &Node, key: &str) -> bool {
    match &node.value {
        Value::Table(t) => t.get(key).is_some(),
        _ => false,
    }
}

/// Warns of a per-request key of a service that every endpoint sets for
/// itself: the service's value is never used.
fn warn_shadowed(f: &Fields, endpoints: &[Node], p: &mut Problems) {
    for key in format::REQUEST {
        let Some(node) = f.get(key.name) else {
            continue;
        };
        if endpoints.iter().all(|e| sets(e, key.name)) {
            p.warn(
                node.at,
                format!(
                    "`{}` of {} is never used: every endpoint sets its own",
                    key.name, f.context
                ),
                Some(
                    "remove it from the service, or from an endpoint that should inherit it"
                        .to_string(),
                ),
            );
        }
    }
}

/// An endpoint's keys, falling back to its service's for those it does not
/// set; except `consumes`, which only one endpoint may inherit (the caller
/// hands it out).
fn inherit(own: Request, shared: &Request) -> Request {
    Request {
        service_time: own.service_time.or_else(|| shared.service_time.clone()),
        error_rate: own.error_rate.or(shared.error_rate),
        calls: own.calls.or_else(|| shared.calls.clone()),
        parallel: own.parallel.or(shared.parallel),
        blocking: own.blocking.or(shared.blocking),
        effect: own.effect.or_else(|| shared.effect.clone()),
        idempotent: own.idempotent.or(shared.idempotent),
        publish: own.publish.or_else(|| shared.publish.clone()),
        consumes: own.consumes,
    }
}

/// Builds an endpoint from its (inherited) keys. `service_time` is required:
/// if it is written nowhere (`written` is false), that is reported on `f`.
/// A missing or wrong one is replaced by a stand-in so that the endpoint's
/// calls still take part in cycle detection; the problem is on record, so
/// the stand-in never reaches a scenario.
fn finish(
    name: &str,
    r: Request,
    f: &Fields,
    written: bool,
    hint: &str,
    p: &mut Problems,
) -> Built {
    if r.service_time.is_none() && !written {
        f.missing("service_time", Some(hint.to_string()), p);
    }
    let service_time = r
        .service_time
        .unwrap_or(Dist::Constant(crate::time::SimDuration::ZERO));
    let calls = r.calls.unwrap_or_default();
    let (publish, publish_places): (Vec<Publish>, Vec<At>) =
        r.publish.unwrap_or_default().into_iter().unzip();
    let places = Places {
        calls: calls.iter().map(|(c, at)| (c.to, *at)).collect(),
        publish: publish_places,
        consumes: r.consumes.map(|(_, at)| at),
    };
    let endpoint = Endpoint {
        name: name.to_string(),
        service_time,
        error_rate: r.error_rate.unwrap_or(0.0),
        calls: calls.into_iter().map(|(c, _)| c).collect(),
        parallel: r.parallel.unwrap_or(false),
        blocking: r.blocking.unwrap_or(true),
        effect: r.effect,
        idempotent: r.idempotent.unwrap_or(false),
        publish,
        consumes: r.consumes.map(|(q, _)| q),
    };
    Built { endpoint, places }
}

/// The endpoints of service `id`'s new version: the keys of `version`
/// (the table `f`) applied to each of its endpoints `old`, a key it does
/// not set keeping the endpoint's own. The calls and publish entries it
/// writes are added to `sites`, from every endpoint, for the checks of
/// cycles and consumers.
pub(crate) fn new_version(
    f: &Fields,
    id: ServiceId,
    old: &[Endpoint],
    names: &Names,
    sites: &mut Sites,
    p: &mut Problems,
) -> Vec<Endpoint> {
    let v = request(f, names, p);
    let mut endpoints = Vec::with_capacity(old.len());
    for (e, old) in old.iter().enumerate() {
        let from = Target {
            service: id,
            endpoint: EndpointId(e as u32),
        };
        let calls = v.calls.as_ref().map(|calls| {
            let at = calls.iter().map(|(c, at)| CallSite {
                from,
                to: c.to,
                at: *at,
            });
            sites.calls.extend(at);
            calls.iter().map(|(c, _)| c.clone()).collect()
        });
        let publish = v.publish.as_ref().map(|entries| {
            sites
                .publishes
                .extend(entries.iter().map(|(m, at)| QueueUse {
                    endpoint: from,
                    queue: m.to,
                    at: *at,
                }));
            entries.iter().map(|(m, _)| m.clone()).collect()
        });
        endpoints.push(Endpoint {
            name: old.name.clone(),
            service_time: v.service_time.clone().unwrap_or(old.service_time.clone()),
            error_rate: v.error_rate.unwrap_or(old.error_rate),
            calls: calls.unwrap_or_else(|| old.calls.clone()),
            parallel: v.parallel.unwrap_or(old.parallel),
            blocking: v.blocking.unwrap_or(old.blocking),
            effect: v.effect.clone().or_else(|| old.effect.clone()),
            idempotent: v.idempotent.unwrap_or(old.idempotent),
            publish: publish.unwrap_or_else(|| old.publish.clone()),
            consumes: old.consumes,
        });
    }
    endpoints
}

/// Reads the per-request keys of a service or an endpoint.
fn request(f: &Fields, names: &Names, p: &mut Problems) -> Request {
    let calls = f
        .read("calls", p, fields::array)
        .map(|nodes| calls(nodes, &f.context, names, p));
    let publish = f
        .read("publish", p, fields::array)
        .map(|nodes| publishes(nodes, &f.context, names, p));
    let consumes = f.read("consumes", p, fields::string).and_then(|q| {
        let at = f.place("consumes");
        let role = format!("`consumes` of {}", f.context);
        names.queue_ref(q, at, &role, p).map(|id| (id, at))
    });
    Request {
        service_time: f.read("service_time", p, fields::dist),
        error_rate: f.read("error_rate", p, fields::probability),
        calls,
        parallel: f.read("parallel", p, fields::boolean),
        blocking: f.read("blocking", p, fields::boolean),
        effect: f
            .read("effect", p, fields::string)
            .filter(|e| check_name(e, f.place("effect"), p))
            .map(str::to_owned),
        idempotent: f.read("idempotent", p, fields::boolean),
        publish,
        consumes,
    }
}

/// Reads `publish`: each entry a `{ to, outbox }` table. An entry whose
/// queue does not resolve is reported and left out.
fn publishes(nodes: &[Node], context: &str, names: &Names, p: &mut Problems) -> Vec<(Publish, At)> {
    nodes
        .iter()
        .enumerate()
        .filter_map(|(i, node)| {
            let role = format!("publish[{i}] of {context}");
            let what = format!("`publish[{i}]`");
            let f = Fields::open(node, &what, &format::PUBLISH, role.clone(), p)?;
            let to = f.require("to", p, fields::string);
            let outbox = f.read("outbox", p, fields::boolean);
            let at = f.place("to");
            let to = names.queue_ref(to?, at, &format!("`to` of {role}"), p)?;
            let outbox = outbox.unwrap_or(false);
            Some((Publish { to, outbox }, at))
        })
        .collect()
}

/// Reads `dedup = { ttl, capacity }`.
fn dedup(node: &Node, context: &str, p: &mut Problems) -> Option<Dedup> {
    let context = format!("`dedup` of {context}");
    let f = Fields::open(node, "`dedup`", &format::DEDUP, context, p)?;
    let ttl = f.read("ttl", p, fields::duration);
    let capacity = f.count("capacity", p);
    Some(Dedup {
        ttl: ttl.unwrap_or(SimDuration::from_secs(3600)),
        capacity: capacity.unwrap_or(100_000),
    })
}

/// Reads `calls`: each a target string or a `{ to, policies… }` table. A
/// call whose target does not resolve is reported and left out.
fn calls(nodes: &[Node], context: &str, names: &Names, p: &mut Problems) -> Vec<(Call, At)> {
    nodes
        .iter()
        .enumerate()
        .filter_map(|(i, node)| {
            let role = format!("calls[{i}] of {context}");
            if let Value::String(to) = &node.value {
                let to = names.target(to, node.at, &role, p)?;
                return Some((
                    Call {
                        to,
                        policy: Policy::default(),
                        via: None,
                    },
                    node.at,
                ));
            }
            let what = format!("`calls[{i}]`");
            let f = Fields::open(node, &what, &format::CALL, role.clone(), p)?;
            let to = f.require("to", p, fields::string);
            let via = f.read("via", p, fields::string).and_then(|name| {
                let at = f.place("via");
                caches::via(name, at, &format!("`via` of {role}"), names, p)
            });
            // A bad policy is reported; the call still counts for cycle detection.
            let policy = policies::policy(&f, p).unwrap_or_default();
            let at = f.place("to");
            let to = names.target(to?, at, &format!("`to` of {role}"), p)?;
            Some((Call { to, policy, via }, at))
        })
        .collect()
}

/// Reads `name`, checks it, and reports a second use of it in `seen`.
pub(crate) fn unique_name<'a>(
    f: &Fields<'a>,
    kind: &str,
    seen: &mut BTreeMap<String, At>,
    p: &mut Problems,
) -> Option<&'a str> {
    unique_name_with(f, kind, seen, p, check_name)
}

/// [`unique_name`] with its own check of the name's form.
pub(crate) fn unique_name_with<'a>(
    f: &Fields<'a>,
    kind: &str,
    seen: &mut BTreeMap<String, At>,
    p: &mut Problems,
    check: impl Fn(&str, At, &mut Problems) -> bool,
) -> Option<&'a str> {
    let name = f.require("name", p, fields::string)?;
    let at = f.place("name");
    if !check(name, at, p) {
        return None;
    }
    if let Some(first) = seen.get(name) {
        let hint = format!("the first is at {}", p.describe(*first));
        p.hinted(
            at,
            format!("a second {kind} named `{}`", quote(name)),
            Some(hint),
        );
        return None;
    }
    seen.insert(name.to_string(), at);
    Some(name)
}

/// How messages name an element of an array of tables: "`api`" or "[2]".
pub(crate) fn label(node: &Node, index: u32) -> String {
    match &node.value {
        Value::Table(t) => match t.get("name").map(|e| &e.node.value) {
            Some(Value::String(s)) => format!("`{}`", quote(s)),
            _ => format!("[{index}]"),
        },
        _ => format!("[{index}]"),
    }
}
