//! Orchestrated sagas: compensation in reverse order, retries past the
//! pivot, compensations that must not give up, an orchestrator that resumes
//! from its log, and the accounting of runs against theory.

use crate::common::{run_text, trace_events};
use sim_core::report::Report;

/// One request at 1 s (constant arrivals at 1/s until 1.5 s).
const ONE: &str =
    "arrivals = \"constant\"\nrate = [ { at = \"0s\", rate = 1 }, { at = \"1.5s\", rate = 0 } ]";

/// Steps `a`, `b` (which cannot be undone), `c`, the pivot `d` and `e`
/// after it, each its own service of 1 ms; the compensations are the
/// services `ua` and `uc`, each with an effect. `client` sets the load,
/// `tail` is appended (faults, service keys).
fn checkout(client: &str, tail: &str) -> String {
    let service = |name: &str, effect: &str| {
        format!("[[service]]\nname = \"{name}\"\nworkers = 100\nservice_time = \"1ms\"\neffect = \"{effect}\"\n")
    };
    let services: String = [
        ("a", "reserve"),
        ("b", "email"),
        ("c", "charge"),
        ("d", "ship"),
        ("e", "notify"),
        ("ua", "release"),
        ("uc", "refund"),
    ]
    .iter()
    .map(|(n, e)| service(n, e))
    .collect();
    format!(
        r#"
[scenario]
name = "checkout"
duration = "30s"

[[client]]
name = "shop"
target = "checkout"
{client}

[[saga]]
name = "checkout"
steps = [
  {{ call = "a", compensate = "ua" }},
  {{ call = "b" }},
  {{ call = "c", compensate = "uc" }},
  {{ call = "d", pivot = true }},
  {{ call = "e" }},
]

{services}
{tail}
"#
    )
}

/// A fault making every request of `target` fail from `at` for `for_`.
fn failing(target: &str, at: &str, for_: &str) -> String {
    format!("[[fault]]\nkind = \"error_rate\"\ntarget = \"{target}\"\nat = \"{at}\"\nfor = \"{for_}\"\nrate = 1.0\n")
}

/// The services the trace shows at work, in the order they started, with
/// the start in milliseconds.
fn work_order(text: &str) -> Vec<(String, f64)> {
    let events = trace_events(text);
    let process = |pid: &serde_json::Value| {
        events
            .iter()
            .find(|e| e["ph"] == "M" && &e["pid"] == pid)
            .map(|e| e["args"]["name"].as_str().unwrap().to_string())
            .unwrap()
    };
    let mut out: Vec<(String, f64)> = events
        .iter()
        .filter(|e| e["ph"] == "b" && e["name"].as_str().unwrap().starts_with("work"))
        .map(|e| (process(&e["pid"]), e["ts"].as_f64().unwrap() / 1e3))
        .collect();
    out.sort_by(|x, y| x.1.total_cmp(&y.1));
    out
}

/// `(applied, duplicates)` of an effect.
fn effect(r: &Report, name: &str) -> (u64, u64) {
    r.effects
        .get(name)
        .map_or((0, 0), |e| (e.applied, e.duplicates))
}

fn order(steps: &[(&str, f64)]) -> Vec<(String, f64)> {
    steps.iter().map(|(n, t)| (n.to_string(), *t)).collect()
}

#[test]
fn a_failing_pivot_compensates_the_steps_done_in_reverse_order() {
    let text = checkout(ONE, &failing("d", "0s", "30s"));
    // a, b, c each 1 ms from 1 s; d fails at 1.004 s; then c's compensation,
    // nothing for b (it has none), then a's.
    assert_eq!(
        work_order(&text),
        order(&[
            ("a", 1000.0),
            ("b", 1001.0),
            ("c", 1002.0),
            ("d", 1003.0),
            ("uc", 1004.0),
            ("ua", 1005.0),
        ])
    );
    let r = run_text(&text, 1);
    let s = &r.sagas["checkout"];
    assert_eq!(
        (
            s.started,
            s.completed,
            s.compensated,
            s.in_flight,
            s.inconsistent
        ),
        (1, 0, 1, 0, 0)
    );
    assert_eq!(effect(&r, "refund"), (1, 0));
    assert_eq!(effect(&r, "release"), (1, 0));
    assert_eq!(effect(&r, "ship"), (0, 0));
    // The client's request ends with the saga, failed: nothing was sold.
    assert_eq!(
        (r.clients["shop"].succeeded, r.clients["shop"].failed),
        (0, 1)
    );
    let calls: Vec<(u64, u64, u64)> = s
        .steps
        .iter()
        .map(|st| (st.calls, st.failures, st.compensations))
        .collect();
    assert_eq!(
        calls,
        [(1, 0, 1), (1, 0, 0), (1, 0, 1), (1, 1, 0), (0, 0, 0)]
    );
}

