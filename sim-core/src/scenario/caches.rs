//! `[[cache]]`: look-aside caches, and the `via` of a call that names one.

use super::fields::{self, Fields};
use super::format;
use super::model::{Cache, CacheId};
use super::names::{own_name, undeclared_hint, Names};
use super::problems::{At, Problems};
use super::services::{label, unique_name};
use super::tree::Node;
use crate::dist::Dist;
use crate::text::quote;
use crate::time::SimDuration;
use std::collections::BTreeMap;

/// Reads every `[[cache]]`; an entry is `None` where it has problems.
pub(crate) fn caches(nodes: &[Node], names: &Names, p: &mut Problems) -> Vec<Option<Cache>> {
    let mut seen = BTreeMap::new();
    nodes
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let id = u32::try_from(i).ok()?;
            cache(node, id, names, &mut seen, p)
        })
        .collect()
}

fn cache(
    node: &Node,
    index: u32,
    names: &Names,
    seen: &mut BTreeMap<String, At>,
    p: &mut Problems,
) -> Option<Cache> {
    let context = format!("[[cache]] {}", label(node, index));
    let f = Fields::open(node, "each `cache`", &format::CACHE, context, p)?;
    let name = unique_name(&f, "cache", seen, p)
        .filter(|n| own_name("cache", n, f.place("name"), names, p));
    let capacity = f.count("capacity", p);
    let ttl = f.require("ttl", p, fields::dist);
    let hit_time = f.read("hit_time", p, fields::dist);
    let workers = f.count("workers", p);
    let single_flight = f.read("single_flight", p, fields::boolean);
    let refresh_ahead = f.read("refresh_ahead", p, fields::positive_duration);
    Some(Cache {
        name: name?.to_string(),
        capacity,
        ttl: ttl?,
        hit_time: hit_time.unwrap_or(Dist::Constant(SimDuration::ZERO)),
        workers,
        single_flight: single_flight.unwrap_or(false),
        refresh_ahead,
    })
}

/// Resolves the `via` of a call: a declared cache. `role` says where it is,
/// like "`via` of calls[0] of [[service]] `api`".
pub(crate) fn via(
    name: &str,
    at: At,
    role: &str,
    names: &Names,
    p: &mut Problems,
) -> Option<CacheId> {
    if let Some(c) = names.cache(name) {
        return Some(c);
    }
    let hint = if names.service(name).is_some() {
        Some(format!(
            "`{}` is a service: `to` names the service called, `via` the cache looked up first",
            quote(name)
        ))
    } else {
        let declare = format!("[[cache]] with name = \"{}\" and a `ttl`", quote(name));
        Some(undeclared_hint(
            name,
            &names.cache_names(),
            "caches",
            &declare,
        ))
    };
    p.hinted(at, format!("no cache `{}` for {role}", quote(name)), hint);
    None
}
