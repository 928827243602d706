//! From text to a checked [`Scenario`]: parse, apply overrides, read every
//! section, resolve every name, and collect every problem on the way.

use super::caches::caches;
use super::clients::clients;
use super::cycles;
use super::deploys;
use super::depth;
use super::faults::{self, faults};
use super::fields::{self, Fields};
use super::format;
use super::json::parse_json;
use super::model::{Link, Network, NodeId, QueueId, Scenario};
use super::names::{ambiguous, no_cache_link, Names};
use super::overrides::{self, Override};
use super::problems::{At, Problems};
use super::queues::{self, queues};
use super::sagas::{self, sagas};
use super::services::{self, services};
use super::tree::{parse_toml, Node, Value};
use super::Diagnostics;
use crate::expect::{parse_expectation, Expectation, Metric};
use crate::text::quote;
use crate::time::{SimDuration, SimTime};
use std::collections::BTreeSet;

/// A scenario that loaded, and what may still be wrong with it.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub scenario: Scenario,
    /// Warnings about the file (empty when none): it loads, but probably
    /// does not say what was meant.
    pub warnings: Diagnostics,
}

/// [`load_with_warnings`] for callers that do not show warnings.
pub fn load(text: &str, file: &str, overrides: &[Override]) -> Result<Scenario, Diagnostics> {
    load_with_warnings(text, file, overrides).map(|l| l.scenario)
}

/// Parses TOML (or JSON when the text's first non-space character is `{`),
/// applies `overrides`, and checks everything; `file` names the text in
/// diagnostics. Either the scenario with its warnings, or every problem
/// found (warnings included).
pub fn load_with_warnings(
    text: &str,
    file: &str,
    overrides: &[Override],
) -> Result<Loaded, Diagnostics> {
    let mut p = Problems::new(text, overrides);
    let json = text.trim_start().starts_with('{');
    let deep = if json {
        depth::json(text)
    } else {
        depth::toml(text, false)
    };
    if let Some(at) = deep {
        let hint = Some(fields::LIMIT_HINT.to_string());
        p.hinted(At::File(at), depth::too_deep(), hint);
        return Err(p.into_diagnostics(file));
    }
    let root = if json {
        parse_json(text, &mut p)
    } else {
        parse_toml(text, &mut p)
    };
    let scenario = root.and_then(|mut root| {
        overrides::apply(&mut root, overrides, &mut p);
        build(&root, file, &mut p)
    });
    match scenario {
        Some(scenario) if p.is_empty() => Ok(Loaded {
            scenario,
            warnings: p.into_diagnostics(file),
        }),
        _ => {
            if p.is_empty() {
                p.error(
                    At::File(0),
                    "the scenario could not be read (this is a bug in dsim)",
                );
            }
            Err(p.into_diagnostics(file))
        }
    }
}

/// Reads the whole document; `None` if anything is wrong.
fn build(root: &Node, file: &str, p: &mut Problems) -> Option<Scenario> {
    let doc = Fields::open(root, "the file", &format::TOP, "the file".to_string(), p)?;
    doc.read("$schema", p, fields::string);
    let names = Names::collect(root);
    let arrays = |key: &str, p: &mut Problems| doc.read(key, p, fields::tables).unwrap_or(&[]);
    let (mut services, mut sites) = services(arrays("service", p), &names, p);
    let deploys = deploys::deploys(arrays("deploy", p), &names, &mut services, &mut sites, p);
    let queue_nodes = arrays("queue", p);
    let mut queues = queues(queue_nodes, &names, p);
    queues::check_consumers(&sites, &names, p);
    let caches = caches(arrays("cache", p), &names, p);
    let client_nodes = arrays("client", p);
    let mut clients = clients(client_nodes, &names, p);
    let mut sagas = sagas(arrays("saga", p), &names, p);
    sagas::attach_events(&mut sagas, &mut queues);
    sagas::check_event_queues(&sagas, &sites, p);
    sagas::attach_clients(client_nodes, &mut clients, &sagas, p);
    let links = links(arrays("link", p), &names, p);
    let fault_nodes = arrays("fault", p);
    let faults = faults(fault_nodes, &names, &services, p);
    sagas::check_faults(fault_nodes, &faults, &sagas, p);
    let network = doc
        .get("network")
        .and_then(|n| network(n, p))
        .unwrap_or_default();
    let meta = match doc.get("scenario") {
        Some(node) => meta(node, file, &names, p),
        None => {
            let hint = "add a [scenario] section with at least `duration = \"60s\"`";
            p.hinted(doc.at, "missing section [scenario]", Some(hint.to_string()));
            None
        }
    };
    cycles::check(&sites.calls, &names, p);
    let meta = meta?;
    faults::check_timing(fault_nodes, &faults, meta.duration, p);
    let scenario = Scenario {
        name: meta.name,
        description: meta.description,
        duration: meta.duration,
        seed: meta.seed,
        warmup: meta.warmup,
        expect: meta.expect,
        network,
        links: links.into_iter().collect::<Option<_>>()?,
        clients: clients.into_iter().collect::<Option<_>>()?,
        services: services.into_iter().collect::<Option<_>>()?,
        sagas: sagas.into_iter().collect::<Option<_>>()?,
        caches: caches.into_iter().collect::<Option<_>>()?,
        queues: queues.into_iter().collect::<Option<_>>()?,
        faults: faults.into_iter().collect::<Option<_>>()?,
        deploys: deploys.into_iter().collect::<Option<_>>()?,
    };
    let events: Vec<QueueId> = (scenario.sagas.iter().flat_map(|g| &g.events))
        .flat_map(|(q, undo)| std::iter::once(*q).chain(*undo))
        .collect();
    queues::warn_unused(queue_nodes, &scenario.queues, &events, &sites, p);
    services::warn_keyless_hash(arrays("service", p), &scenario, p);
    let expect_nodes = doc.get("scenario").and_then(|s| match &s.value {
        Value::Table(t) => t.get("expect").map(|e| &e.node),
        _ => None,
    });
    if let Some(Node {
        value: Value::Array(nodes),
        ..
    }) = expect_nodes
    {
        check_late_subjects(&scenario, nodes, p);
    }
    Some(scenario)
}

