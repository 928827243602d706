//! The saga modes other than orchestration, with constant times: a
//! choreography whose events travel through queues, and two-phase commit,
//! whose prepared participants hold a worker until the decision.

use crate::common::{run_text, span_starts_in};
use sim_core::report::SagaReport;

/// A service `name` with endpoints `do` (effect `name`) and `undo` (effect
/// `name-undo`), 1 ms of work each, and `extra` keys.
fn participant(name: &str, extra: &str) -> String {
    format!(
        r#"
[[service]]
name = "{name}"
service_time = "1ms"
{extra}
[[service.endpoint]]
name = "do"
effect = "{name}"
[[service.endpoint]]
name = "undo"
effect = "{name}-undo"
"#
    )
}

/// A run of `duration` with 1 ms links, and `shoppers` starting saga
/// `checkout` once a second from 1 s until `last`.
fn shoppers(duration: &str, last: &str) -> String {
    format!(
        r#"[scenario]
duration = "{duration}"

[network]
latency = "1ms"

[[client]]
name = "shoppers"
target = "checkout"
arrivals = "constant"
rate = [ {{ at = "0s", rate = 1 }}, {{ at = "{last}", rate = 0 }} ]
"#
    )
}

/// Ten sagas, one a second from 1 s, of steps a, b (no compensation), c,
/// the pivot d and e (retried), choreographed; `d` and `e` take `d_extra`,
/// `e_extra`; every participant takes `all`; `tail` is appended.
fn checkout(d_extra: &str, e_extra: &str, all: &str, tail: &str) -> String {
    let saga = r#"
[[saga]]
name = "checkout"
mode = "choreography"
steps = [
  { call = "a.do", compensate = "a.undo" },
  { call = "b.do" },
  { call = "c.do", compensate = "c.undo" },
  { call = "d.do", compensate = "d.undo", pivot = true },
  { call = "e.do", retry = { max_attempts = 3 } },
]
"#;
    let with = |extra: &str| format!("{all}\n{extra}");
    let services = [
        participant("a", all),
        participant("b", all),
        participant("c", all),
        participant("d", &with(d_extra)),
        participant("e", &with(e_extra)),
    ];
    format!(
        "{}{saga}{}{tail}",
        shoppers("12s", "10.5s"),
        services.concat()
    )
}

/// When each delivery of queue `queue` left it (seconds), rounded to the µs.
fn deliveries(text: &str, queue: &str) -> Vec<f64> {
    let starts = span_starts_in(text, Some(queue), "delivery");
    starts.iter().map(|t| (t * 1e6).round() / 1e6).collect()
}

fn saga(text: &str) -> SagaReport {
    run_text(text, 1).sagas["checkout"].clone()
}

/// (calls, failures, compensations) of each step.
fn steps(g: &SagaReport) -> Vec<(u64, u64, u64)> {
    g.steps
        .iter()
        .map(|s| (s.calls, s.failures, s.compensations))
        .collect()
}

#[test]
fn a_choreography_runs_every_step_once_through_its_queues() {
    let text = checkout("", "", "", "");
    let r = run_text(&text, 1);
    let g = &r.sagas["checkout"];
    assert_eq!((g.started, g.completed, g.compensated), (10, 10, 0));
    assert_eq!((g.in_flight, g.inconsistent), (0, 0));
    assert_eq!(steps(g), vec![(10, 0, 0); 5]);
    // Each step's trigger went through its own queue, acked once.
    for step in 0..5 {
        let q = &r.queues[&format!("checkout.{step}")];
        assert_eq!((q.published, q.delivered, q.acked), (10, 10, 10), "{step}");
    }
    assert_eq!(r.clients["shoppers"].succeeded, 10);
    // Step 0 is stored at 1 s by the request; each step's delivery takes
    // 1 ms to its participant, 1 ms of work, and its successor's trigger
    // 1 ms to the next queue, which delivers it at once: 3 ms a step.
    let starts = deliveries(&text, "checkout.4");
    assert_eq!(starts.first(), Some(&1.012), "{starts:?}");
}

#[test]
fn a_failed_pivot_compensates_the_steps_before_it_in_reverse() {
    let g = saga(&checkout("error_rate = 1.0", "", "", ""));
    assert_eq!((g.started, g.completed, g.compensated), (10, 0, 10));
    assert_eq!((g.in_flight, g.inconsistent), (0, 0));
    assert_eq!(g.compensations_without_effect, 0);
    // d fails once (no retry) and is not compensated; c then a (b has no
    // compensation) are; e never runs.
    assert_eq!(
        steps(&g),
        vec![(10, 0, 10), (10, 0, 0), (10, 0, 10), (10, 10, 0), (0, 0, 0)]
    );
    let text = checkout("error_rate = 1.0", "", "", "");
    // d's delivery leaves at 1.009 s and fails at 1.011 s; c's undo is
    // stored and delivered at 1.012 s, succeeds at 1.014 s, and a's undo
    // is delivered at 1.015 s.
    assert_eq!(deliveries(&text, "checkout.2.undo").first(), Some(&1.012));
    assert_eq!(deliveries(&text, "checkout.0.undo").first(), Some(&1.015));
}

