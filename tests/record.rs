//! One record of what happened: the timeseries, the summary and the
//! expectations read the same counts, so they cannot disagree.

use crate::common::run_text;
use sim_core::report::{Observed, Report};
use sim_core::{run, RunOptions, SimDuration};

/// Runs built-in `name` with seed 5 and, if given, a timeseries of `window`.
fn builtin(name: &str, window: Option<SimDuration>) -> Report {
    let b = sim_core::library::find(name).unwrap();
    let sc = sim_core::scenario::load(b.text, b.name, &[]).unwrap();
    let options = RunOptions {
        seed: Some(5),
        timeseries: window,
        ..RunOptions::default()
    };
    run(&sc, &options).unwrap()
}

/// Asserts that `series` sums to `total` and has `windows` entries.
fn sums(what: &str, series: &[u64], total: u64, windows: usize) {
    assert_eq!(series.len(), windows, "{what}: windows");
    assert_eq!(series.iter().sum::<u64>(), total, "{what}: sum of windows");
}

#[test]
fn every_timeseries_count_sums_to_the_summary_warmup_excluded() {
    let second = SimDuration::from_secs(1);
    for b in sim_core::library::BUILTIN {
        let r = builtin(b.name, Some(second));
        let ts = r.timeseries.as_ref().unwrap();
        let sc = sim_core::scenario::load(b.text, b.name, &[]).unwrap();
        let measured = (sc.duration.0 - sc.warmup.0).div_ceil(second.0) as usize;
        for (name, c) in &r.clients {
            let s = &ts.clients[name];
            let at = |k: &str| format!("{}: client {name} {k}", b.name);
            sums(&at("requests"), &s.requests, c.requests, measured);
            sums(&at("succeeded"), &s.succeeded, c.succeeded, measured);
            sums(&at("degraded"), &s.degraded, c.degraded, measured);
            sums(&at("failed"), &s.failed, c.failed, measured);
            sums(&at("attempts"), &s.attempts, c.attempts, measured);
            sums(&at("retries"), &s.retries, c.retries, measured);
            sums(&at("hedges"), &s.hedges, c.hedges, measured);
        }
        for (name, v) in &r.services {
            let s = &ts.services[name];
            let at = |k: &str| format!("{}: service {name} {k}", b.name);
            sums(&at("arrivals"), &s.arrivals, v.arrivals, measured);
            sums(&at("completed"), &s.completed, v.completed, measured);
            sums(&at("degraded"), &s.degraded, v.degraded, measured);
            sums(&at("errors"), &s.errors, v.errors, measured);
            sums(&at("rejected"), &s.rejected, v.rejected, measured);
            sums(&at("shed"), &s.shed, v.shed, measured);
            sums(&at("refused"), &s.refused, v.refused, measured);
            let per: Vec<u64> = v.per_instance.iter().map(|i| i.arrivals).collect();
            // One figure per id slot: as many as the instances, or the most
            // at once when they come and go.
            let slots = match &v.lifecycle {
                Some(life) => per.len().max(life.counts.max_instances as usize),
                None => v.instances as usize,
            };
            sums(&at("per-instance arrivals"), &per, v.arrivals, slots);
        }
        for (name, v) in &r.queues {
            let s = &ts.queues[name];
            let at = |k: &str| format!("{}: queue {name} {k}", b.name);
            sums(&at("published"), &s.published, v.published, measured);
            sums(&at("delivered"), &s.delivered, v.delivered, measured);
            sums(&at("acked"), &s.acked, v.acked, measured);
            sums(
                &at("dead_lettered"),
                &s.dead_lettered,
                v.dead_lettered,
                measured,
            );
            sums(&at("lost"), &s.lost, v.lost, measured);
            assert_eq!(s.depth.len(), measured);
        }
        for (name, d) in &r.deploys {
            let s = &ts.deploys[name];
            let at = |k: &str| format!("{}: deploy {name} {k}", b.name);
            sums(
                &at("old requests"),
                &s.old_requests,
                d.old.requests,
                measured,
            );
            sums(
                &at("old failures"),
                &s.old_failures,
                d.old.failures,
                measured,
            );
            sums(
                &at("new requests"),
                &s.new_requests,
                d.new.requests,
                measured,
            );
            sums(
                &at("new failures"),
                &s.new_failures,
                d.new.failures,
                measured,
            );
        }
        for (name, v) in &r.services {
            let (Some(life), Some(s)) = (&v.lifecycle, ts.services.get(name)) else {
                continue;
            };
            let at = |k: &str| format!("{}: service {name} {k}", b.name);
            sums(
                &at("restarted"),
                &s.restarted,
                life.counts.restarted,
                measured,
            );
            sums(&at("removed"), &s.removed, life.counts.removed, measured);
            sums(
                &at("readmitted"),
                &s.readmitted,
                life.counts.readmitted,
                measured,
            );
            assert_eq!(s.instances.len(), measured);
        }
        for (name, v) in &r.caches {
            let s = &ts.caches[name];
            let at = |k: &str| format!("{}: cache {name} {k}", b.name);
            sums(&at("hits"), &s.hits, v.hits, measured);
            sums(&at("misses"), &s.misses, v.misses, measured);
            sums(&at("expired"), &s.expired, v.expired, measured);
            sums(&at("evicted"), &s.evicted, v.evicted, measured);
            sums(&at("fills"), &s.fills, v.fills, measured);
            let worst = s.max_concurrent_misses.iter().copied().max();
            assert_eq!(worst, Some(v.max_concurrent_misses), "{}", at("stampede"));
            assert_eq!(s.hit_ratio.len(), measured);
        }
        for (name, v) in &r.sagas {
            let s = &ts.sagas[name];
            let at = |k: &str| format!("{}: saga {name} {k}", b.name);
            sums(&at("started"), &s.started, v.started, measured);
            sums(&at("completed"), &s.completed, v.completed, measured);
            sums(&at("compensated"), &s.compensated, v.compensated, measured);
            sums(
                &at("inconsistent"),
                &s.inconsistent,
                v.inconsistent,
                measured,
            );
            assert_eq!(
                s.in_flight.last(),
                Some(&v.in_flight),
                "{}",
                at("in_flight")
            );
        }
        for (name, br) in &ts.breakers {
            assert_eq!(br.state.len(), measured, "{}: breaker {name}", b.name);
        }
    }
}

