//! A scenario's topology as a graph: clients, services, queues, caches,
//! dead-letter sinks and sagas are nodes; calls (with their policies),
//! lookups in caches, publishes, consumes, dead letters and saga steps are
//! edges, in the order the file declares them. `dsim graph` prints it as Graphviz DOT or as Mermaid, to
//! paste into a design document.

use crate::scenario::model::Scenario;
use crate::scenario::model::{Cache, DeadLetter, Load, Saga, Target};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::BTreeMap;

/// What a node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    Client,
    Service,
    Queue,
    /// A look-aside cache.
    Cache,
    /// Where a queue's dead letters go when it is not a queue.
    Sink,
    /// A saga's orchestrator.
    Saga,
}

/// A node: its kind, its name and a line of detail.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub name: String,
    /// `3 × 8 workers`, `rate 800/s`, `at_least_once · 4 partitions`.
    pub detail: String,
}

/// What an edge is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeKind {
    /// A client's requests or an endpoint's calls.
    Call,
    /// A call's lookup in the cache it goes `via`.
    Lookup,
    /// A call made by a cache's miss (or refresh): the call behind it, with
    /// its policies.
    Fill,
    Publish,
    Consume,
    DeadLetter,
    /// A saga step's call.
    Step,
    /// A saga step's compensation.
    Compensate,
}

/// An edge: its kind and its label (the target endpoint, the policies).
#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    pub kind: EdgeKind,
    pub label: String,
}

/// The topology of `sc`.
pub fn topology(sc: &Scenario) -> DiGraph<Node, Edge> {
    let mut g = DiGraph::new();
    let node = |g: &mut DiGraph<Node, Edge>, kind, name: &str, detail: String| {
        g.add_node(Node {
            kind,
            name: name.to_string(),
            detail,
        })
    };
    let clients: Vec<NodeIndex> = sc
        .clients
        .iter()
        .map(|c| node(&mut g, NodeKind::Client, &c.name, load(&c.load)))
        .collect();
    let services: Vec<NodeIndex> = sc
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut detail = match &s.lifecycle.autoscale {
                Some(a) => format!(
                    "{} ({}..{}) × {} workers",
                    s.instances, a.min, a.max, s.workers
                ),
                None => format!("{} × {} workers", s.instances, s.workers),
            };
            for d in sc.deploys.iter().filter(|d| d.service.0 as usize == i) {
                detail.push_str(&format!(" · {} deploy", d.strategy.name()));
            }
            node(&mut g, NodeKind::Service, &s.name, detail)
        })
        .collect();
    let queues: Vec<NodeIndex> = sc
        .queues
        .iter()
        .map(|q| {
            let mut detail = match q.delivery {
                crate::scenario::model::Delivery::AtLeastOnce => "at least once".to_string(),
                crate::scenario::model::Delivery::AtMostOnce => "at most once".to_string(),
            };
            if let Some(p) = q.partitions {
                detail.push_str(&format!(" · {p} partitions"));
            }
            node(&mut g, NodeKind::Queue, &q.name, detail)
        })
        .collect();
    let caches: Vec<NodeIndex> = sc
        .caches
        .iter()
        .map(|c| node(&mut g, NodeKind::Cache, &c.name, cache_detail(c)))
        .collect();
    let sagas: Vec<NodeIndex> = sc
        .sagas
        .iter()
        .map(|s| {
            node(
                &mut g,
                NodeKind::Saga,
                &s.name,
                format!("saga · {} steps", s.steps.len()),
            )
        })
        .collect();
    let edge = |kind, label: String| Edge { kind, label };
    let call_label = |to: Target, policies: String| {
        let endpoint = sc.target_name(to);
        let endpoint = endpoint.split_once('.').map_or("", |(_, e)| e);
        words([endpoint.to_string(), policies])
    };
    for (c, client) in sc.clients.iter().enumerate() {
        let (to, label) = match client.saga {
            Some(g) => (sagas[g.0 as usize], String::new()),
            None => (
                services[client.target.service.0 as usize],
                call_label(client.target, client.policy.label()),
            ),
        };
        g.add_edge(clients[c], to, edge(EdgeKind::Call, label));
    }
    for (s, service) in sc.services.iter().enumerate() {
        for (new, e) in service.call_lists() {
            for call in &e.calls {
                let mut label = call_label(call.to, call.policy.label());
                if new {
                    label = words([label, "new version".to_string()]);
                }
                let to = services[call.to.service.0 as usize];
                match call.via {
                    Some(c) => {
                        let cache = caches[c.0 as usize];
                        g.add_edge(services[s], cache, edge(EdgeKind::Lookup, "lookup".into()));
                        let label = if label.is_empty() {
                            "miss".to_string()
                        } else {
                            format!("miss · {label}")
                        };
                        g.add_edge(cache, to, edge(EdgeKind::Fill, label));
                    }
                    None => {
                        g.add_edge(services[s], to, edge(EdgeKind::Call, label));
                    }
                }
            }
        }
        for (q, kind) in message_uses(sc, s) {
            let (from, to) = match kind {
                EdgeKind::Publish => (services[s], queues[q]),
                _ => (queues[q], services[s]),
            };
            g.add_edge(from, to, edge(kind, String::new()));
        }
    }
    let mut sinks: BTreeMap<&str, NodeIndex> = BTreeMap::new();
    for (q, queue) in sc.queues.iter().enumerate() {
        let to = match &queue.dead_letter {
            Some(DeadLetter::Queue(d)) => queues[d.0 as usize],
            Some(DeadLetter::Sink(name)) => *sinks
                .entry(name.as_str())
                .or_insert_with(|| node(&mut g, NodeKind::Sink, name, "dead letters".into())),
            None => continue,
        };
        g.add_edge(
            queues[q],
            to,
            edge(EdgeKind::DeadLetter, "dead letters".into()),
        );
    }
    for (i, saga) in sc.sagas.iter().enumerate() {
        add_steps(&mut g, sc, saga, sagas[i], &services, &call_label);
    }
    g
}

