//! Caches in scenario files: `[[cache]]`, the `via` of a call, caches as
//! nodes and fault targets, and `hit_ratio`; each value read exactly, each
//! problem with its message and place.

use super::limits_tests::place;
use super::messaging_tests::only_at;
use super::model::*;
use super::tests::{errors, hint, ok, set};
use super::{load, Diagnostic};
use crate::dist::Dist;
use crate::expect::Metric;
use crate::time::SimDuration;

/// `api` calls `db` via `sessions`.
const CACHED: &str = r#"[scenario]
duration = "60s"

[[client]]
name = "users"
target = "api"
rate = 100

[[service]]
name = "api"
service_time = "1ms"
calls = [ { to = "db", via = "sessions", timeout = "50ms" } ]

[[service]]
name = "db"
service_time = "5ms"

[[cache]]
name = "sessions"
ttl = "60s"
"#;

/// `CACHED` with `from` replaced by `to` (which must be there).
fn edit(from: &str, to: &str) -> String {
    assert!(CACHED.contains(from), "{from}");
    CACHED.replacen(from, to, 1)
}

#[test]
fn a_cache_with_defaults_and_a_call_via_it() {
    let s = ok(CACHED);
    assert_eq!(
        s.caches,
        [Cache {
            name: "sessions".into(),
            capacity: None,
            ttl: Dist::Constant(SimDuration::from_secs(60)),
            hit_time: Dist::Constant(SimDuration::ZERO),
            workers: None,
            single_flight: false,
            refresh_ahead: None,
        }]
    );
    let call = &s.services[0].endpoints[0].calls[0];
    assert_eq!(
        (call.via, call.policy.timeout),
        (Some(CacheId(0)), Some(SimDuration::from_millis(50)))
    );
    assert_eq!(s.node_name(NodeId::Cache(CacheId(0))), "sessions");
}

#[test]
fn every_key_of_a_cache_is_read() {
    let text = edit(
        "ttl = \"60s\"\n",
        "ttl = \"uniform(50s, 70s)\"\ncapacity = 10000\nhit_time = \"0.5ms\"\nworkers = 64\n\
         single_flight = true\nrefresh_ahead = \"10s\"\n",
    );
    let c = &ok(&text).caches[0];
    assert_eq!(c.capacity, Some(10000));
    assert!(matches!(c.ttl, Dist::Uniform { .. }), "{:?}", c.ttl);
    assert_eq!(c.hit_time, Dist::Constant(SimDuration(500_000)));
    assert_eq!((c.workers, c.single_flight), (Some(64), true));
    assert_eq!(c.refresh_ahead, Some(SimDuration::from_secs(10)));
    let set_ttl = load(&text, "t.toml", &[set("cache.sessions.ttl=5s")]).unwrap();
    assert_eq!(
        set_ttl.caches[0].ttl,
        Dist::Constant(SimDuration::from_secs(5))
    );
}

#[test]
fn a_cache_needs_a_ttl_and_sane_sizes() {
    only_at(
        &edit("ttl = \"60s\"\n", ""),
        "[[cache]]",
        "missing key `ttl` in [[cache]] `sessions`",
        None,
    );
    for (value, message) in [
        ("capacity = 0", "`capacity` must be at least 1, got 0"),
        (
            "capacity = 10000001",
            "`capacity` = 10000001 is above the limit of 10000000 per cache",
        ),
        (
            "workers = 100001",
            "`workers` = 100001 is above the limit of 100000 per cache",
        ),
    ] {
        let text = edit("ttl = \"60s\"\n", &format!("ttl = \"60s\"\n{value}\n"));
        let found: Vec<String> = errors(&text)
            .into_iter()
            .map(|d: Diagnostic| d.message)
            .collect();
        assert_eq!(found, [message], "{value}");
    }
}

