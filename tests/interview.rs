//! The interview library's lessons, checked in numbers: each built-in's
//! teaching claim, run with the `--set` knobs its notes name.

use sim_core::report::Report;
use sim_core::scenario::Override;
use sim_core::{run, RunOptions};

/// Runs the built-in `name` with its own seed and `--set PATH=VALUE` knobs.
fn builtin(name: &str, sets: &[(&str, &str)]) -> Report {
    let b = sim_core::library::find(name).unwrap_or_else(|| panic!("no built-in {name}"));
    let overrides: Vec<Override> = sets.iter().map(|(p, v)| Override::set(*p, *v)).collect();
    let sc = sim_core::scenario::load(b.text, b.name, &overrides).unwrap_or_else(|d| panic!("{d}"));
    run(&sc, &RunOptions::default()).unwrap_or_else(|stop| panic!("{stop}"))
}

/// Asserts that every expectation of `r` held, naming those that did not.
fn assert_expectations_hold(r: &Report) {
    let failed: Vec<_> = r.expectations.iter().filter(|e| !e.passed).collect();
    assert!(failed.is_empty(), "{failed:?}");
}

/// The expectation `expect` evaluated on `r`, which must contain it.
fn holds(r: &Report, expect: &str) -> bool {
    r.expectations
        .iter()
        .find(|e| e.expect == expect)
        .unwrap_or_else(|| panic!("no expectation {expect}"))
        .passed
}

/// Constant times, load that stops at 80 s and a `db` failing from 30 s to
/// the end: every request either succeeds with one `db` attempt or fails
/// after all of them, and all have ended by 90 s.
const MESH_EXACT: &[(&str, &str)] = &[
    ("service.db.service_time", "3ms"),
    (
        "client.users.rate",
        "[{ at = \"0s\", rate = 20 }, { at = \"80s\", rate = 0 }]",
    ),
    ("client.users.arrivals", "constant"),
    ("fault.0.for", "60s"),
];

/// `db` attempts per failed request, in a run where every request either
/// succeeded at the first `db` attempt or failed.
fn db_attempts_per_failure(r: &Report) -> f64 {
    let users = &r.clients["users"];
    assert_eq!(users.in_flight, 0);
    assert_eq!(users.succeeded + users.failed, users.requests);
    assert!(users.failed > 500, "{} failed", users.failed);
    (r.services["db"].arrivals - users.succeeded) as f64 / users.failed as f64
}

#[test]
fn mesh_retries_multiply_to_27_and_one_layer_gives_3() {
    assert_expectations_hold(&builtin("mesh-retries", &[]));
    assert_eq!(
        db_attempts_per_failure(&builtin("mesh-retries", MESH_EXACT)),
        27.0
    );

    let one_layer = [
        MESH_EXACT,
        &[
            ("service.gateway.calls.0.retry.max_attempts", "1"),
            ("service.orders.calls.0.retry.max_attempts", "1"),
        ],
    ]
    .concat();
    assert_eq!(
        db_attempts_per_failure(&builtin("mesh-retries", &one_layer)),
        3.0
    );
}

#[test]
fn double_charge_needs_the_key_and_a_long_enough_dedup() {
    // The cure: no duplicates; `payments` answered more attempts than it
    // charged (the retries' copies, answered from the dedup table).
    let cured = builtin("double-charge", &[]);
    assert_expectations_hold(&cured);
    let charge = &cured.effects["charge"];
    assert_eq!(charge.duplicates, 0);
    assert!(cured.services["payments"].completed > charge.applied + 100);

    // Without the key every completed attempt charges: the slow first copy
    // and its retry both finish (a timeout cancels nothing).
    let plain = builtin(
        "double-charge",
        &[("service.checkout.calls.0.idempotency_key", "false")],
    );
    let charge = &plain.effects["charge"];
    assert_eq!(charge.applied, plain.services["payments"].completed);
    let requests = plain.clients["shoppers"].requests;
    assert!(
        charge.duplicates * 50 > requests,
        "{} of {requests}",
        charge.duplicates
    );
    assert!(plain.clients["shoppers"].success_rate >= 0.99);

    // A ttl shorter than the slowest copy lets some, not all, through.
    let short = builtin("double-charge", &[("service.payments.dedup.ttl", "100ms")]);
    let some = short.effects["charge"].duplicates;
    assert!(
        some > 0 && some < charge.duplicates,
        "{some} of {}",
        charge.duplicates
    );
}