/// The edges of a saga's steps, numbered, and of their compensations.
fn add_steps(
    g: &mut DiGraph<Node, Edge>,
    sc: &Scenario,
    saga: &Saga,
    from: NodeIndex,
    services: &[NodeIndex],
    call_label: &dyn Fn(Target, String) -> String,
) {
    for (n, step) in saga.steps.iter().enumerate() {
        let pivot = if step.pivot { "pivot" } else { "" };
        let label = words([
            call_label(step.call, step.policy.label()),
            pivot.to_string(),
        ]);
        let label = format!("{}. {label}", n + 1);
        let to = services[step.call.service.0 as usize];
        g.add_edge(
            from,
            to,
            Edge {
                kind: EdgeKind::Step,
                label,
            },
        );
        if let Some(undo) = step.compensate {
            let label = format!("undo {}. {}", n + 1, sc.target_name(undo));
            let to = services[undo.service.0 as usize];
            g.add_edge(
                from,
                to,
                Edge {
                    kind: EdgeKind::Compensate,
                    label,
                },
            );
        }
    }
}

/// The queues service `s` publishes to and consumes, once each.
fn message_uses(sc: &Scenario, s: usize) -> Vec<(usize, EdgeKind)> {
    let mut uses = Vec::new();
    for e in sc.services[s].every_endpoint() {
        uses.extend(
            e.publish
                .iter()
                .map(|p| (p.to.0 as usize, EdgeKind::Publish)),
        );
        uses.extend(e.consumes.map(|q| (q.0 as usize, EdgeKind::Consume)));
    }
    let mut seen = Vec::new();
    uses.retain(|u| {
        let new = !seen.contains(u);
        seen.push(*u);
        new
    });
    uses
}

/// The non-empty `parts` of a label, joined by " · ".
fn words(parts: impl IntoIterator<Item = String>) -> String {
    let parts: Vec<String> = parts.into_iter().filter(|p| !p.is_empty()).collect();
    parts.join(" · ")
}

/// A cache's size and expiry in a few words: `ttl 60s · 1000 keys · single flight`.
fn cache_detail(c: &Cache) -> String {
    let mut parts = vec![format!("ttl {}", c.ttl)];
    if let Some(n) = c.capacity {
        parts.push(format!("{n} keys"));
    }
    if c.single_flight {
        parts.push("single flight".into());
    }
    if c.refresh_ahead.is_some() {
        parts.push("refresh ahead".into());
    }
    parts.join(" · ")
}

