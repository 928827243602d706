//! The engine against queueing theory.
//!
//! Tolerances come from the variance of the estimators: for M/M/1 at rho = 0.8
//! the time-average number in system has asymptotic variance
//! 2 rho (1 + rho) / (1 - rho)^4 in units of the mean service time (Whitt,
//! "Planning queueing simulations", 1989), which over 600,000 service times is
//! a relative standard deviation of about 1.4% for the mean; each tolerance
//! below is at least four such standard deviations.

use crate::common::{assert_close, run_text};

fn single(
    rate: u32,
    workers: u32,
    queue: Option<u32>,
    service_time: &str,
    duration: &str,
) -> String {
    let queue = queue.map(|q| format!("queue = {q}\n")).unwrap_or_default();
    format!(
        r#"
[scenario]
name = "queue"
duration = "{duration}"
warmup = "20s"

[[client]]
name = "users"
target = "api"
rate = {rate}

[[service]]
name = "api"
workers = {workers}
{queue}service_time = "{service_time}"
"#
    )
}

#[test]
fn mm1_response_time_and_utilization() {
    // lambda = 80/s, mu = 100/s: W = 1/(mu - lambda) = 50 ms; the response
    // time is exponential, so p99 = ln(100) * 50 ms = 230.26 ms.
    let r = run_text(&single(80, 1, None, "exp(10ms)", "6000s"), 11);
    let c = &r.clients["users"];
    assert_close("M/M/1 mean", c.latency_ms.mean, 50.0, 0.06);
    assert_close("M/M/1 p99", c.latency_ms.p99, 100f64.ln() * 50.0, 0.08);
    assert_close(
        "M/M/1 utilization",
        r.services["api"].utilization,
        0.8,
        0.02,
    );
}

/// Erlang C: the probability that an arrival waits in M/M/c with offered load a.
fn erlang_c(c: u32, a: f64) -> f64 {
    let mut term = 1.0;
    let mut sum = 0.0;
    for k in 0..c {
        sum += term;
        term *= a / f64::from(k + 1);
    }
    let top = term * f64::from(c) / (f64::from(c) - a);
    top / (sum + top)
}

#[test]
fn mmc_matches_erlang_c() {
    // c = 4, lambda = 300/s, mu = 100/s: a = 3, rho = 0.75, C = 0.5094,
    // Wq = C / (c mu - lambda) = 5.094 ms, W = 15.094 ms.
    let c = erlang_c(4, 3.0);
    assert!((c - 0.509_434).abs() < 1e-6, "Erlang C itself: {c}");
    let r = run_text(&single(300, 4, None, "exp(10ms)", "3000s"), 12);
    let wq = c / (400.0 - 300.0) * 1000.0;
    assert_close(
        "M/M/4 mean wait",
        r.services["api"].queue_wait_ms.mean,
        wq,
        0.06,
    );
    assert_close(
        "M/M/4 mean response",
        r.clients["users"].latency_ms.mean,
        wq + 10.0,
        0.03,
    );
    assert_close(
        "M/M/4 utilization",
        r.services["api"].utilization,
        0.75,
        0.02,
    );
}

#[test]
fn mm1k_blocking_probability() {
    // One worker and a waiting room of 4: K = 5. rho = 0.9:
    // P(block) = (1 - rho) rho^K / (1 - rho^(K+1)) = 0.12602.
    let rho: f64 = 0.9;
    let p = (1.0 - rho) * rho.powi(5) / (1.0 - rho.powi(6));
    let r = run_text(&single(90, 1, Some(4), "exp(10ms)", "3000s"), 13);
    let s = &r.services["api"];
    assert_close(
        "M/M/1/5 blocking",
        s.rejected as f64 / s.arrivals as f64,
        p,
        0.04,
    );
    assert_eq!(
        s.max_queue, 4,
        "the waiting room never holds more than its size"
    );
    assert_eq!(r.clients["users"].failures.rejected, s.rejected);
}

#[test]
fn md1_pollaczek_khinchine() {
    // M/D/1, lambda = 80/s, D = 10 ms: W = D + rho D / (2 (1 - rho)) = 30 ms.
    let r = run_text(&single(80, 1, None, "10ms", "4000s"), 14);
    assert_close("M/D/1 mean", r.clients["users"].latency_ms.mean, 30.0, 0.05);
    assert_close(
        "M/D/1 mean wait",
        r.services["api"].queue_wait_ms.mean,
        20.0,
        0.07,
    );
}

#[test]
fn littles_law_holds_on_a_multi_service_topology() {
    // api holds a worker while it calls db (blocking), so by Little's law the
    // mean number of busy api workers is the arrival rate times the time a
    // worker is held: the api latency minus the time spent waiting for one.
    let text = r#"
[scenario]
name = "little"
duration = "2000s"
warmup = "20s"

[network]
latency = "1ms"

[[client]]
name = "users"
target = "api"
rate = 200

[[service]]
name = "api"
workers = 8
service_time = "exp(2ms)"
calls = [ { to = "db" } ]

[[service]]
name = "db"
workers = 4
service_time = "exp(5ms)"
"#;
    let r = run_text(text, 15);
    let measured = r.sim_time_s - 20.0;
    for name in ["api", "db"] {
        let s = &r.services[name];
        let busy = s.utilization * f64::from(s.instances * if name == "api" { 8 } else { 4 });
        let held = (s.latency_ms.mean - s.queue_wait_ms.mean) / 1000.0;
        assert_close(
            &format!("Little's law at {name}"),
            busy,
            s.arrivals as f64 / measured * held,
            0.02,
        );
    }
    // End to end = one network hop each way + the api's own latency.
    let c = &r.clients["users"];
    assert_close(
        "end-to-end",
        c.latency_ms.mean,
        r.services["api"].latency_ms.mean + 2.0,
        0.005,
    );
}