#[test]
fn a_step_after_the_pivot_is_retried_each_second_and_nothing_is_compensated() {
    let text = checkout(ONE, &failing("e", "0s", "2.5s"));
    // e fails at 1.004 s and 2.005 s (the fault lasts until 2.5 s); the
    // third call, at 3.006 s, succeeds.
    let got = work_order(&text);
    let e: Vec<f64> = got.iter().filter(|(n, _)| n == "e").map(|x| x.1).collect();
    assert_eq!(e, [1004.0, 2005.0, 3006.0]);
    assert!(!got.iter().any(|(n, _)| n.starts_with('u')), "{got:?}");
    let r = run_text(&text, 1);
    let s = &r.sagas["checkout"];
    assert_eq!((s.completed, s.compensated, s.inconsistent), (1, 0, 0));
    assert_eq!(
        (
            s.steps[4].calls,
            s.steps[4].failures,
            s.steps[4].compensations
        ),
        (3, 2, 0)
    );
    assert_eq!(effect(&r, "notify"), (1, 0));
    assert_eq!(r.clients["shop"].succeeded, 1);
}

#[test]
fn a_compensation_failing_twice_is_retried_and_applied_once() {
    let faults = failing("d", "0s", "30s") + &failing("uc", "0s", "3s");
    let text = checkout(ONE, &faults);
    let got = work_order(&text);
    let uc: Vec<f64> = got.iter().filter(|(n, _)| n == "uc").map(|x| x.1).collect();
    let ua: Vec<f64> = got.iter().filter(|(n, _)| n == "ua").map(|x| x.1).collect();
    // uc fails at 1.004 s and 2.005 s, succeeds at 3.006 s; a is undone after.
    assert_eq!((uc, ua), (vec![1004.0, 2005.0, 3006.0], vec![3007.0]));
    let r = run_text(&text, 1);
    let s = &r.sagas["checkout"];
    assert_eq!((s.compensated, s.inconsistent), (1, 0));
    assert_eq!(
        (s.steps[2].compensations, s.steps[2].compensation_failures),
        (3, 2)
    );
    assert_eq!(effect(&r, "refund"), (1, 0));
}

#[test]
fn a_timed_out_step_is_compensated_and_an_undo_of_nothing_is_a_no_op() {
    // c takes 2 s and its step times out after 100 ms: the saga compensates
    // c (it may have applied) and a. The refund arrives at 1.103 s, before
    // the charge applies at 3.002 s: a refund of nothing, a no-op; then the
    // charge applies after its compensation and the run does not balance.
    let text = checkout(ONE, &failing("d", "0s", "30s"))
        .replace(
            "{ call = \"c\", compensate = \"uc\" }",
            "{ call = \"c\", compensate = \"uc\", timeout = \"100ms\" }",
        )
        .replace(
            "name = \"c\"\nworkers = 100\nservice_time = \"1ms\"",
            "name = \"c\"\nworkers = 100\nservice_time = \"2s\"",
        );
    let r = run_text(&text, 1);
    let s = &r.sagas["checkout"];
    assert_eq!(
        (
            s.compensated,
            s.compensations_without_effect,
            s.inconsistent
        ),
        (1, 1, 1)
    );
    assert_eq!(effect(&r, "charge"), (1, 0));
    assert_eq!(effect(&r, "refund"), (0, 0));
    assert_eq!(effect(&r, "ship"), (0, 0), "the pivot is never reached");
}

#[test]
fn an_orchestrator_crash_resumes_every_saga_from_its_log() {
    // The orchestrator is down from 1.0025 s to 5 s, while c is in service:
    // c's answer is lost; at 5 s the saga resumes at c, sent again. Without
    // dedup the charge applies twice; with it, once.
    let crash =
        "[[fault]]\nkind = \"crash\"\ntarget = \"checkout\"\nat = \"1.0025s\"\nfor = \"3.9975s\"\n";
    let text = checkout(ONE, crash);
    let got = work_order(&text);
    let c: Vec<f64> = got.iter().filter(|(n, _)| n == "c").map(|x| x.1).collect();
    assert_eq!(c, [1002.0, 5000.0]);
    let r = run_text(&text, 1);
    let s = &r.sagas["checkout"];
    assert_eq!((s.completed, s.inconsistent), (1, 1));
    assert_eq!(effect(&r, "charge"), (2, 1));
    let dedup = text.replace(
        "name = \"c\"\nworkers = 100",
        "name = \"c\"\nworkers = 100\ndedup = { ttl = \"1h\", capacity = 1000 }",
    );
    let r = run_text(&dedup, 1);
    let s = &r.sagas["checkout"];
    assert_eq!((s.completed, s.inconsistent), (1, 0));
    assert_eq!(effect(&r, "charge"), (1, 0));
    // From 2 s every charge fails: the resend at 5 s is answered from the
    // processed-keys table, as the charge that went through was.
    let r = run_text(&(dedup + &failing("c", "2s", "20s")), 1);
    let s = &r.sagas["checkout"];
    assert_eq!((s.completed, s.compensated, s.inconsistent), (1, 0, 0));
    assert_eq!(effect(&r, "charge"), (1, 0));
}

