//! What the trace says of one request across nodes — the links the
//! browser's sequence diagram draws: every span done for a client request
//! names it, an attempt and the work that serves it share an attempt id,
//! a delivery and its consumer's work a delivery id, and each hop names
//! its two ends.

use crate::common::{run_text, trace_events};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// One span of a trace: its node (the trace's process), begin and end (µs)
/// and arguments.
struct Span {
    node: String,
    start: f64,
    end: f64,
    args: Value,
}

impl Span {
    fn kind(&self) -> &str {
        self.args["kind"].as_str().unwrap()
    }
    fn arg(&self, name: &str) -> Option<u64> {
        self.args[name].as_u64()
    }
    fn text(&self, name: &str) -> &str {
        self.args[name].as_str().unwrap_or("")
    }
}

/// The spans of the trace of `text`, in the order they were recorded.
fn spans(text: &str) -> Vec<Span> {
    let events = trace_events(text);
    let names: BTreeMap<u64, String> = (events.iter())
        .filter(|e| e["ph"] == "M")
        .map(|e| (e["pid"].as_u64().unwrap(), e["args"]["name"].to_string()))
        .collect();
    let begins = events.iter().filter(|e| e["ph"] == "b");
    let ends = events.iter().filter(|e| e["ph"] == "e");
    begins
        .zip(ends)
        .map(|(b, e)| Span {
            node: names[&b["pid"].as_u64().unwrap()]
                .trim_matches('"')
                .to_string(),
            start: b["ts"].as_f64().unwrap(),
            end: e["ts"].as_f64().unwrap(),
            args: b["args"].clone(),
        })
        .collect()
}

/// `users` → `api` (2 instances) → `db`, where `db` is slow one time in
/// five (a 30 ms mode beyond api's 20 ms timeout): api retries its call,
/// and users retry theirs when api's answer is late.
const TWO_TIERS: &str = r#"
[scenario]
name = "two tiers"
duration = "20s"
seed = 3

[network]
latency = "1ms"

[[client]]
name = "users"
target = "api"
rate = 20
timeout = "60ms"
retry = { max_attempts = 3, backoff = "constant", base = "5ms" }

[[service]]
name = "api"
instances = 2
workers = 8
service_time = "2ms"
calls = [ { to = "db", timeout = "20ms", retry = { max_attempts = 2, backoff = "constant", base = "1ms" } } ]

[[service]]
name = "db"
workers = 8
service_time = "mix(0.8: 2ms, 0.2: 30ms)"
"#;

#[test]
fn every_span_of_a_request_names_it_and_each_attempt_its_two_ends() {
    let spans = spans(TWO_TIERS);
    let r = run_text(TWO_TIERS, 3);
    let users = &r.clients["users"];
    let requests: Vec<&Span> = spans.iter().filter(|s| s.kind() == "request").collect();
    // A request still in flight at the end has no span yet.
    assert_eq!(requests.len() as u64, users.requests - users.in_flight);
    let ids: BTreeSet<u64> = requests.iter().map(|s| s.arg("request").unwrap()).collect();
    assert_eq!(ids.len(), requests.len(), "one request span per request");
    // The users' attempts, counted by the trace, are the report's but for
    // those still out at the end (one at most per request in flight).
    let from_users = (spans.iter())
        .filter(|s| s.kind() == "attempt" && s.text("from") == "users")
        .inspect(|s| assert_eq!(s.text("to"), "api"))
        .count();
    let untraced = users.attempts - from_users as u64;
    assert!(untraced <= users.in_flight, "{untraced} attempts missing");
    assert!(users.retries > 0, "the scenario makes users retry");
    for s in spans.iter().filter(|s| s.kind() != "life") {
        let id = s.arg("request").expect("every span names its request");
        assert!(
            ids.contains(&id),
            "{} names an unknown request {id}",
            s.kind()
        );
    }
}

#[test]
fn the_work_an_attempt_reaches_shares_its_attempt_id_and_request() {
    let spans = spans(TWO_TIERS);
    let attempts: BTreeMap<u64, &Span> = (spans.iter())
        .filter(|s| s.kind() == "attempt")
        .map(|s| (s.arg("attempt").unwrap(), s))
        .collect();
    let mut by_tier = BTreeMap::new();
    for w in spans.iter().filter(|s| s.kind() == "work") {
        let a = attempts[&w.arg("attempt").expect("work names its attempt")];
        assert_eq!(a.arg("request"), w.arg("request"));
        assert_eq!(a.text("to"), w.node, "the attempt went to the work's node");
        // 1 ms of latency on the way.
        assert!(
            (w.start - a.start - 1000.0).abs() < 1e-6,
            "sent {} arrived {}",
            a.start,
            w.start
        );
        *by_tier.entry(a.text("from").to_string()).or_insert(0) += 1;
    }
    // api's attempts to db are made by api's work for the same request.
    for a in attempts.values().filter(|a| a.text("from") == "api") {
        let caller = spans.iter().find(|w| {
            w.kind() == "work"
                && w.node == "api"
                && w.arg("request") == a.arg("request")
                && w.start <= a.start
                && a.start <= w.end
        });
        assert!(
            caller.is_some(),
            "api's call at {} has no api work around it",
            a.start
        );
    }
    assert!(by_tier["users"] > 0 && by_tier["api"] > 0, "{by_tier:?}");
    let timed_out = attempts.values().filter(|a| a.text("outcome") == "timeout");
    assert!(timed_out.count() > 0, "some of db's answers come too late");
}

