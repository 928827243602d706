//! Nothing is lost: over random small topologies with random policies, every
//! request and every attempt ends exactly once or is counted in flight when
//! the run stops.

use crate::common::run_text;
use proptest::prelude::*;
use std::fmt::Write;

/// One generated service: its knobs, and which later services it calls.
#[derive(Debug, Clone)]
struct Svc {
    instances: u32,
    balancer: &'static str,
    workers: u32,
    queue: Option<u32>,
    error_rate: f64,
    mean_ms: u32,
    parallel: bool,
    blocking: bool,
    calls: Vec<(usize, Option<u32>, usize)>,
    shed: bool,
}

/// Caller policies a call or client may carry (beside its timeout), as
/// `(key, value)` pairs.
const POLICIES: &[&[(&str, &str)]] = &[
    &[],
    &[(
        "retry",
        r#"{ max_attempts = 3, backoff = "exponential", base = "5ms", jitter = "full" }"#,
    )],
    &[
        (
            "retry",
            r#"{ max_attempts = 4, backoff = "none", retry_on = ["timeout", "error", "open", "shed"] }"#,
        ),
        ("budget", "{ max_tokens = 5, token_ratio = 0.2 }"),
    ],
    &[(
        "breaker",
        r#"{ window = "count", size = 10, min_calls = 4, failure_rate = 0.3, open_for = "200ms", half_open_calls = 2 }"#,
    )],
    &[
        (
            "breaker",
            r#"{ window = "time", size = "500ms", min_calls = 3, failure_rate = 0.2, open_for = "100ms", half_open_calls = 1 }"#,
        ),
        ("fallback", r#"{ service_time = "1ms" }"#),
    ],
    &[("bulkhead", r#"{ max_concurrent = 2, max_wait = "5ms" }"#)],
    &[("limit", "{ rate = 50, burst = 5 }")],
    &[("limit", r#"{ rate = 5, burst = 2, per = "key" }"#)],
    &[
        ("hedge", r#"{ after = "3ms", max_extra = 2 }"#),
        ("retry", "{ max_attempts = 2 }"),
    ],
    &[
        ("deadline", "true"),
        (
            "retry",
            r#"{ max_attempts = 3, backoff = "constant", base = "2ms", jitter = "decorrelated" }"#,
        ),
    ],
];

/// Policy `i` as `, key = value` entries of an inline table.
fn inline(i: usize) -> String {
    POLICIES[i]
        .iter()
        .map(|(k, v)| format!(", {k} = {v}"))
        .collect()
}

fn svc(index: usize, count: usize) -> impl Strategy<Value = Svc> {
    let later = (index + 1)..count.max(index + 1);
    let calls = if later.is_empty() {
        Just(Vec::new()).boxed()
    } else {
        let policy = 0..POLICIES.len();
        prop::collection::vec((later, prop::option::of(1u32..50), policy), 0..3).boxed()
    };
    (
        1u32..4,
        prop::sample::select(vec![
            "round_robin",
            "random",
            "least_outstanding",
            "p2c",
            "hash",
        ]),
        1u32..4,
        prop::option::of(0u32..6),
        0.0f64..0.2,
        1u32..20,
        any::<bool>(),
        any::<bool>(),
        calls,
        any::<bool>(),
    )
        .prop_map(
            |(
                instances,
                balancer,
                workers,
                queue,
                error_rate,
                mean_ms,
                parallel,
                blocking,
                calls,
                shed,
            )| Svc {
                instances,
                balancer,
                workers,
                queue,
                error_rate,
                mean_ms,
                parallel,
                blocking,
                calls,
                shed,
            },
        )
}

type Topology = (Vec<Svc>, u32, Option<u32>, f64, f64, usize);

fn topology() -> impl Strategy<Value = Topology> {
    (1usize..5)
        .prop_flat_map(|n| (0..n).map(|i| svc(i, n)).collect::<Vec<_>>())
        .prop_flat_map(|svcs| {
            (
                Just(svcs),
                10u32..600,
                prop::option::of(5u32..200),
                0.0f64..0.1,
                0.0f64..0.1,
                0..POLICIES.len(),
            )
        })
}

fn render((svcs, rate, timeout, loss, dup, policy): &Topology) -> String {
    let mut t = format!(
        "[scenario]\nname = \"random\"\nduration = \"5s\"\n\n[network]\nlatency = \"exp(1ms)\"\nloss = {loss}\nduplicate = {dup}\n\n"
    );
    let timeout = timeout
        .map(|ms| format!("timeout = \"{ms}ms\"\n"))
        .unwrap_or_default();
    let client_policy: String = POLICIES[*policy]
        .iter()
        .map(|(k, v)| format!("{k} = {v}\n"))
        .collect();
    let timeout = format!("{timeout}{client_policy}");
    write!(
        t,
        "[[client]]\nname = \"open\"\ntarget = \"s0\"\nrate = {rate}\nkeys = {{ count = 50, popularity = \"zipf(1.0)\" }}\n{timeout}\n"
    )
    .unwrap();
    write!(t, "[[client]]\nname = \"closed\"\ntarget = \"s0\"\nusers = 3\nthink = \"exp(50ms)\"\n{timeout}\n").unwrap();
    for (i, s) in svcs.iter().enumerate() {
        let calls: Vec<String> = s
            .calls
            .iter()
            .map(|(to, ms, policy)| {
                let timeout = ms
                    .map(|ms| format!(", timeout = \"{ms}ms\""))
                    .unwrap_or_default();
                format!("{{ to = \"s{to}\"{timeout}{} }}", inline(*policy))
            })
            .collect();
        let mut queue = s
            .queue
            .map(|q| format!("queue = {q}\n"))
            .unwrap_or_default();
        if s.shed {
            queue += "shed = { queue_wait = \"20ms\" }\n";
        }
        write!(
            t,
            "[[service]]\nname = \"s{i}\"\ninstances = {}\nbalancer = \"{}\"\nworkers = {}\n{queue}error_rate = {}\nservice_time = \"exp({}ms)\"\nparallel = {}\nblocking = {}\ncalls = [{}]\n\n",
            s.instances, s.balancer, s.workers, s.error_rate, s.mean_ms, s.parallel, s.blocking, calls.join(", ")
        )
        .unwrap();
    }
    t
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_request_ends_exactly_once(topology in topology(), seed in 0u64..1000) {
        let text = render(&topology);
        let r = run_text(&text, seed);
        for (name, c) in &r.clients {
            prop_assert_eq!(c.requests, c.succeeded + c.degraded + c.failed + c.in_flight, "client {}:\n{}", name, text);
            // Every request tries once unless a caller-side limit or bulkhead
            // turned it away first (a rejection) or it still waits for a
            // bulkhead slot (in flight); retries and hedges add tries.
            let tries = c.requests + c.retries + c.hedges;
            prop_assert!(c.attempts <= tries, "client {}:\n{}", name, text);
            let excused = c.failures.rejected + c.in_flight;
            prop_assert!(c.attempts + excused >= tries, "client {}:\n{}", name, text);
            let f = &c.failures;
            prop_assert_eq!(c.failed, f.error + f.timeout + f.rejected + f.shed + f.open + f.refused);
            prop_assert!(c.success_rate >= 0.0 && c.success_rate <= 1.0);
        }
        for (name, s) in &r.services {
            prop_assert_eq!(s.arrivals, s.completed + s.degraded + s.errors + s.rejected + s.shed + s.refused + s.in_flight, "service {}:\n{}", name, text);
            prop_assert!(s.utilization >= 0.0 && s.utilization <= 1.0 + 1e-9, "utilization {}", s.utilization);
            let per: u64 = s.per_instance.iter().map(|i| i.arrivals).sum();
            prop_assert_eq!(per, s.arrivals, "service {} per instance:\n{}", name, text);
            prop_assert!(s.per_instance.iter().all(|i| (0.0..=1.0 + 1e-9).contains(&i.utilization)));
            let longest = s.per_instance.iter().map(|i| i.max_queue).max();
            prop_assert_eq!(longest, Some(s.max_queue));
        }
    }
}