/// Every edge `caller->service` on which some policy declares a breaker.
fn breaker_edges(sc: &Scenario) -> Vec<String> {
    let clients = sc
        .clients
        .iter()
        .map(|c| (c.name.as_str(), c.target, &c.policy));
    let calls = sc.services.iter().flat_map(|s| {
        s.every_endpoint()
            .flat_map(|e| e.calls.iter().map(|c| (s.name.as_str(), c.to, &c.policy)))
    });
    let mut edges: Vec<String> = clients
        .chain(calls)
        .filter(|(_, _, policy)| policy.breaker.is_some())
        .map(|(from, to, _)| format!("{from}->{}", sc.service(to.service).name))
        .collect();
    edges.dedup();
    edges
}

/// Every effect an endpoint declares.
fn effect_names(sc: &Scenario) -> Vec<String> {
    let mut names: Vec<String> = sc
        .services
        .iter()
        .flat_map(|s| s.every_endpoint().filter_map(|e| e.effect.clone()))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// A `breaker(a->b)` expectation must name an edge with a breaker, a
/// `duplicate_effects(x)` one an effect some endpoint declares, and a
/// `deploy(s)` one a deployed service.
fn check_late_subjects(sc: &Scenario, nodes: &[Node], p: &mut Problems) {
    let (edges, effects) = (breaker_edges(sc), effect_names(sc));
    let deployed: Vec<String> = sc
        .deploys
        .iter()
        .map(|d| sc.services[d.service.0 as usize].name.clone())
        .collect();
    for (e, node) in sc.expect.iter().zip(nodes) {
        let (what, known, fix) = match e.metric {
            Metric::Breaker(_) => (
                "breaker on",
                &edges,
                "add `breaker = { ... }` to the client or call on that edge",
            ),
            Metric::DuplicateEffects => (
                "effect",
                &effects,
                "declare it on an endpoint: `effect = \"charge\"`",
            ),
            Metric::Deploy(_) => (
                "deployment of",
                &deployed,
                "add a [[deploy]] with `service = \"...\"`",
            ),
            _ => continue,
        };
        if known.contains(&e.subject) {
            continue;
        }
        let candidates: Vec<&str> = known.iter().map(String::as_str).collect();
        let hint = match crate::suggest::closest(&e.subject, &candidates) {
            Some(c) => format!("did you mean `{c}`?"),
            None => fix.to_string(),
        };
        p.hinted(
            node.at,
            format!("no {what} `{}` in `{}`", quote(&e.subject), quote(&e.text)),
            Some(hint),
        );
    }
}

/// The `[scenario]` section.
struct Meta {
    name: String,
    description: String,
    duration: SimDuration,
    seed: u64,
    warmup: SimDuration,
    expect: Vec<Expectation>,
}

fn meta(node: &Node, file: &str, names: &Names, p: &mut Problems) -> Option<Meta> {
    let f = Fields::open(
        node,
        "`scenario`",
        &format::SCENARIO,
        "[scenario]".to_string(),
        p,
    )?;
    let name = f.read("name", p, fields::string);
    let description = f.read("description", p, fields::string);
    let duration = f.require("duration", p, fields::duration);
    let duration = duration.filter(|d| {
        let positive = d.0 > 0;
        if !positive {
            let at = f.place("duration");
            p.error(at, "`duration` must be longer than 0");
        }
        positive
    });
    let seed = f.int("seed", p);
    let warmup = f.read("warmup", p, fields::duration).unwrap_or_default();
    if let (Some(d), Some(node)) = (duration, f.get("warmup")) {
        if warmup >= d {
            p.error(
                node.at,
                format!("`warmup` ({warmup}) must be shorter than `duration` ({d})"),
            );
        }
    }
    let expect = f
        .read("expect", p, fields::array)
        .map(|nodes| expectations(nodes, duration, names, p));
    Some(Meta {
        name: name.map_or_else(|| file_stem(file), String::from),
        description: description.unwrap_or_default().to_string(),
        duration: duration?,
        seed: seed.and_then(|s| u64::try_from(s).ok()).unwrap_or(1),
        warmup,
        expect: expect.unwrap_or(Some(Vec::new()))?,
    })
}

/// The file's name without directories and extension: the default scenario name.
fn file_stem(file: &str) -> String {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    base.rsplit_once('.')
        .map_or(base, |(stem, _)| stem)
        .to_string()
}

/// The `expect` lines, each checked against the names and the run's length.
fn expectations(
    nodes: &[Node],
    duration: Option<SimDuration>,
    names: &Names,
    p: &mut Problems,
) -> Option<Vec<Expectation>> {
    let parsed: Vec<Option<Expectation>> = nodes
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let text = fields::string(node, &format!("expect[{i}]"), p)?;
            let e = parse_expectation(text)
                .map_err(|message| p.error(node.at, message))
                .ok()?;
            check_subject(&e, node.at, names, p)?;
            check_window(&e, node.at, duration, p)?;
            Some(e)
        })
        .collect();
    parsed.into_iter().collect()
}