/// `n` Bernoulli(p) trials: a tolerance of 5 standard errors of the
/// fraction, so that a correct model fails about once in 3.5 million runs.
fn five_sigma(p: f64, n: u64) -> f64 {
    5.0 * (p * (1.0 - p) / n as f64).sqrt()
}

#[test]
fn a_twenty_percent_decline_compensates_a_fifth_of_the_sagas() {
    // c declines 20% of charges: those sagas are compensated (a released),
    // the others complete; reservations held (reserve - release) equal the
    // completed sagas, and every run balances.
    let text = checkout("rate = 50", "").replace(
        "name = \"c\"\nworkers = 100\nservice_time = \"1ms\"",
        "name = \"c\"\nworkers = 100\nservice_time = \"1ms\"\nerror_rate = 0.2",
    );
    let r = run_text(&text, 3);
    let s = &r.sagas["checkout"];
    let over = s.completed + s.compensated;
    assert_eq!(s.started, over + s.in_flight);
    let fraction = s.compensated as f64 / over as f64;
    let tol = five_sigma(0.2, over);
    assert!((fraction - 0.2).abs() < tol, "{fraction} vs 0.2 ± {tol}");
    let (reserved, released) = (effect(&r, "reserve").0, effect(&r, "release").0);
    assert_eq!(reserved - released, s.completed + s.in_flight);
    assert_eq!(
        effect(&r, "refund"),
        (0, 0),
        "a declined charge is not refunded"
    );
    assert_eq!(s.inconsistent, 0);
}

#[test]
fn compensations_failing_half_the_time_still_balance() {
    let text = checkout("rate = 50", &failing("d", "0s", "30s")).replace(
        "name = \"ua\"\nworkers = 100\nservice_time = \"1ms\"",
        "name = \"ua\"\nworkers = 100\nservice_time = \"1ms\"\nerror_rate = 0.5",
    );
    let r = run_text(&text, 5);
    let s = &r.sagas["checkout"];
    let undo = &s.steps[0];
    // Each compensation takes a geometric number of calls, mean 1 / 0.5 = 2.
    let per_saga = undo.compensations as f64 / s.compensated as f64;
    assert!((per_saga - 2.0).abs() < 0.15, "{per_saga}");
    assert_eq!(s.inconsistent, 0);
    assert_eq!(effect(&r, "release").0, s.compensated);
    assert_eq!(effect(&r, "release").1, 0);
}

#[test]
fn a_compensation_resent_after_a_timeout_refunds_twice_without_dedup() {
    // Until 2 s the refund takes 500 ms, and the step's timeout is 100 ms:
    // the first refund times out at 1.104 s (and still applies at 1.504 s);
    // the resend at 2.104 s applies again. Dedup on the refund absorbs it.
    let slow = "[[fault]]\nkind = \"slowdown\"\ntarget = \"uc\"\nat = \"0s\"\nfor = \"2s\"\nfactor = 500\n";
    let text = checkout(ONE, &(failing("d", "0s", "30s") + slow)).replace(
        "{ call = \"c\", compensate = \"uc\" }",
        "{ call = \"c\", compensate = \"uc\", timeout = \"100ms\" }",
    );
    let got = work_order(&text);
    let uc: Vec<f64> = got.iter().filter(|(n, _)| n == "uc").map(|x| x.1).collect();
    assert_eq!(uc, [1004.0, 2104.0]);
    let r = run_text(&text, 1);
    assert_eq!(effect(&r, "refund"), (2, 1));
    assert_eq!(r.sagas["checkout"].inconsistent, 1);
    let dedup = text.replace(
        "name = \"uc\"\nworkers = 100",
        "name = \"uc\"\nworkers = 100\ndedup = { ttl = \"1h\", capacity = 1000 }",
    );
    let r = run_text(&dedup, 1);
    assert_eq!(effect(&r, "refund"), (1, 0));
    assert_eq!(r.sagas["checkout"].inconsistent, 0);
}