#[test]
fn fail_open_fail_closed_tell_the_three_policies_apart() {
    assert_expectations_hold(&builtin("fail-open-fail-closed", &[]));

    // Each dependency down altogether in turn: every request fails while
    // auth is down, and is degraded while inventory or recommendations is;
    // inventory is tried 3 times first. A window counts attempts when they
    // are made and requests when they are issued, so the few requests
    // straddling its edges (a handful of 900) move the 3 by less than 0.02.
    let expect = r#"["failure_rate(users, 21s..29s) == 1", "degraded_rate(users, 41s..49s) == 1", "degraded_rate(users, 61s..69s) == 1", "amplification(inventory, 41s..49s) >= 2.98", "amplification(inventory, 41s..49s) <= 3.02", "amplification(recommendations, 41s..49s) == 1"]"#;
    let down = [
        ("fault.0.rate", "1.0"),
        ("fault.1.rate", "1.0"),
        ("fault.2.rate", "1.0"),
        ("scenario.expect", expect),
    ];
    assert_expectations_hold(&builtin("fail-open-fail-closed", &down));

    // Auth failing open turns its failures into degraded answers.
    let open = builtin(
        "fail-open-fail-closed",
        &[("service.api.calls.0.fallback", "{ service_time = \"0ms\" }")],
    );
    assert!(!holds(&open, "failure_rate(users, 21s..29s) >= 0.4"));
    assert!(holds(&open, "degraded_rate(users, 61s..69s) >= 0.4"));
}

#[test]
fn one_retry_policy_cures_loss_and_sustains_an_overload() {
    let with = builtin("retries-help-and-hurt", &[]);
    assert_expectations_hold(&with);

    // Without retries a request succeeds only if neither of its two
    // messages is lost: 0.95^2 = 0.9025 over 10 s..30 s. About 5,000
    // requests give a binomial sd of 0.004; 0.015 leaves room for the rare
    // timeout from queueing.
    let expect = r#"["success_rate(users, 11s..29s) >= 0.8875", "success_rate(users, 11s..29s) <= 0.9175", "success_rate(users, 65s..) >= 0.5"]"#;
    let without = builtin(
        "retries-help-and-hurt",
        &[
            ("client.users.retry.max_attempts", "1"),
            ("scenario.expect", expect),
        ],
    );
    assert_expectations_hold(&without);

    // A budget that refills during the loss keeps the cure and stops the storm.
    let budget = builtin(
        "retries-help-and-hurt",
        &[
            (
                "client.users.budget",
                "{ max_tokens = 10, token_ratio = 0.2 }",
            ),
            (
                "scenario.expect",
                r#"["success_rate(users, 11s..29s) >= 0.99", "success_rate(users, 65s..) >= 0.5"]"#,
            ),
        ],
    );
    assert_expectations_hold(&budget);
}

#[test]
fn payments_down_degrades_checkout_and_spares_history() {
    let r = builtin("payments-down-at-checkout", &[]);
    assert_expectations_hold(&r);
    assert_eq!(r.clients["browsers"].failed, 0);
    assert_eq!(r.clients["shoppers"].failed, 0);
    // While the breaker is open `payments` receives probes only: far fewer
    // calls than checkouts.
    let shoppers = &r.clients["shoppers"];
    assert!(r.services["payments"].arrivals + 1000 < shoppers.requests);

    // A breaker that never judges sends every checkout to `payments`.
    let disarmed = builtin(
        "payments-down-at-checkout",
        &[
            ("service.checkout.calls.0.breaker.size", "10000"),
            ("service.checkout.calls.0.breaker.min_calls", "10000"),
        ],
    );
    let shoppers = &disarmed.clients["shoppers"];
    assert_eq!(
        disarmed.services["payments"].arrivals,
        shoppers.requests - shoppers.in_flight
    );
    assert!(!holds(&disarmed, "mean(shoppers, 32s..58s) < 50ms"));

    // History that depends on payments shares its outage.
    let coupled = builtin(
        "payments-down-at-checkout",
        &[(
            "service.orders.endpoint.history.calls",
            r#"["orders-db", { to = "payments", timeout = "500ms" }]"#,
        )],
    );
    assert!(coupled.clients["browsers"].failed > 1000);
}
