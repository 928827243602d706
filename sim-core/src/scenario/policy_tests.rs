//! Loader tests for caller policies and service protections.

use super::model::Cause;
use super::policy::*;
use super::{load, Diagnostic};
use crate::dist::Dist;
use crate::time::SimDuration;

/// One client `users` with `policy` lines, calling `api`, which calls `db`
/// with the inline `call` keys and has the service keys `service`.
fn text(policy: &str, call: &str, service: &str) -> String {
    format!(
        r#"[scenario]
name = "p"
duration = "60s"

[[client]]
name = "users"
target = "api"
rate = 100
{policy}

[[service]]
name = "api"
service_time = "1ms"
calls = [ {{ to = "db"{call} }} ]
{service}

[[service]]
name = "db"
service_time = "1ms"
"#
    )
}

fn client_policy(policy: &str) -> Policy {
    let sc = load(&text(policy, "", ""), "p.toml", &[]).unwrap_or_else(|d| panic!("{d}"));
    sc.clients[0].policy.clone()
}

fn problems(t: &str) -> Vec<Diagnostic> {
    load(t, "p.toml", &[]).expect_err("expected problems").items
}

fn ms(n: u64) -> SimDuration {
    SimDuration::from_millis(n)
}

#[test]
fn the_contract_examples_load() {
    let p = client_policy(
        r#"timeout = "200ms"
retry = { max_attempts = 3, backoff = "exponential", base = "20ms", multiplier = 2.0, cap = "2s", jitter = "full", retry_on = ["timeout", "error", "rejected"] }
budget = { max_tokens = 10, token_ratio = 0.1 }
breaker = { window = "count", size = 20, min_calls = 10, failure_rate = 0.5, slow_call = "1s", slow_call_rate = 1.0, open_for = "5s", half_open_calls = 3 }
bulkhead = { max_concurrent = 10, max_wait = "0ms" }
limit = { rate = 100, burst = 20 }
hedge = { after = "50ms", max_extra = 1 }
fallback = { service_time = "1ms" }
deadline = true
idempotency_key = true"#,
    );
    assert_eq!(p.timeout, Some(ms(200)));
    assert_eq!(
        p.retry,
        Some(Retry {
            max_attempts: 3,
            backoff: Backoff::Exponential,
            base: ms(20),
            multiplier: 2.0,
            cap: ms(2000),
            jitter: Jitter::Full,
            retry_on: vec![Cause::Error, Cause::Timeout, Cause::Rejected],
        })
    );
    assert_eq!(
        p.budget,
        Some(Budget {
            max_tokens: 10,
            token_ratio: 0.1
        })
    );
    assert_eq!(
        p.breaker,
        Some(Breaker {
            window: BreakerWindow::Count(20),
            min_calls: 10,
            failure_rate: 0.5,
            slow_call: ms(1000),
            slow_call_rate: 1.0,
            open_for: ms(5000),
            half_open_calls: 3,
        })
    );
    assert_eq!(
        p.bulkhead,
        Some(Bulkhead {
            max_concurrent: 10,
            max_wait: SimDuration::ZERO
        })
    );
    assert_eq!(
        p.limit,
        Some(TokenBucket {
            rate: 100.0,
            burst: 20,
            per: LimitScope::All,
        })
    );
    assert_eq!(
        p.hedge,
        Some(Hedge {
            after: ms(50),
            max_extra: 1
        })
    );
    assert_eq!(p.fallback, Some(Dist::Constant(ms(1))));
    assert!(p.deadline && p.idempotency_key);
}

#[test]
fn omitted_keys_take_the_documented_defaults() {
    let p = client_policy(
        "retry = {}\nbreaker = { window = \"time\" }\nhedge = { after = \"5ms\" }\nlimit = { rate = 2.5 }\nfallback = {}",
    );
    assert_eq!(p.retry, Some(Retry::default()));
    assert_eq!(
        p.retry.unwrap().retry_on,
        [
            Cause::Timeout,
            Cause::Error,
            Cause::Rejected,
            Cause::Refused
        ]
    );
    let b = p.breaker.unwrap();
    assert_eq!(b.window, BreakerWindow::Time(SimDuration::from_secs(60)));
    assert_eq!((b.min_calls, b.half_open_calls), (100, 10));
    assert_eq!(p.hedge.unwrap().max_extra, 1);
    assert_eq!(p.limit.unwrap().burst, 3, "one second's worth, rounded up");
    assert_eq!(p.fallback, Some(Dist::Constant(SimDuration::ZERO)));
}

