//! Call cycles: an endpoint that calls, through others, itself would make
//! every request it serves call on without end.
//!
//! The graph is over endpoints, not services: `api.a` calling `db` calling
//! `api.b` is a legitimate design (and may deadlock with blocking workers,
//! which is worth simulating), while `api -> db -> api` never ends. A
//! depth-first search over the calls (petgraph's) finds a cycle at each back
//! edge: the call that closes it, reported with the path it closes.

use super::model::Target;
use super::names::Names;
use super::problems::{At, Problems};
use super::services::CallSite;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{depth_first_search, Control, DfsEvent};
use std::collections::BTreeMap;

/// Reports every cycle found, at the call that closes it.
pub(crate) fn check(sites: &[CallSite], names: &Names, p: &mut Problems) {
    let mut graph: DiGraph<Target, At> = DiGraph::new();
    let mut index: BTreeMap<Target, NodeIndex> = BTreeMap::new();
    let mut node =
        |g: &mut DiGraph<Target, At>, t: Target| *index.entry(t).or_insert_with(|| g.add_node(t));
    for s in sites {
        let (from, to) = (node(&mut graph, s.from), node(&mut graph, s.to));
        graph.add_edge(from, to, s.at);
    }
    // The tree edge into each endpoint, to walk a cycle back from its end.
    let mut parent: BTreeMap<NodeIndex, NodeIndex> = BTreeMap::new();
    let mut cycles = Vec::new();
    depth_first_search(&graph, graph.node_indices(), |event| {
        match event {
            DfsEvent::TreeEdge(a, b) => {
                parent.insert(b, a);
            }
            DfsEvent::BackEdge(a, b) => cycles.push((a, b)),
            _ => {}
        }
        Control::<()>::Continue
    });
    for (last, first) in cycles {
        // `first` is an ancestor of `last` in the search tree.
        let (mut path, mut here) = (vec![last], last);
        while here != first {
            let Some(&up) = parent.get(&here) else { break };
            path.push(up);
            here = up;
        }
        path.reverse();
        path.push(first);
        let at = graph
            .find_edge(last, first)
            .map_or(At::File(0), |e| graph[e]);
        let cycle: Vec<String> = path.iter().map(|&n| names.label(graph[n])).collect();
        p.hinted(
            at,
            format!("call cycle: {}", cycle.join(" -> ")),
            Some("every request would call on without end: remove one of these calls".to_string()),
        );
    }
}