/// A client's load in a few words.
fn load(l: &Load) -> String {
    match l {
        Load::Open { schedule, .. } if schedule.len() == 1 => format!("{}/s", schedule[0].1),
        Load::Open { .. } => "a rate schedule".to_string(),
        Load::Closed { users, .. } => format!("{users} users"),
    }
}

/// Text for a double-quoted DOT string.
fn dot_text(s: &str) -> String {
    crate::text::escape(s)
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
}

/// Graphviz DOT: `dot -Tsvg` draws it.
pub fn dot(sc: &Scenario) -> String {
    let g = topology(sc);
    let mut out = format!(
        "digraph \"{}\" {{\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n",
        dot_text(&sc.name)
    );
    for i in g.node_indices() {
        let n = &g[i];
        let shape = match n.kind {
            NodeKind::Client => "shape=box, style=rounded",
            NodeKind::Service => "shape=box",
            NodeKind::Queue => "shape=cylinder",
            NodeKind::Cache => "shape=box3d",
            NodeKind::Sink => "shape=note",
            NodeKind::Saga => "shape=hexagon",
        };
        out.push_str(&format!(
            "  n{} [label=\"{}\\n{}\", {shape}];\n",
            i.index(),
            dot_text(&n.name),
            dot_text(&n.detail)
        ));
    }
    for e in g.edge_indices() {
        let Some((a, b)) = g.edge_endpoints(e) else {
            continue;
        };
        let w = &g[e];
        let style = match w.kind {
            EdgeKind::Call | EdgeKind::Step | EdgeKind::Fill => "",
            EdgeKind::Lookup => ", style=bold",
            EdgeKind::Publish | EdgeKind::Consume => ", style=dashed",
            EdgeKind::DeadLetter => ", style=dashed, color=red",
            EdgeKind::Compensate => ", style=dotted",
        };
        out.push_str(&format!(
            "  n{} -> n{} [label=\"{}\"{style}];\n",
            a.index(),
            b.index(),
            dot_text(&w.label)
        ));
    }
    out.push_str("}\n");
    out
}

/// Text for a Mermaid label in double quotes.
fn mermaid_text(s: &str) -> String {
    crate::text::escape(s).replace('"', "#quot;")
}