#[test]
fn a_step_past_the_pivot_that_fails_transiently_is_retried_not_compensated() {
    // e fails for its first 2.5 s: the sagas started then are redelivered
    // until e answers, and all complete.
    let tail = r#"
[[fault]]
kind = "error_rate"
target = "e"
at = "0s"
for = "2.5s"
rate = 1.0
"#;
    let g = saga(&checkout("", "", "", tail));
    assert_eq!((g.completed, g.compensated, g.inconsistent), (10, 0, 0));
    let e = &g.steps[4];
    assert!(e.failures > 0 && e.calls == e.failures + 10, "{e:?}");
    assert!(g.steps.iter().all(|s| s.compensations == 0));
}

#[test]
fn duplicated_events_break_the_balance_unless_participants_deduplicate() {
    // Every publish is stored twice (a delivery's copy on the wire is
    // dropped: the delivery is one).
    let dup = "[network]\nlatency = \"1ms\"\nduplicate = 1.0\n";
    let text = checkout("", "", "", "").replace("[network]\nlatency = \"1ms\"\n", dup);
    let g = saga(&text);
    assert_eq!((g.completed, g.inconsistent), (10, 10));
    // The first trigger is stored once; every copy of a step publishes
    // the next trigger, which is stored twice: the copies double per step,
    // until the first e completes the saga (the copies of d that end
    // after it trigger nothing: the saga has moved on).
    let calls: Vec<u64> = g.steps.iter().map(|s| s.calls).collect();
    assert_eq!(calls[..4], [10, 20, 40, 80]);
    assert!(calls[4] > 20 && calls[4] < 160, "{calls:?}");
    let deduped = checkout("", "", "dedup = { ttl = \"1h\" }", "")
        .replace("[network]\nlatency = \"1ms\"\n", dup);
    let g = saga(&deduped);
    assert_eq!((g.completed, g.inconsistent), (10, 0));
    // A repeat commits nothing, so it publishes nothing: each step runs
    // twice, once for each stored copy of the one trigger that committed.
    let calls: Vec<u64> = g.steps.iter().map(|s| s.calls).collect();
    assert_eq!(calls, [10, 20, 20, 20, 20]);
}

#[test]
fn a_short_ack_timeout_redelivers_events_and_dedup_absorbs_them() {
    // c takes 300 ms, its queue's ack timeout is 100 ms: c's trigger is
    // delivered again at 100 ms and 200 ms while the first copy works.
    let queue = "\n[[queue]]\nname = \"checkout.2\"\nack_timeout = \"100ms\"\n";
    let slow = |all: &str| {
        checkout("", "", all, queue).replace(
            "name = \"c\"\nservice_time = \"1ms\"",
            "name = \"c\"\nservice_time = \"300ms\"\nworkers = 4",
        )
    };
    let r = run_text(&slow(""), 1);
    let g = &r.sagas["checkout"];
    assert_eq!((g.completed, g.inconsistent), (10, 10));
    assert!(r.queues["checkout.2"].redelivered >= 10);
    let g = saga(&slow("dedup = { ttl = \"1h\" }"));
    assert_eq!((g.completed, g.inconsistent), (10, 0));
}

/// One two-phase saga at 1 s of steps `a.do` (1 ms) and `slow.do` (500 ms,
/// one worker), and one request of `other` at 1.25 s to `a.other`, which
/// has one worker; `tail` is appended.
fn two_phase(mode: &str, tail: &str) -> String {
    format!(
        r#"{}
[[client]]
name = "other"
target = "a.other"
arrivals = "constant"
rate = 0.8

[[saga]]
name = "checkout"
mode = "{mode}"
steps = [ {{ call = "a.do" }}, {{ call = "slow.do" }} ]

[[service]]
name = "a"
service_time = "1ms"
workers = 1
[[service.endpoint]]
name = "do"
effect = "a"
[[service.endpoint]]
name = "other"

[[service]]
name = "slow"
service_time = "500ms"
[[service.endpoint]]
name = "do"
effect = "slow"
{tail}"#,
        shoppers("2.4s", "1.5s")
    )
}

/// The latency (ms) of `other`'s one request.
fn other_ms(r: &sim_core::report::Report) -> f64 {
    r.clients["other"].latency_ms.max
}

