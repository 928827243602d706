//! Effects and their defences: duplicates from the network and from
//! retries, idempotent endpoints, and deduplication by idempotency key.

use crate::common::run_text;
use sim_core::report::Report;

/// `shoppers` charge through `payments`; `extra` goes into the scenario.
fn shop(client: &str, payments: &str, network: &str) -> String {
    format!(
        r#"
[scenario]
name = "effects"
duration = "60s"
warmup = "5s"

[network]
latency = "1ms"
{network}

[[client]]
name = "shoppers"
target = "payments.charge"
rate = 100
{client}

[[service]]
name = "payments"
workers = 50
{payments}

[[service.endpoint]]
name = "charge"
service_time = "exp(20ms)"
effect = "charge"
"#
    )
}

fn charges(r: &Report) -> (u64, u64, u64) {
    let e = &r.effects["charge"];
    (e.applied, e.duplicates, r.clients["shoppers"].requests)
}

#[test]
fn duplicated_messages_charge_twice_unless_deduplicated() {
    let r = run_text(&shop("", "", "duplicate = 0.2"), 1);
    let (applied, dups, requests) = charges(&r);
    // Binomial(requests, 0.2): sd 0.005 of the rate at 5,500 requests.
    let rate = dups as f64 / requests as f64;
    assert!((rate - 0.2).abs() < 0.02, "duplicate rate {rate}");
    // One first application per request, but for the few around warmup and end.
    let firsts = applied - dups;
    assert!(
        firsts <= requests + 5 && firsts + 10 >= requests,
        "{firsts} of {requests}"
    );

    // A duplicated message is the same attempt, with the same key.
    let r = run_text(&shop("", "dedup = { ttl = \"1h\" }", "duplicate = 0.2"), 1);
    assert_eq!(charges(&r).1, 0);
    assert!(r.passed());
}

#[test]
fn an_idempotent_endpoint_applies_once() {
    let text = shop("", "", "duplicate = 0.2").replace(
        "effect = \"charge\"",
        "effect = \"charge\"\nidempotent = true",
    );
    let (applied, dups, requests) = charges(&run_text(&text, 2));
    assert_eq!(dups, 0);
    assert!(applied <= requests && applied + 10 >= requests);
}

#[test]
fn retries_charge_again_unless_one_key_is_deduplicated() {
    // Half the charges take longer than the 20 ms timeout; the slow first
    // attempt still completes after its retry was sent.
    let client = |key: bool| {
        format!(
            "timeout = \"20ms\"\nretry = {{ max_attempts = 2, backoff = \"none\" }}\nidempotency_key = {key}"
        )
    };
    let r = run_text(&shop(&client(false), "", ""), 3);
    let (_, plain, requests) = charges(&r);
    assert!(
        plain as f64 > 0.3 * requests as f64,
        "{plain} of {requests}"
    );

    let dedup = "dedup = { ttl = \"1h\", capacity = 100000 }";
    let r = run_text(&shop(&client(false), dedup, ""), 3);
    assert_eq!(
        charges(&r).1,
        plain,
        "without a shared key each retry is new"
    );

    let r = run_text(&shop(&client(true), dedup, ""), 3);
    assert_eq!(charges(&r).1, 0, "one key for all attempts: applied once");

    // Keys forgotten before the retry's copy is served apply again.
    let short = "dedup = { ttl = \"1ms\" }";
    let r = run_text(&shop(&client(true), short, ""), 3);
    assert!(charges(&r).1 > plain / 2);
}

#[test]
fn duplicate_effects_expectation() {
    let text = shop("", "", "duplicate = 0.2").replace(
        "name = \"effects\"",
        "name = \"effects\"\nexpect = [\"duplicate_effects(charge) == 0\", \"duplicate_effects(charge, 30s..) > 100\"]",
    );
    let r = run_text(&text, 4);
    assert!(!r.expectations[0].passed);
    assert!(r.expectations[1].passed, "{:?}", r.expectations[1]);
}
