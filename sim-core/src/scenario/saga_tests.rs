//! Sagas in scenario files: `[[saga]]`, its steps, the clients that start
//! sagas, faults on an orchestrator and `sagas(S).X` expectations; each
//! value read exactly, each problem with its message and place.

use super::load;
use super::messaging_tests::{only_at, warned};
use super::model::*;
use super::tests::{errors, errors_with, ok, set};
use crate::expect::{Metric, SagaStat};
use crate::time::SimDuration;

/// A checkout saga of three steps, the last the pivot, started by `shoppers`.
pub(super) const SAGA: &str = r#"[scenario]
duration = "60s"

[[client]]
name = "shoppers"
target = "checkout"
rate = 10

[[saga]]
name = "checkout"
steps = [
  { call = "inventory.reserve", compensate = "inventory.release" },
  { call = "payments.charge", compensate = "payments.refund", timeout = "500ms" },
  { call = "shipping", pivot = true, retry = { max_attempts = 10 } },
]

[[service]]
name = "inventory"
service_time = "1ms"
[[service.endpoint]]
name = "reserve"
[[service.endpoint]]
name = "release"

[[service]]
name = "payments"
service_time = "1ms"
[[service.endpoint]]
name = "charge"
[[service.endpoint]]
name = "refund"

[[service]]
name = "shipping"
service_time = "1ms"
"#;

/// `SAGA` with `from` replaced by `to` (which must be there).
pub(super) fn edit(from: &str, to: &str) -> String {
    assert!(SAGA.contains(from), "{from}");
    SAGA.replacen(from, to, 1)
}

fn target(service: u32, endpoint: u32) -> Target {
    Target {
        service: ServiceId(service),
        endpoint: EndpointId(endpoint),
    }
}

#[test]
fn a_saga_reads_its_steps_and_its_client_starts_it() {
    let sc = ok(SAGA);
    let g = &sc.sagas[0];
    assert_eq!(
        (g.name.as_str(), g.mode),
        ("checkout", SagaMode::Orchestration)
    );
    let calls: Vec<(Target, Option<Target>, bool)> = g
        .steps
        .iter()
        .map(|s| (s.call, s.compensate, s.pivot))
        .collect();
    assert_eq!(
        calls,
        [
            (target(0, 0), Some(target(0, 1)), false),
            (target(1, 0), Some(target(1, 1)), false),
            (target(2, 0), None, true),
        ]
    );
    assert_eq!(
        g.steps[1].policy.timeout,
        Some(SimDuration::from_millis(500))
    );
    assert_eq!(
        g.steps[2].policy.retry.as_ref().map(|r| r.max_attempts),
        Some(10)
    );
    let c = &sc.clients[0];
    assert_eq!((c.saga, c.target), (Some(SagaId(0)), target(0, 0)));
}

#[test]
fn overrides_reach_a_step_by_index() {
    let text = SAGA;
    let sc = load(text, "t.toml", &[set("saga.checkout.steps.1.timeout=2s")]).unwrap();
    assert_eq!(
        sc.sagas[0].steps[1].policy.timeout,
        Some(SimDuration::from_secs(2))
    );
    let e = errors_with(text, &[set("saga.checkout.steps.3.timeout=2s")]);
    assert_eq!(
        e[0].message,
        "--set saga.checkout.steps.3.timeout: `steps` has no element 3: it has 3"
    );
}

#[test]
fn a_step_names_an_endpoint_that_exists() {
    let text = edit("payments.refund", "payments.refnd");
    only_at(
        &text,
        "\"payments.refnd\"",
        "service `payments` has no endpoint `refnd` for `compensate` of step 1 of [[saga]] `checkout`",
        Some("did you mean `refund`?"),
    );
    let text = edit("{ call = \"shipping\", ", "{ ");
    only_at(
        &text,
        "{ pivot",
        "missing key `call` in step 2 of [[saga]] `checkout`",
        Some("name the endpoint that does the step: `call = \"payments.charge\"`"),
    );
}

#[test]
fn a_saga_has_steps_and_one_pivot() {
    let text = edit(
        "compensate = \"inventory.release\" }",
        "compensate = \"inventory.release\", pivot = true }",
    );
    only_at(
        &text,
        "true, retry",
        "step 2 of [[saga]] `checkout` is a second pivot",
        Some("a saga has one point of no return; step 0 is already the pivot"),
    );
    let text = "[scenario]\nduration = \"1s\"\n[[saga]]\nname = \"s\"\nsteps = []\n\
                [[service]]\nname = \"a\"\nservice_time = \"1ms\"\n";
    only_at(
        text,
        "[]",
        "[[saga]] `s` has no steps",
        Some("add one: `steps = [ { call = \"payments.charge\", compensate = \"payments.refund\" } ]`"),
    );
    let text = edit(
        "{ call = \"shipping\", pivot = true,",
        "{ call = \"shipping\", pivot = true, fallback = {},",
    );
    assert!(errors(&text)[0]
        .message
        .starts_with("unknown key `fallback` in step 2 of [[saga]] `checkout`"));
}