#[test]
fn observing_adds_no_event_and_changes_no_figure() {
    for name in ["retry-storm", "circuit-breaker", "load-shedding"] {
        let plain = builtin(name, None);
        let observed = builtin(name, Some(SimDuration::from_millis(250)));
        assert_eq!(plain.events, observed.events, "{name}: events");
        assert_eq!(
            serde_json::to_string(&plain.clients).unwrap(),
            serde_json::to_string(&observed.clients).unwrap(),
            "{name}: the clients' figures"
        );
    }
}

#[test]
fn an_expectation_without_a_window_reads_the_summary() {
    let text = r#"
[scenario]
name = "record"
duration = "20s"
warmup = "2s"
expect = [
  "success_rate(users) >= 0",
  "degraded_rate(users) >= 0",
  "failure_rate(users) >= 0",
  "in_flight(users) >= 0",
  "attempts(users) >= 0",
  "success_rate(api) >= 0",
]

[[client]]
name = "users"
target = "api"
rate = 100
timeout = "40ms"
retry = { max_attempts = 2 }

[[service]]
name = "api"
workers = 4
service_time = "exp(6ms)"
error_rate = 0.1
calls = [ { to = "db", timeout = "20ms", fallback = { service_time = "1ms" } } ]

[[service]]
name = "db"
workers = 2
queue = 5
service_time = "exp(4ms)"
error_rate = 0.05
"#;
    let r = run_text(text, 3);
    let c = &r.clients["users"];
    // The scenario exercises every outcome, so the comparisons mean something.
    assert!(
        c.succeeded > 0 && c.degraded > 0 && c.failed > 0 && c.retries > 0,
        "{c:?}"
    );
    let observed: Vec<f64> = r
        .expectations
        .iter()
        .map(|e| e.observed.number().unwrap())
        .collect();
    let api = &r.services["api"];
    let want = [
        c.success_rate,
        c.degraded_rate,
        c.failure_rate,
        c.in_flight as f64,
        c.attempts as f64,
        (api.completed as f64 / api.arrivals as f64 * 1e5).round() / 1e5,
    ];
    assert_eq!(observed, want);
    assert_eq!(
        c.requests,
        c.succeeded + c.degraded + c.failed + c.in_flight,
        "every request ends once or is in flight"
    );
    let rates = c.success_rate + c.degraded_rate + c.failure_rate + c.in_flight_rate;
    assert!(
        (rates - 1.0).abs() < 1e-4,
        "the four rates cover all: {rates}"
    );
}

#[test]
fn a_rate_over_no_request_is_not_measured_and_fails() {
    let text = r#"
[scenario]
name = "nothing"
duration = "10s"
expect = ["success_rate(users, 5s..6s) >= 0", "p99(users, 5s..6s) < 1s"]

[[client]]
name = "users"
target = "api"
rate = [ { at = "0s", rate = 10 }, { at = "2s", rate = 0 } ]

[[service]]
name = "api"
service_time = "1ms"
"#;
    let r = run_text(text, 1);
    for e in &r.expectations {
        assert_eq!(e.observed, Observed::Unmeasured, "{}", e.expect);
        assert!(!e.passed, "{}", e.expect);
    }
}

#[test]
fn unfinished_requests_are_not_successes() {
    // Everything is still in the queue when the run ends.
    let text = r#"
[scenario]
name = "unfinished"
duration = "2s"

[[client]]
name = "users"
target = "api"
rate = 100

[[service]]
name = "api"
service_time = "1h"
"#;
    let r = run_text(text, 1);
    let c = &r.clients["users"];
    assert!(c.requests > 150, "{c:?}");
    assert_eq!((c.succeeded, c.in_flight), (0, c.requests));
    assert_eq!((c.success_rate, c.in_flight_rate), (0.0, 1.0));
    assert_eq!(c.goodput_per_s, 0.0);
}