/// A Mermaid flowchart, which Markdown renderers draw.
pub fn mermaid(sc: &Scenario) -> String {
    let g = topology(sc);
    let mut out = format!(
        "---\ntitle: \"{}\"\n---\nflowchart LR\n",
        mermaid_text(&sc.name)
    );
    for i in g.node_indices() {
        let n = &g[i];
        let label = format!("{}<br/>{}", mermaid_text(&n.name), mermaid_text(&n.detail));
        let (open, close) = match n.kind {
            NodeKind::Client => ("([\"", "\"])"),
            NodeKind::Service => ("[\"", "\"]"),
            NodeKind::Queue => ("[(\"", "\")]"),
            NodeKind::Cache => ("[/\"", "\"/]"),
            NodeKind::Sink => (">\"", "\"]"),
            NodeKind::Saga => ("{{\"", "\"}}"),
        };
        out.push_str(&format!("  n{}{open}{label}{close}\n", i.index()));
    }
    for e in g.edge_indices() {
        let Some((a, b)) = g.edge_endpoints(e) else {
            continue;
        };
        let w = &g[e];
        let arrow = match w.kind {
            EdgeKind::Call | EdgeKind::Step | EdgeKind::Fill => "-->",
            EdgeKind::Lookup => "==>",
            _ => "-.->",
        };
        let label = if w.label.is_empty() {
            String::new()
        } else {
            format!("|\"{}\"|", mermaid_text(&w.label))
        };
        out.push_str(&format!("  n{} {arrow}{label} n{}\n", a.index(), b.index()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SC: &str = r#"
[scenario]
name = "shop \"demo\""
duration = "1s"
[[client]]
name = "users"
target = "api"
rate = 10
timeout = "1s"
[[client]]
name = "buyers"
target = "checkout"
rate = 1
[[service]]
name = "api"
service_time = "1ms"
calls = [
  { to = "db.read", retry = { max_attempts = 3 } },
  { to = "db.read", via = "sessions", timeout = "50ms" },
]
publish = [{ to = "orders" }]
[[service]]
name = "db"
service_time = "1ms"
[[service.endpoint]]
name = "read"
[[service.endpoint]]
name = "undo"
[[queue]]
name = "orders"
partitions = 2
max_receives = 3
dead_letter = "orders-dlq"
[[service]]
name = "worker"
service_time = "1ms"
consumes = "orders"
[[cache]]
name = "sessions"
ttl = "10s"
capacity = 100
single_flight = true
[[saga]]
name = "checkout"
steps = [{ call = "db.read", compensate = "db.undo" }, { call = "api", pivot = true }]
"#;

    #[test]
    fn every_element_is_a_node_and_every_use_an_edge() {
        let sc = crate::scenario::load(SC, "t.toml", &[]).unwrap();
        let g = topology(&sc);
        let nodes: Vec<(NodeKind, &str)> = g
            .node_weights()
            .map(|n| (n.kind, n.name.as_str()))
            .collect();
        assert_eq!(
            nodes,
            [
                (NodeKind::Client, "users"),
                (NodeKind::Client, "buyers"),
                (NodeKind::Service, "api"),
                (NodeKind::Service, "db"),
                (NodeKind::Service, "worker"),
                (NodeKind::Queue, "orders"),
                (NodeKind::Cache, "sessions"),
                (NodeKind::Saga, "checkout"),
                (NodeKind::Sink, "orders-dlq"),
            ]
        );
        let edges: Vec<(String, String, EdgeKind, String)> = g
            .edge_indices()
            .map(|e| {
                let (a, b) = g.edge_endpoints(e).unwrap();
                (
                    g[a].name.clone(),
                    g[b].name.clone(),
                    g[e].kind,
                    g[e].label.clone(),
                )
            })
            .collect();
        let e = |a: &str, b: &str, k, l: &str| (a.to_string(), b.to_string(), k, l.to_string());
        assert_eq!(
            edges,
            [
                e("users", "api", EdgeKind::Call, "timeout 1s"),
                e("buyers", "checkout", EdgeKind::Call, ""),
                e("api", "db", EdgeKind::Call, "read · retry 3"),
                e("api", "sessions", EdgeKind::Lookup, "lookup"),
                e(
                    "sessions",
                    "db",
                    EdgeKind::Fill,
                    "miss · read · timeout 50ms"
                ),
                e("api", "orders", EdgeKind::Publish, ""),
                e("orders", "worker", EdgeKind::Consume, ""),
                e("orders", "orders-dlq", EdgeKind::DeadLetter, "dead letters"),
                e("checkout", "db", EdgeKind::Step, "1. read"),
                e("checkout", "db", EdgeKind::Compensate, "undo 1. db.undo"),
                e("checkout", "api", EdgeKind::Step, "2. pivot"),
            ]
        );
    }

    #[test]
    fn dot_and_mermaid_quote_what_they_must() {
        let sc = crate::scenario::load(SC, "t.toml", &[]).unwrap();
        let d = dot(&sc);
        assert!(d.starts_with("digraph \"shop \\\"demo\\\"\" {\n"), "{d}");
        assert!(
            d.contains("  n5 [label=\"orders\\nat least once · 2 partitions\", shape=cylinder];\n"),
            "{d}"
        );
        assert!(
            d.contains("  n2 -> n3 [label=\"read · retry 3\"];\n"),
            "{d}"
        );
        assert!(
            d.contains(
                "  n6 [label=\"sessions\\nttl 10s · 100 keys · single flight\", shape=box3d];\n"
            ),
            "{d}"
        );
        assert!(
            d.contains("  n2 -> n6 [label=\"lookup\", style=bold];\n"),
            "{d}"
        );
        assert!(d.ends_with("}\n"));
        let m = mermaid(&sc);
        assert!(
            m.starts_with("---\ntitle: \"shop #quot;demo#quot;\"\n---\nflowchart LR\n"),
            "{m}"
        );
        assert!(
            m.contains("  n7{{\"checkout<br/>saga · 2 steps\"}}\n"),
            "{m}"
        );
        assert!(m.contains("  n5 -.-> n4\n"), "{m}");
        assert!(
            m.contains("  n6[/\"sessions<br/>ttl 10s · 100 keys · single flight\"/]\n"),
            "{m}"
        );
        assert!(m.contains("  n2 ==>|\"lookup\"| n6\n"), "{m}");
    }
}
