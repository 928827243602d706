//! Faults end to end: crash against pause, the black-hole balancer and
//! outlier ejection, partitions, lossy links and gray failure.

use crate::common::run_text;
use sim_core::report::Report;

const CRASH: &str = "kind = \"crash\"";
const PAUSE: &str = "kind = \"pause\"";

/// The value of expectation `i`.
fn observed(r: &Report, i: usize) -> f64 {
    r.expectations[i].observed.number().expect("a number")
}

/// 300 requests a second to three instances of `api` (about two requests
/// in flight at each), with the fault whose
/// kind (and parameters) `fault` gives on `api#1` from 20 s to 40 s,
/// measured in that window and outside it.
fn three(balancer: &str, extra: &str, fault: &str) -> Report {
    let text = format!(
        r#"
[scenario]
name = "faults"
duration = "60s"
expect = [
  "success_rate(users, 20s..40s) >= 0",
  "success_rate(users, ..19.5s) >= 0",
  "success_rate(users, 41s..59s) >= 0",
]

[[client]]
name = "users"
target = "api"
rate = 300
timeout = "500ms"

[[service]]
name = "api"
instances = 3
balancer = "{balancer}"
workers = 20
service_time = "exp(20ms)"
{extra}

[[fault]]
{fault}
target = "api#1"
at = "20s"
for = "20s"
"#
    );
    run_text(&text, 3)
}

#[test]
fn a_crash_fails_a_third_fast_and_a_pause_a_third_slowly() {
    let crash = three("round_robin", "", CRASH);
    let c = &crash.clients["users"];
    // 20 s x 300/s x 1/3 = 2000 requests hit the dead instance.
    assert!(
        (1850..2150).contains(&c.failures.refused),
        "{:?}",
        c.failures
    );
    assert_eq!(c.failures.timeout, 0, "a crash answers at once");
    assert!((observed(&crash, 0) - 2.0 / 3.0).abs() < 0.02);
    assert_eq!(observed(&crash, 1), 1.0);
    assert_eq!(
        observed(&crash, 2),
        1.0,
        "it restarts empty and serves again"
    );
    assert_eq!(crash.services["api"].refused, c.failures.refused);

    let pause = three("round_robin", "", PAUSE);
    let p = &pause.clients["users"];
    assert_eq!(p.failures.refused, 0);
    // The same third, now as timeouts — and a few more: at resume the
    // instance works through the 2000 requests it held (2 s of work), and
    // requests queued behind them time out too.
    let ratio = p.failures.timeout as f64 / c.failures.refused as f64;
    assert!(
        (1.0..1.15).contains(&ratio),
        "pause {:?} vs crash {:?}",
        p.failures,
        c.failures
    );
    assert!(p.latency_ms.max >= 500.0, "callers wait out their timeout");
}

#[test]
fn a_paused_instance_carries_on_with_what_it_held() {
    let r = three("round_robin", "", PAUSE);
    let api = &r.services["api"];
    // Nothing it held was lost: every arrival ended or is in flight.
    assert_eq!(
        api.arrivals,
        api.completed + api.errors + api.rejected + api.shed + api.refused + api.in_flight
    );
    assert_eq!(api.errors, 0);
    // After the pause the held requests were served, late (answers to
    // callers that had given up), so api completed more than users got.
    assert!(api.completed > r.clients["users"].succeeded);
}

#[test]
fn least_outstanding_black_holes_into_a_crashed_instance_until_ejected() {
    let rr = observed(&three("round_robin", "", CRASH), 0);
    let lo = observed(&three("least_outstanding", "", CRASH), 0);
    assert!(
        lo < 0.2,
        "the fast-failing instance takes most requests: {lo}"
    );
    assert!(rr > 0.6, "round robin loses only its third: {rr}");
    let ejected = three(
        "least_outstanding",
        r#"outlier = { consecutive_errors = 5, eject_for = "10s" }"#,
        CRASH,
    );
    let ok = observed(&ejected, 0);
    assert!(ok > 2.0 / 3.0, "outlier ejection brings it back: {ok}");
}

#[test]
fn a_partition_fails_calls_in_its_window_and_none_outside() {
    let text = r#"
[scenario]
name = "partition"
duration = "40s"
expect = [
  "success_rate(users, 10s..19.99s) >= 0",
  "success_rate(users, ..9.99s) >= 0",
  "success_rate(users, 20.2s..39s) >= 0",
]

[[client]]
name = "users"
target = "api"
rate = 200

[[service]]
name = "api"
workers = 50
service_time = "1ms"
calls = [ { to = "db", timeout = "100ms" } ]

[[service]]
name = "db"
workers = 50
service_time = "2ms"

[[fault]]
kind = "partition"
target = "api->db"
at = "10s"
for = "10s"
"#;
    let r = run_text(text, 5);
    assert_eq!(observed(&r, 0), 0.0, "every call in the window times out");
    assert_eq!(observed(&r, 1), 1.0);
    assert_eq!(observed(&r, 2), 1.0);
    let db = &r.services["db"];
    assert_eq!(
        db.arrivals,
        db.completed + db.in_flight,
        "db itself never fails"
    );
}

#[test]
fn loss_on_both_legs_leaves_one_minus_p_squared() {
    let p = 0.1;
    let text = format!(
        r#"
[scenario]
name = "loss"
duration = "200s"

[[client]]
name = "users"
target = "api"
rate = 100
timeout = "50ms"

[[service]]
name = "api"
workers = 50
service_time = "1ms"

[[fault]]
kind = "loss"
target = "users->api"
at = "0s"
rate = {p}

[[fault]]
kind = "loss"
target = "api->users"
at = "0s"
rate = {p}
"#
    );
    let r = run_text(&text, 6);
    let c = &r.clients["users"];
    let want = (1.0 - p) * (1.0 - p);
    // Binomial sd at 20,000 requests: sqrt(0.81 x 0.19 / 20000) = 0.0028.
    assert!(
        (c.success_rate - want).abs() < 0.012,
        "{} vs {want}",
        c.success_rate
    );
    assert_eq!(
        c.failures.timeout, c.failed,
        "a lost message is only a timeout"
    );
}

/// Four instances with 4 workers of exp(10 ms) at 600/s (38% busy); one is
/// ten times slower all along: it can serve 40/s.
fn gray(balancer: &str) -> f64 {
    let text = format!(
        r#"
[scenario]
name = "gray"
duration = "60s"

[[client]]
name = "users"
target = "api"
rate = 600

[[service]]
name = "api"
instances = 4
balancer = "{balancer}"
workers = 4
service_time = "exp(10ms)"

[[fault]]
kind = "slowdown"
target = "api#2"
at = "0s"
factor = 10.0
"#
    );
    run_text(&text, 7).clients["users"].latency_ms.p99
}

#[test]
fn load_aware_balancers_route_around_a_gray_failure() {
    // Round robin sends the slow instance 150/s, far beyond its 40/s: its
    // queue grows for the whole run.
    let (rr, lo, p2c) = (gray("round_robin"), gray("least_outstanding"), gray("p2c"));
    assert!(rr > 10.0 * lo, "round robin {rr} vs least outstanding {lo}");
    assert!(rr > 10.0 * p2c, "round robin {rr} vs p2c {p2c}");
}