/// `checkout` publishes each request to `orders`; `billing` takes 50 ms
/// per message, beyond the queue's 30 ms ack timeout, so every message is
/// delivered again.
const PIPELINE: &str = r#"
[scenario]
name = "pipeline"
duration = "2s"

[[client]]
name = "shop"
target = "checkout"
arrivals = "constant"
rate = 2

[[service]]
name = "checkout"
service_time = "1ms"
publish = [ { to = "orders" } ]

[[queue]]
name = "orders"
ack_timeout = "30ms"
max_receives = 2

[[service]]
name = "billing"
consumes = "orders"
workers = 4
service_time = "50ms"
"#;

#[test]
fn a_message_its_publish_and_each_delivery_name_the_request_that_published_it() {
    let spans = spans(PIPELINE);
    let r = run_text(PIPELINE, 1);
    let q = &r.queues["orders"];
    assert!(q.redelivered > 0, "the ack timeout redelivers");
    let publishes: Vec<&Span> = spans.iter().filter(|s| s.kind() == "publish").collect();
    assert_eq!(publishes.len() as u64, q.published);
    for p in &publishes {
        assert_eq!(
            (p.text("from"), p.text("to"), p.node.as_str()),
            ("checkout", "orders", "orders")
        );
        assert_eq!(p.text("outcome"), "stored");
        let work = spans
            .iter()
            .find(|w| w.kind() == "work" && w.node == "checkout");
        assert!(work.is_some_and(|w| w.arg("request").is_some()));
    }
    let deliveries: BTreeMap<u64, &Span> = (spans.iter())
        .filter(|s| s.kind() == "delivery")
        .map(|s| (s.arg("delivery").unwrap(), s))
        .collect();
    assert_eq!(deliveries.len() as u64, q.delivered);
    for d in deliveries.values() {
        assert_eq!((d.text("from"), d.text("to")), ("orders", "billing"));
        let message = spans
            .iter()
            .find(|m| m.kind() == "message" && m.arg("message") == d.arg("message"));
        assert_eq!(message.and_then(|m| m.arg("request")), d.arg("request"));
    }
    let consumed: Vec<&Span> = (spans.iter())
        .filter(|w| w.kind() == "work" && w.node == "billing")
        .collect();
    assert_eq!(consumed.len(), deliveries.len());
    for w in consumed {
        let d = deliveries[&w
            .arg("delivery")
            .expect("a consumer's work names its delivery")];
        assert_eq!(d.arg("request"), w.arg("request"));
        assert!(d.start <= w.start && w.end <= d.end);
    }
}

#[test]
fn a_saga_run_its_steps_and_their_attempts_name_the_request_that_started_it() {
    let text = r#"
[scenario]
name = "saga"
duration = "3.5s"

[[client]]
name = "shoppers"
target = "checkout"
arrivals = "constant"
rate = 1

[[saga]]
name = "checkout"
steps = [ { call = "payments.charge" }, { call = "shipping.schedule" } ]

[[service]]
name = "payments"
service_time = "20ms"
[[service.endpoint]]
name = "charge"

[[service]]
name = "shipping"
service_time = "1ms"
[[service.endpoint]]
name = "schedule"
"#;
    let spans = spans(text);
    let requests: BTreeSet<u64> = (spans.iter())
        .filter(|s| s.kind() == "request")
        .map(|s| s.arg("request").unwrap())
        .collect();
    assert_eq!(requests.len(), 3);
    for id in &requests {
        let of = |kind: &str| {
            (spans.iter())
                .filter(|s| s.kind() == kind && s.arg("request") == Some(*id))
                .count()
        };
        assert_eq!(
            (of("saga"), of("step"), of("attempt"), of("work")),
            (1, 2, 2, 2)
        );
    }
    for a in spans.iter().filter(|s| s.kind() == "attempt") {
        assert_eq!(a.text("from"), "checkout");
    }
}

#[test]
fn tracing_changes_nothing_in_the_run() {
    let sc = sim_core::scenario::load(TWO_TIERS, "t.toml", &[]).unwrap();
    let options = sim_core::RunOptions::default();
    let mut traced = sim_core::Simulation::new(&sc, &options);
    traced.enable_trace(10);
    traced.run_until(traced.end()).unwrap();
    let plain = sim_core::run(&sc, &options).unwrap();
    assert_eq!(traced.report().to_json(), plain.to_json());
}
