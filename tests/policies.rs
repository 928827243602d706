//! Resilience policies end to end: amplification through layers of retries,
//! the metastable retry storm and its cures, the thundering herd and jitter,
//! breakers, bulkheads, hedges, fallbacks, deadlines and shedding.

use crate::common::run_text;
use sim_core::report::{Observed, Report};
use sim_core::{run, RunOptions};

/// Runs `text` with a timeseries of `window`.
fn run_series(text: &str, seed: u64, window: &str) -> Report {
    let sc = sim_core::scenario::load(text, "test.toml", &[]).unwrap_or_else(|d| panic!("{d}"));
    run(
        &sc,
        &RunOptions {
            seed: Some(seed),
            timeseries: Some(sim_core::time::parse_duration(window).unwrap()),
            ..RunOptions::default()
        },
    )
    .unwrap_or_else(|stop| panic!("{stop}"))
}

/// A chain `users -> l1 -> l2 -> ... -> dead` where every call retries
/// `attempts` times and `dead` always fails. Requests stop at 5 s, so all
/// have ended when the run does and the counts are exact.
fn layers(depth: usize, attempts: u32) -> String {
    let mut text = r#"
[scenario]
name = "amplification"
duration = "20s"

[[client]]
name = "users"
target = "l1"
rate = [ { at = "0s", rate = 20 }, { at = "5s", rate = 0 } ]
"#
    .to_string();
    for i in 1..=depth {
        let next = if i == depth {
            "dead".to_string()
        } else {
            format!("l{}", i + 1)
        };
        text += &format!(
            r#"
[[service]]
name = "l{i}"
workers = 100000
service_time = "1ms"
calls = [ {{ to = "{next}", retry = {{ max_attempts = {attempts}, backoff = "none" }} }} ]
"#
        );
    }
    text += r#"
[[service]]
name = "dead"
workers = 100000
service_time = "1ms"
error_rate = 1.0
"#;
    text
}

#[test]
fn three_layers_of_three_attempts_send_27_per_request() {
    let r = run_text(&layers(3, 3), 1);
    let users = &r.clients["users"];
    assert_eq!(users.in_flight, 0);
    assert_eq!(users.failed, users.requests);
    assert_eq!(r.services["dead"].arrivals, 27 * users.requests);
    assert_eq!(r.services["l3"].arrivals, 9 * users.requests);
    assert_eq!(r.services["l2"].arrivals, 3 * users.requests);
    assert_eq!(r.services["l1"].arrivals, users.requests);
}

#[test]
fn k_retries_over_n_layers_amplify_by_k_plus_one_to_the_n() {
    for (depth, attempts) in [(1, 4), (2, 2), (4, 2), (2, 5)] {
        let r = run_text(&layers(depth, attempts), 2);
        let requests = r.clients["users"].requests;
        let expected = u64::from(attempts).pow(depth as u32);
        assert_eq!(
            r.services["dead"].arrivals,
            expected * requests,
            "{depth} layers of {attempts} attempts"
        );
    }
}

#[test]
fn amplification_expectation_reads_attempts_per_request() {
    let text = layers(3, 3).replace(
        "name = \"amplification\"",
        "name = \"amplification\"\nexpect = [\"amplification(dead) == 27\", \"amplification(l2) == 3\", \"attempts(users) < 200\"]",
    );
    let r = run_text(&text, 3);
    let observed: Vec<&Observed> = r.expectations.iter().map(|e| &e.observed).collect();
    assert_eq!(
        observed[..2],
        [&Observed::Number(27.0), &Observed::Number(3.0)]
    );
    assert!(r.passed());
}

/// The storm: one service with 10 workers of exp(10 ms) (capacity 1000/s)
/// at `rate` (70% for 700/s); clients time out after 100 ms. From 20 s to
/// 30 s the service runs three times slower; then it is healthy again.
fn storm(client_policy: &str, rate: u32) -> String {
    format!(
        r#"
[scenario]
name = "storm"
duration = "120s"

[[client]]
name = "users"
target = "api"
rate = {rate}
timeout = "100ms"
{client_policy}

[[service]]
name = "api"
workers = 10
queue = 1000
service_time = "exp(10ms)"

[[fault]]
kind = "slowdown"
target = "api"
at = "20s"
for = "10s"
factor = 3.0
"#
    )
}