/// The subject must be a client or a service; queue, utilization and
/// amplification need a service, attempts a client, a breaker an edge, and
/// the messaging metrics a queue.
fn check_subject(e: &Expectation, at: At, names: &Names, p: &mut Problems) -> Option<()> {
    let name = e.subject.as_str();
    if let Metric::DuplicateEffects = e.metric {
        return Some(()); // effects are checked once the endpoints are read
    }
    if e.metric.is_about_a_queue() {
        let known = names.queue_names();
        return check_named_subject(e, at, names, "queue", &known, p);
    }
    if let Metric::Saga(_) = e.metric {
        let known = names.saga_names();
        return check_named_subject(e, at, names, "saga", &known, p);
    }
    if let Metric::HitRatio = e.metric {
        let known = names.cache_names();
        return check_named_subject(e, at, names, "cache", &known, p);
    }
    if let Metric::Breaker(_) = e.metric {
        let Some((from, to)) = name.split_once("->") else {
            let hint = "a breaker is named by its edge: `breaker(api->db) at 45s == open`";
            p.hinted(
                at,
                format!("`{}` is not an edge like `api->db`", quote(name)),
                Some(hint.into()),
            );
            return None;
        };
        let from_ok = check_subject_name(e, from.trim(), false, at, names, p);
        let to_ok = check_subject_name(e, to.trim(), true, at, names, p);
        return from_ok.and(to_ok);
    }
    if let Metric::Attempts = e.metric {
        if names.client(name).is_none() && names.service(name).is_some() {
            p.error(
                at,
                format!(
                    "`attempts` counts a client's tries, and `{}` is a service",
                    quote(name)
                ),
            );
            return None;
        }
    }
    let needs_service = matches!(
        e.metric,
        Metric::MaxQueue
            | Metric::Utilization
            | Metric::Amplification
            | Metric::Instances(_)
            | Metric::MaxInstances
            | Metric::Deploy(_)
    );
    check_subject_name(e, name, needs_service, at, names, p)
}

/// The subject of a queue's or a saga's metric must be a declared `kind`,
/// one of `known`.
fn check_named_subject(
    e: &Expectation,
    at: At,
    names: &Names,
    kind: &str,
    known: &[&str],
    p: &mut Problems,
) -> Option<()> {
    let name = e.subject.as_str();
    if known.contains(&name) {
        return Some(());
    }
    if let Some(other) = names.kind_of(name) {
        p.error(
            at,
            format!(
                "`{}` measures a {kind}, and `{}` is {other}",
                quote(function_name(e)),
                quote(name)
            ),
        );
        return None;
    }
    let hint = crate::suggest::closest(name, known).map(|c| format!("did you mean `{c}`?"));
    p.hinted(
        at,
        format!("no {kind} `{}` in `{}`", quote(name), quote(&e.text)),
        hint,
    );
    None
}