#[test]
fn a_prepared_participant_holds_its_worker_until_the_decision() {
    // Both prepares leave at 1 s; a's holds a's only worker from 1.002 s,
    // slow's vote reaches the coordinator at 1.502 s, which commits and
    // frees it. `other` reaches a at 1.251 s and waits until then: 1.502 +
    // 1 ms of work + 1 ms back - 1.25 = 254 ms.
    let r = run_text(&two_phase("two_phase", ""), 1);
    let g = &r.sagas["checkout"];
    assert_eq!((g.started, g.completed, g.compensated), (1, 1, 0));
    assert_eq!(g.inconsistent, 0);
    assert_eq!(other_ms(&r), 254.0);
    assert_eq!(r.clients["shoppers"].latency_ms.max, 502.0);
    // Held: a's worker 1.002..1.502, slow's 1.501..1.502.
    assert_eq!((g.max_held, g.held_worker_seconds), (Some(2), Some(0.501)));
    // The effects apply once, at the commit.
    assert_eq!(r.effects["a"].applied, 1);
    assert_eq!(r.effects["slow"].applied, 1);
    // An orchestrated saga frees a's worker after its 1 ms: `other` takes 3 ms.
    let r = run_text(&two_phase("orchestration", ""), 1);
    assert_eq!(other_ms(&r), 3.0);
    assert_eq!(r.sagas["checkout"].max_held, None);
}

#[test]
fn a_crashed_coordinator_blocks_the_prepared_participants_until_it_restarts() {
    // The coordinator is down 1.1 s..2.1 s: slow's vote (1.502 s) is lost;
    // at the restart both participants hold a prepare, so it commits at
    // 2.1 s. a's worker is held 1.002..2.1, slow's 1.501..2.1.
    let crash =
        "\n[[fault]]\nkind = \"crash\"\ntarget = \"checkout\"\nat = \"1.1s\"\nfor = \"1s\"\n";
    let r = run_text(&two_phase("two_phase", crash), 1);
    let g = &r.sagas["checkout"];
    assert_eq!((g.completed, g.in_flight), (1, 0));
    assert_eq!(g.held_worker_seconds, Some(1.697));
    assert_eq!(r.clients["shoppers"].latency_ms.max, 1100.0);
    // `other` reaches a at 1.251 s and starts at 2.1 s.
    assert_eq!(other_ms(&r), 852.0);
    // A paused coordinator holds slow's vote until it resumes at 2.1 s:
    // the same blocking.
    let r = run_text(&two_phase("two_phase", &crash.replace("crash", "pause")), 1);
    assert_eq!(r.sagas["checkout"].held_worker_seconds, Some(1.697));
    assert_eq!(other_ms(&r), 852.0);
    // Still down at the end: the saga is in flight, the workers held.
    let r = run_text(
        &two_phase("two_phase", &crash.replace("for = \"1s\"\n", "")),
        1,
    );
    let g = &r.sagas["checkout"];
    assert_eq!((g.completed, g.in_flight), (0, 1));
    // a's worker 1.002..2.4 and slow's 1.501..2.4.
    assert_eq!(g.held_worker_seconds, Some(2.297));
}

#[test]
fn a_failed_prepare_aborts_all_and_applies_nothing() {
    let failing = two_phase("two_phase", "").replace(
        "service_time = \"500ms\"",
        "service_time = \"500ms\"\nerror_rate = 1.0",
    );
    let r = run_text(&failing, 1);
    let g = &r.sagas["checkout"];
    assert_eq!((g.completed, g.compensated, g.inconsistent), (0, 1, 0));
    assert_eq!((g.steps[1].calls, g.steps[1].failures), (1, 1));
    // a's prepare was released at the abort (1.502 s), unapplied.
    assert_eq!(r.effects["a"].applied, 0);
    assert_eq!(g.held_worker_seconds, Some(0.5));
    assert_eq!(other_ms(&r), 254.0);
}

#[test]
fn a_late_copy_of_a_declined_step_applies_only_without_dedup() {
    // c's first copy of the first saga, at work from 1.007 s, is slowed
    // 50x: its 1 ms ends at 1.057 s. Its queue's 20 ms ack timeout redelivers it
    // at 1.026 s, into an error fault: that copy fails at 1.028 s, c is
    // declined and a compensated. Then the first copy ends, successfully.
    let tail = r#"
[[queue]]
name = "checkout.2"
ack_timeout = "20ms"

[[fault]]
kind = "slowdown"
target = "c"
at = "1s"
for = "10ms"
factor = 50.0

[[fault]]
kind = "error_rate"
target = "c"
at = "1.02s"
for = "20ms"
rate = 1.0
"#;
    let text = |all: &str| {
        checkout("", "", all, tail).replace(
            "name = \"c\"\nservice_time = \"1ms\"",
            "name = \"c\"\nservice_time = \"1ms\"\nworkers = 2",
        )
    };
    let g = saga(&text(""));
    assert_eq!((g.completed, g.compensated, g.inconsistent), (9, 1, 1));
    // With dedup, c recorded the key of the step it declined: the late
    // copy is a repeat.
    let g = saga(&text("dedup = { ttl = \"1h\" }"));
    assert_eq!((g.completed, g.compensated, g.inconsistent), (9, 1, 0));
    assert_eq!(g.steps[0].compensations, 1);
}