/// Success rate and utilization over the last 30 s, long after the burst.
fn late(text: &str) -> (f64, f64) {
    let text = text.replace(
        "name = \"storm\"",
        "name = \"storm\"\nexpect = [\"success_rate(users, 90s..) >= 0\", \"utilization(api, 90s..) >= 0\"]",
    );
    let r = run_text(&text, 11);
    let value = |i: usize| r.expectations[i].observed.number().expect("a number");
    (value(0), value(1))
}

#[test]
fn immediate_retries_keep_the_service_collapsed_after_the_trigger() {
    let (ok, busy) = late(&storm(
        r#"retry = { max_attempts = 3, backoff = "none" }"#,
        700,
    ));
    assert!(ok < 0.05, "goodput stays near zero: success {ok}");
    assert!(busy > 0.99, "while the server is busy: {busy}");
}

#[test]
fn each_cure_makes_the_storm_recover() {
    for (cure, policy) in [
        ("no retries", r#"retry = { max_attempts = 1 }"#),
        (
            "a retry budget",
            "retry = { max_attempts = 3, backoff = \"none\" }\nbudget = { max_tokens = 10, token_ratio = 0.1 }",
        ),
        (
            "deadline propagation",
            "retry = { max_attempts = 3, backoff = \"none\" }\ndeadline = true",
        ),
    ] {
        let (ok, busy) = late(&storm(policy, 700));
        assert!(ok > 0.99, "{cure}: success {ok}");
        assert!(busy < 0.8, "{cure}: utilization {busy}");
    }
}

#[test]
fn the_storm_needs_attempts_times_load_above_capacity() {
    // 400/s x 2 attempts = 800/s < 1000/s of capacity: the queue drains.
    let (ok, _) = late(&storm(
        r#"retry = { max_attempts = 2, backoff = "none" }"#,
        400,
    ));
    assert!(ok > 0.99, "below the threshold it recovers: {ok}");
    // 700/s x 2 = 1400/s > 1000/s: it stays down.
    let (ok, _) = late(&storm(
        r#"retry = { max_attempts = 2, backoff = "none" }"#,
        700,
    ));
    assert!(ok < 0.05, "above the threshold it stays down: {ok}");
}

/// 3000 requests in 10 ms hit a service that takes 20 at once and queues
/// none: nearly all are rejected together and retry on the same schedule.
fn herd(jitter: &str) -> u64 {
    let text = format!(
        r#"
[scenario]
name = "herd"
duration = "3s"

[[client]]
name = "users"
target = "api"
rate = [ {{ at = "0s", rate = 0 }}, {{ at = "100ms", rate = 300000 }}, {{ at = "110ms", rate = 0 }} ]
retry = {{ max_attempts = 4, backoff = "exponential", base = "200ms", jitter = "{jitter}" }}

[[service]]
name = "api"
workers = 20
queue = 0
service_time = "10ms"
"#
    );
    let r = run_series(&text, 5, "10ms");
    let attempts = &r.timeseries.as_ref().unwrap().clients["users"].attempts;
    // The peak of retries, after the first burst's windows.
    attempts.iter().skip(2 + 10).copied().max().unwrap_or(0)
}

#[test]
fn jitter_spreads_the_herd() {
    let lockstep = herd("none");
    let full = herd("full");
    assert!(
        lockstep > 2500,
        "without jitter the retries come together: {lockstep}"
    );
    assert!(
        lockstep > 5 * full,
        "full jitter spreads them: peak {full} vs {lockstep} per 10 ms"
    );
}

/// A client whose calls to a flaky service go through a breaker.
fn breaker_scenario(expect: &str) -> String {
    format!(
        r#"
[scenario]
name = "breaker"
duration = "60s"
expect = [{expect}]

[[client]]
name = "users"
target = "api"
rate = 100

[[service]]
name = "api"
workers = 100
service_time = "1ms"
calls = [ {{ to = "db", timeout = "50ms", breaker = {{ window = "count", size = 20, min_calls = 10, failure_rate = 0.5, open_for = "5s", half_open_calls = 3 }} }} ]

[[service]]
name = "db"
workers = 100
service_time = "2ms"
error_rate = 0.9
"#
    )
}

#[test]
fn an_open_breaker_fails_fast_and_spares_the_dependency() {
    let r = run_text(&breaker_scenario(r#""breaker(api->db) at 30s == open""#), 4);
    let b = &r.breakers["api->db"];
    assert!(
        b.opened >= 5,
        "reopens after each failed probe: {}",
        b.opened
    );
    assert!(
        b.time_open_s > 50.0,
        "open most of the run: {}",
        b.time_open_s
    );
    // Open 5 s, then 3 probes: db sees a handful of calls per cycle, not 100/s.
    assert!(
        r.services["db"].arrivals < 200,
        "{}",
        r.services["db"].arrivals
    );
    assert_eq!(r.clients["users"].failures.error, r.clients["users"].failed);
    assert!(r.passed(), "{:?}", r.expectations);
}

#[test]
fn a_fallback_turns_failures_into_degraded_answers() {
    let text = breaker_scenario("").replace(
        "half_open_calls = 3 }",
        "half_open_calls = 3 }, fallback = { service_time = \"1ms\" }",
    );
    let r = run_text(&text, 4);
    let users = &r.clients["users"];
    assert_eq!(users.failed, 0);
    assert!(users.degraded > users.succeeded, "{users:?}");
    assert_eq!(r.services["api"].errors, 0);
}

#[test]
fn a_bulkhead_keeps_a_slow_dependency_from_taking_every_worker() {
    let text = |bulkhead: &str| {
        format!(
            r#"
[scenario]
name = "bulkhead"
duration = "60s"
warmup = "5s"

[[client]]
name = "reports"
target = "api.report"
rate = 50

[[client]]
name = "orders"
target = "api.order"
rate = 50

[[service]]
name = "api"
workers = 20
service_time = "1ms"

[[service.endpoint]]
name = "report"
calls = [ {{ to = "slow", timeout = "2s" {bulkhead} }} ]

[[service.endpoint]]
name = "order"
calls = [ {{ to = "fast" }} ]

[[service]]
name = "slow"
workers = 100
service_time = "1s"

[[service]]
name = "fast"
workers = 10
service_time = "1ms"
"#
        )
    };
    // 50/s x 1 s of blocking per report call wants 50 of api's 20 workers.
    let without = run_text(&text(""), 6);
    let with = run_text(&text(", bulkhead = { max_concurrent = 10 }"), 6);
    let p99 = |r: &Report| r.clients["orders"].latency_ms.p99;
    assert!(
        p99(&without) > 1000.0,
        "orders wait behind reports: {}",
        p99(&without)
    );
    assert!(
        p99(&with) < 50.0,
        "the bulkhead leaves workers to orders: {}",
        p99(&with)
    );
    assert!(
        with.clients["reports"].failed > 0,
        "reports beyond the cap fail"
    );
    assert_eq!(with.clients["orders"].failed, 0);
}

#[test]
fn hedging_cuts_the_tail_for_a_measured_amount_of_load() {
    let text = |hedge: &str| {
        format!(
            r#"
[scenario]
name = "hedge"
duration = "120s"

[[client]]
name = "users"
target = "api"
rate = 100
{hedge}

[[service]]
name = "api"
instances = 4
workers = 50
service_time = "mix(0.95: 2ms, 0.05: 200ms)"
"#
        )
    };
    let plain = run_text(&text(""), 8);
    let hedged = run_text(&text(r#"hedge = { after = "10ms", max_extra = 1 }"#), 8);
    let (a, b) = (&plain.clients["users"], &hedged.clients["users"]);
    assert!(a.latency_ms.p99 > 150.0, "{}", a.latency_ms.p99);
    assert!(b.latency_ms.p99 < 20.0, "{}", b.latency_ms.p99);
    // About 5% of requests are slow past 10 ms and get one extra copy.
    let extra = b.hedges as f64 / b.requests as f64;
    assert!((extra - 0.05).abs() < 0.01, "hedges per request {extra}");
    assert_eq!(b.attempts, b.requests + b.hedges);
}

#[test]
fn shedding_drops_work_that_waited_too_long() {
    let text = |shed: &str| {
        format!(
            r#"
[scenario]
name = "shed"
duration = "60s"
warmup = "10s"

[[client]]
name = "users"
target = "api"
rate = 1200
timeout = "500ms"

[[service]]
name = "api"
workers = 10
queue = 2000
service_time = "exp(10ms)"
{shed}
"#
        )
    };
    let plain = run_text(&text(""), 9);
    let shed = run_text(&text(r#"shed = { queue_wait = "100ms" }"#), 9);
    let api = &shed.services["api"];
    assert!(plain.clients["users"].success_rate < 0.1);
    assert!(shed.clients["users"].success_rate > 0.75);
    assert!(api.shed > 0);
    assert_eq!(
        api.arrivals,
        api.completed + api.errors + api.rejected + api.shed + api.refused + api.in_flight
    );
}