#[test]
fn via_must_name_a_declared_cache() {
    only_at(
        &edit("via = \"sessions\"", "via = \"sesions\""),
        "\"sesions\"",
        "no cache `sesions` for `via` of calls[0] of [[service]] `api`",
        Some("did you mean `sessions`?"),
    );
    only_at(
        &edit("via = \"sessions\"", "via = \"db\""),
        "\"db\", timeout",
        "no cache `db` for `via` of calls[0] of [[service]] `api`",
        Some("`db` is a service: `to` names the service called, `via` the cache looked up first"),
    );
}

#[test]
fn caches_share_the_namespace_of_services_and_queues() {
    let clash = |name: &str| edit("name = \"sessions\"", &format!("name = \"{name}\""));
    let text = clash("db");
    let (line, column) = place(&text, "name = \"db\"\nttl");
    let found = errors(&text);
    assert!(
        found
            .iter()
            .any(|d| (d.line, d.column) == (line, column + 7)
                && d.message == "cache `db` has the name of a service"
                && d.hint == hint("caches and services share one namespace: rename one of them")),
        "{found:#?}"
    );
    let text = format!("{CACHED}[[cache]]\nname = \"sessions\"\nttl = \"1s\"\n");
    let found = errors(&text);
    assert!(
        found
            .iter()
            .any(|d| d.message == "a second cache named `sessions`"),
        "{found:#?}"
    );
}

#[test]
fn a_cache_takes_crash_and_pause_faults_only() {
    let fault = |kind: &str| {
        format!("{CACHED}[[fault]]\nkind = \"{kind}\"\ntarget = \"sessions\"\nat = \"1s\"\n")
    };
    let s = ok(&fault("crash"));
    assert_eq!(s.faults[0].target, FaultTarget::Cache(CacheId(0)));
    assert_eq!(s.fault_target(s.faults[0].target), "sessions");
    ok(&fault("pause"));
    let slow = fault("slowdown").replace("at = \"1s\"", "at = \"1s\"\nfactor = 2");
    only_at(
        &slow,
        "\"sessions\"\nat",
        "a slowdown fault strikes a service, an instance or a link, not a cache",
        Some("caches take crash (it empties and restarts cold) and pause (lookups wait until it resumes) faults"),
    );
    only_at(
        &fault("crash").replace("target = \"sessions\"", "target = \"sessions#0\""),
        "\"sessions#0\"",
        "`sessions` is a cache: it has no instances",
        Some("target the whole cache: `sessions`"),
    );
}

#[test]
fn hit_ratio_measures_a_cache() {
    let with = |line: &str| {
        edit(
            "duration = \"60s\"\n",
            &format!("duration = \"60s\"\nexpect = [\"{line}\"]\n"),
        )
    };
    let s = ok(&with("hit_ratio(sessions, 10s..) >= 0.9"));
    assert_eq!(s.expect[0].metric, Metric::HitRatio);
    assert_eq!(s.expect[0].subject, "sessions");
    only_at(
        &with("hit_ratio(sesions) >= 0.9"),
        "\"hit_ratio",
        "no cache `sesions` in `hit_ratio(sesions) >= 0.9`",
        Some("did you mean `sessions`?"),
    );
    only_at(
        &with("hit_ratio(db) >= 0.9"),
        "\"hit_ratio",
        "`hit_ratio` measures a cache, and `db` is a service",
        None,
    );
}

#[test]
fn links_and_link_faults_do_not_reach_a_cache() {
    let hint = "a cache's `hit_time` is its round trip; to fail it, target the cache itself with a crash or a pause";
    only_at(
        &format!("{CACHED}[[link]]\nfrom = \"api\"\nto = \"sessions\"\nlatency = \"5ms\"\n"),
        "\"sessions\"\nlatency",
        "`to` of [[link]] [0] is a cache, and lookups do not travel over links",
        Some(hint),
    );
    only_at(
        &format!(
            "{CACHED}[[fault]]\nkind = \"partition\"\ntarget = \"api->sessions\"\nat = \"1s\"\n"
        ),
        "\"api->sessions\"",
        "`target` of [[fault]] [0] is a cache, and lookups do not travel over links",
        Some(hint),
    );
}