/// The function of an expectation as written: `p99`, `dead_letters`.
fn function_name(e: &Expectation) -> &str {
    e.text.split('(').next().unwrap_or_default().trim()
}

/// `name` must be a client or a service (only a service if `needs_service`).
fn check_subject_name(
    e: &Expectation,
    name: &str,
    needs_service: bool,
    at: At,
    names: &Names,
    p: &mut Problems,
) -> Option<()> {
    let (client, service) = (names.client(name), names.service(name));
    match (client, service) {
        (Some(_), Some(_)) => ambiguous(name, at, p),
        (_, Some(_)) => return Some(()),
        (Some(_), None) if needs_service => {
            let function = function_name(e);
            p.error(
                at,
                format!(
                    "`{}` measures a service, and `{}` is a client",
                    quote(function),
                    quote(name)
                ),
            );
        }
        (Some(_), None) => return Some(()),
        (None, None) if names.kind_of(name).is_some() => {
            let what = if needs_service {
                "a service"
            } else {
                "a client or a service"
            };
            p.error(
                at,
                format!(
                    "`{}` measures {what}, and `{}` is {}",
                    quote(function_name(e)),
                    quote(name),
                    names.kind_of(name).unwrap_or_default()
                ),
            );
        }
        (None, None) => {
            let candidates: Vec<&str> = names
                .all_names()
                .filter(|n| names.client(n).is_some() || names.service(n).is_some())
                .collect();
            let hint =
                crate::suggest::closest(name, &candidates).map(|c| format!("did you mean `{c}`?"));
            let what = if needs_service {
                "service"
            } else {
                "client or service"
            };
            p.hinted(
                at,
                format!("no {what} `{}` in `{}`", quote(name), quote(&e.text)),
                hint,
            );
        }
    }
    None
}

/// A window must start before the run ends.
fn check_window(
    e: &Expectation,
    at: At,
    duration: Option<SimDuration>,
    p: &mut Problems,
) -> Option<()> {
    let (Some(w), Some(d)) = (e.window, duration) else {
        return Some(());
    };
    if w.start >= SimTime(d.0) {
        p.error(
            at,
            format!(
                "the window of `{}` starts after the run ends at {d}",
                quote(&e.text)
            ),
        );
        return None;
    }
    Some(())
}

/// The `[network]` section.
fn network(node: &Node, p: &mut Problems) -> Option<Network> {
    let f = Fields::open(
        node,
        "`network`",
        &format::NETWORK,
        "[network]".to_string(),
        p,
    )?;
    let default = Network::default();
    Some(Network {
        latency: f
            .read("latency", p, fields::dist)
            .unwrap_or(default.latency),
        loss: f
            .read("loss", p, fields::probability)
            .unwrap_or(default.loss),
        duplicate: f
            .read("duplicate", p, fields::probability)
            .unwrap_or(default.duplicate),
    })
}

/// Every `[[link]]`; a second link for the same direction of an edge is an error.
fn links(nodes: &[Node], names: &Names, p: &mut Problems) -> Vec<Option<Link>> {
    let mut seen = BTreeSet::new();
    nodes
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let link = link(node, i, names, p)?;
            if !seen.insert((link.from, link.to)) {
                p.error(
                    node.at,
                    format!(
                        "a second [[link]] from `{}` to `{}`",
                        names.node_name(link.from),
                        names.node_name(link.to)
                    ),
                );
                return None;
            }
            Some(link)
        })
        .collect()
}

fn link(node: &Node, index: usize, names: &Names, p: &mut Problems) -> Option<Link> {
    let context = format!("[[link]] [{index}]");
    let f = Fields::open(node, "each `link`", &format::LINK, context, p)?;
    let end = |key: &str, p: &mut Problems| -> Option<NodeId> {
        let name = f.require(key, p, fields::string)?;
        let at = f.place(key);
        let role = format!("`{key}` of {}", f.context);
        names
            .node(name, at, &role, p)
            .and_then(|n| no_cache_link(n, at, &role, p))
    };
    let (from, to) = (end("from", p), end("to", p));
    let latency = f.read("latency", p, fields::dist);
    let loss = f.read("loss", p, fields::probability);
    let duplicate = f.read("duplicate", p, fields::probability);
    Some(Link {
        from: from?,
        to: to?,
        latency,
        loss,
        duplicate,
    })
}