#[test]
fn a_compensation_after_the_pivot_is_a_warning() {
    let text = edit(
        "{ call = \"payments.charge\", compensate = \"payments.refund\", timeout = \"500ms\" },\n  { call = \"shipping\", pivot = true, retry = { max_attempts = 10 } },",
        "{ call = \"shipping\", pivot = true },\n  { call = \"payments.charge\", compensate = \"payments.refund\" },",
    );
    let w = warned(&text, &[]);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(
        w[0].2,
        "the compensation of step 2 of [[saga]] `checkout` never runs: the step comes after the pivot (step 1), and is retried until it succeeds"
    );
}

#[test]
fn a_saga_is_named_unlike_services_queues_and_clients() {
    for other in ["shipping", "shoppers"] {
        let text = edit("name = \"checkout\"", &format!("name = \"{other}\""))
            .replace("target = \"checkout\"", "target = \"shipping\"");
        let kind = if other == "shipping" {
            "service"
        } else {
            "client"
        };
        let hint = if kind == "client" {
            "links and fault targets name clients and sagas alike: rename one of them".to_string()
        } else {
            format!("sagas and {kind}s share one namespace: rename one of them")
        };
        only_at(
            &text,
            &format!("\"{other}\"\nsteps"),
            &format!("saga `{other}` has the name of a {kind}"),
            Some(&hint),
        );
    }
}

#[test]
fn a_saga_client_takes_no_caller_policies() {
    let text = edit("rate = 10", "rate = 10\ntimeout = \"1s\"");
    only_at(
        &text,
        "\"1s\"",
        "`timeout` of [[client]] `shoppers` would never apply: the client starts saga `checkout`, whose steps make the calls",
        Some("put it on a step of [[saga]] `checkout`"),
    );
}

#[test]
fn faults_strike_an_orchestrator_by_crash_or_pause() {
    let fault = |kind: &str, target: &str| {
        format!(
            "{SAGA}[[fault]]\nkind = \"{kind}\"\ntarget = \"{target}\"\nat = \"1s\"\nfactor = 2\n"
        )
    };
    let sc = ok(&fault("crash", "checkout").replace("factor = 2\n", ""));
    assert_eq!(sc.faults[0].target, FaultTarget::Saga(SagaId(0)));
    let text = fault("slowdown", "checkout");
    only_at(
        &text,
        "\"checkout\"\nat",
        "a slowdown fault strikes a service, an instance or a link, not a saga",
        Some("a saga's orchestrator takes crash (it loses the answers of its calls in flight and resumes every saga from its log when it restarts) and pause faults"),
    );
    let text = fault("crash", "checkout#1").replace("factor = 2\n", "");
    only_at(
        &text,
        "\"checkout#1\"",
        "`checkout` is a saga: it has no instances",
        Some("target its orchestrator: `checkout`"),
    );
}

#[test]
fn saga_expectations_name_a_saga() {
    let with = |line: &str| {
        edit(
            "duration = \"60s\"",
            &format!("duration = \"60s\"\nexpect = [\"{line}\"]"),
        )
    };
    let sc = ok(&with("sagas(checkout, 10s..).in_flight == 0"));
    assert_eq!(sc.expect[0].metric, Metric::Saga(SagaStat::InFlight));
    let text = with("sagas(chekout).inconsistent == 0");
    only_at(
        &text,
        "\"sagas",
        "no saga `chekout` in `sagas(chekout).inconsistent == 0`",
        Some("did you mean `checkout`?"),
    );
    let text = with("sagas(payments).inconsistent == 0");
    only_at(
        &text,
        "\"sagas",
        "`sagas` measures a saga, and `payments` is a service",
        None,
    );
    let text = with("p99(checkout) < 1s");
    only_at(
        &text,
        "\"p99",
        "`p99` measures a client or a service, and `checkout` is a saga",
        None,
    );
}

#[test]
fn a_saga_named_like_a_cache_is_refused_once() {
    let text = format!("{SAGA}[[cache]]\nname = \"checkout\"\nttl = \"1s\"\n");
    only_at(
        &text,
        "\"checkout\"\nsteps",
        "saga `checkout` has the name of a cache",
        Some("sagas and caches share one namespace: rename one of them"),
    );
}