#[test]
fn policies_on_calls_and_protections_on_services() {
    let t = text(
        "",
        r#", timeout = "50ms", breaker = { window = "time", size = "10s" }"#,
        "shed = { queue_wait = \"100ms\" }\nlimit = { rate = 1000, burst = 100, per = \"key\" }",
    );
    let sc = load(&t, "p.toml", &[]).unwrap_or_else(|d| panic!("{d}"));
    let api = &sc.services[0];
    let call = &api.endpoints[0].calls[0].policy;
    assert_eq!(call.timeout, Some(ms(50)));
    assert_eq!(
        call.breaker.as_ref().unwrap().window,
        BreakerWindow::Time(SimDuration::from_secs(10))
    );
    assert_eq!(api.protection.shed, Some(ms(100)));
    assert_eq!(
        api.protection.limit,
        Some(TokenBucket {
            rate: 1000.0,
            burst: 100,
            per: LimitScope::Key,
        })
    );
}

#[test]
fn every_problem_is_located_and_explained() {
    let t = text(
        r#"retry = { max_atempts = 3, backoff = "exponentail", base = "2s", cap = "1s" }
budget = { max_tokens = 10, token_ratio = 0.1234 }"#,
        r#", breaker = { size = "10s" }, hedge = { max_extra = 2 }"#,
        "",
    );
    let got: Vec<(u32, u32, String, Option<String>)> = problems(&t)
        .into_iter()
        .map(|d| (d.line, d.column, d.message, d.hint))
        .collect();
    let hint = |s: &str| Some(s.to_string());
    assert_eq!(
        got,
        [
            (
                9,
                11,
                "unknown key `max_atempts` in `retry` of [[client]] `users`".to_string(),
                hint("did you mean `max_attempts`?")
            ),
            (
                9,
                38,
                "unknown backoff `exponentail`: expected none, constant, exponential".to_string(),
                hint("did you mean `exponential`?")
            ),
            (
                9,
                72,
                "`cap` (1s) is shorter than `base` (2s) in `retry` of [[client]] `users`"
                    .to_string(),
                None
            ),
            (
                10,
                43,
                "`token_ratio` must be from 0.001 to 1 in steps of 0.001, got 0.1234".to_string(),
                hint("tokens are counted in thousandths, as gRPC does")
            ),
            (
                15,
                43,
                "`size` of a count window is a number of calls".to_string(),
                hint("a count window's size is a number of calls; for a span of time write `window = \"time\"`")
            ),
            (
                15,
                60,
                "missing key `after` in `hedge` of calls[0] of [[service]] `api`".to_string(),
                None
            ),
        ]
    );
}

#[test]
fn a_budget_needs_something_to_throttle() {
    let d = problems(&text(
        "budget = { max_tokens = 10, token_ratio = 0.1 }",
        "",
        "",
    ));
    assert_eq!((d[0].line, d[0].column), (9, 10));
    assert_eq!(
        d[0].message,
        "`budget` in [[client]] `users` throttles retries and hedges, and there are none"
    );
}

#[test]
fn retry_on_names_causes() {
    let d = problems(&text(
        "retry = { retry_on = [\"timeout\", \"opne\"] }",
        "",
        "",
    ));
    assert_eq!(
        d[0].message,
        "unknown cause `opne`: expected error, timeout, rejected, shed, open, refused"
    );
    assert_eq!(d[0].hint.as_deref(), Some("did you mean `open`?"));
}

#[test]
fn overrides_reach_nested_policy_keys_and_add_whole_tables() {
    let t = text(
        "retry = { max_attempts = 3 }\nbreaker = { failure_rate = 0.5 }",
        "",
        "",
    );
    let sets: Vec<_> = [
        "client.users.retry.max_attempts=1",
        "client.users.breaker.failure_rate=0.3",
        "client.users.budget={ max_tokens = 10, token_ratio = 0.1 }",
        "service.api.calls.0.timeout=50ms",
    ]
    .iter()
    .map(|s| super::parse_override(s).unwrap())
    .collect();
    let sc = load(&t, "p.toml", &sets).unwrap_or_else(|d| panic!("{d}"));
    let p = &sc.clients[0].policy;
    assert_eq!(p.retry.as_ref().unwrap().max_attempts, 1);
    assert_eq!(p.breaker.as_ref().unwrap().failure_rate, 0.3);
    assert_eq!(
        p.budget,
        Some(Budget {
            max_tokens: 10,
            token_ratio: 0.1
        })
    );
    assert_eq!(
        sc.services[0].endpoints[0].calls[0].policy.timeout,
        Some(ms(50))
    );
}
