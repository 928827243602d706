//! Call cycles: an endpoint that calls, through others, itself would make
//! every request it serves call on without end.
//!
//! The graph is over endpoints, not services: `api.a` calling `db` calling
//! `api.b` is a legitimate design (and may deadlock with blocking workers,
//! which is worth simulating), while `api -> db -> api` never ends.

use super::model::Target;
use super::names::Names;
use super::problems::{At, Problems};
use super::services::CallSite;
use std::collections::BTreeMap;

/// How far depth-first search has got with an endpoint.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// On the current path.
    Active,
    /// Fully explored.
    Done,
}

/// Reports every cycle found, at the call that closes it.
pub(crate) fn check(sites: &[CallSite], names: &Names, p: &mut Problems) {
    let mut graph: BTreeMap<Target, Vec<(Target, At)>> = BTreeMap::new();
    for s in sites {
        graph.entry(s.from).or_default().push((s.to, s.at));
    }
    let mut marks: BTreeMap<Target, Mark> = BTreeMap::new();
    for &start in graph.keys() {
        if marks.contains_key(&start) {
            continue;
        }
        marks.insert(start, Mark::Active);
        // The current path, each endpoint with the index of its next call to follow.
        let mut path: Vec<(Target, usize)> = vec![(start, 0)];
        while let Some(&(node, next)) = path.last() {
            let edge = graph.get(&node).and_then(|edges| edges.get(next)).copied();
            let Some((to, at)) = edge else {
                marks.insert(node, Mark::Done);
                path.pop();
                continue;
            };
            if let Some(top) = path.last_mut() {
                top.1 += 1;
            }
            match marks.get(&to) {
                Some(Mark::Active) => report(&path, to, at, names, p),
                Some(Mark::Done) => {}
                None => {
                    marks.insert(to, Mark::Active);
                    path.push((to, 0));
                }
            }
        }
    }
}

/// Reports the cycle from `to` (on the path) along the path and back to `to`.
fn report(path: &[(Target, usize)], to: Target, at: At, names: &Names, p: &mut Problems) {
    let start = path.iter().position(|(t, _)| *t == to).unwrap_or(0);
    let cycle: Vec<String> = path[start..]
        .iter()
        .map(|(t, _)| names.label(*t))
        .chain([names.label(to)])
        .collect();
    p.hinted(
        at,
        format!("call cycle: {}", cycle.join(" -> ")),
        Some("every request would call on without end: remove one of these calls".to_string()),
    );
}
