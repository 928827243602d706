//! How sagas are shown: the trace's tree of a run, the timelines the
//! browser draws, and the timeseries by state.

use sim_core::{RunOptions, SimDuration, Simulation};

/// One request at 1 s to a three-step saga over constant service times;
/// `tail` is appended (the services, with their endpoints).
fn one_run(tail: &str) -> String {
    format!(
        r#"
[scenario]
name = "one saga"
duration = "10s"

[[client]]
name = "shoppers"
target = "checkout"
arrivals = "constant"
rate = [ {{ at = "0s", rate = 1 }}, {{ at = "1.5s", rate = 0 }} ]

[[saga]]
name = "checkout"
steps = [
  {{ call = "inventory.reserve", compensate = "inventory.release" }},
  {{ call = "payments.charge", compensate = "payments.refund" }},
  {{ call = "shipping.schedule" }},
]
{tail}
"#
    )
}

/// `inventory` takes 10 ms to reserve and 5 ms to release; `payments` 20 ms
/// to charge, failing with `charge` (an endpoint's keys); `shipping` 1 ms.
fn services(charge: &str) -> String {
    format!(
        r#"
[[service]]
name = "inventory"
service_time = "10ms"
[[service.endpoint]]
name = "reserve"
[[service.endpoint]]
name = "release"
service_time = "5ms"

[[service]]
name = "payments"
service_time = "20ms"
[[service.endpoint]]
name = "charge"
{charge}
[[service.endpoint]]
name = "refund"

[[service]]
name = "shipping"
service_time = "1ms"
[[service.endpoint]]
name = "schedule"
"#
    )
}

/// The spans of the trace's saga trees, in the order they were begun:
/// `name begin-end outcome` (times in ms), with `^parent` when there is one.
fn saga_tree(text: &str) -> Vec<String> {
    let events = crate::common::trace_events(text);
    let end_of = |b: &serde_json::Value| {
        // A span's end is the `e` event after its `b` with the same name and id.
        let at = events.iter().position(|e| e == b).unwrap();
        events[at..]
            .iter()
            .find(|e| e["ph"] == "e" && e["id"] == b["id"] && e["name"] == b["name"])
            .unwrap()["ts"]
            .as_f64()
            .unwrap()
    };
    events
        .iter()
        .filter(|e| e["ph"] == "b" && e["cat"] == "saga")
        .map(|b| {
            let args = &b["args"];
            let parent = match args["parent"].as_u64() {
                Some(p) => format!(" ^{p}"),
                None => String::new(),
            };
            format!(
                "{}:{} {}-{} {}{parent}",
                args["span"],
                b["name"].as_str().unwrap(),
                b["ts"].as_f64().unwrap() / 1000.0,
                end_of(b) / 1000.0,
                args["outcome"].as_str().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_failed_second_step_traces_step_0_step_1_and_undo_0_under_the_saga() {
    let text = one_run(&services("error_rate = 1.0"));
    // Started at 1 s: reserve 10 ms, charge 20 ms and fails, release 5 ms.
    // No step applied but the reserve, so only it is compensated. Span ids
    // count the services' work spans too.
    assert_eq!(
        saga_tree(&text),
        [
            "0:saga 1000-1035 error",
            "1:step 0 inventory.reserve 1000-1010 ok ^0",
            "3:attempt -> inventory 1000-1010 ok ^1",
            "4:step 1 payments.charge 1010-1030 error ^0",
            "6:attempt -> payments 1010-1030 error ^4",
            "7:compensate 0 inventory.release 1030-1035 ok ^0",
            "9:attempt -> inventory 1030-1035 ok ^7",
        ]
    );
}

#[test]
fn a_step_s_retries_are_attempts_under_its_call() {
    let text = one_run(&services("error_rate = 1.0")).replace(
        "compensate = \"payments.refund\" }",
        "compensate = \"payments.refund\", retry = { max_attempts = 2, backoff = \"constant\", base = \"5ms\" } }",
    );
    // The charge fails at 1.030 s, is tried again 5 ms later, fails at 1.055 s.
    assert_eq!(
        saga_tree(&text)[3..7],
        [
            "4:step 1 payments.charge 1010-1055 error ^0",
            "6:attempt -> payments 1010-1030 error ^4",
            "8:attempt -> payments 1035-1055 error ^4",
            "9:compensate 0 inventory.release 1055-1060 ok ^0",
        ]
    );
}

/// Shipping fails twice after the pivot (the charge): the orchestrator
/// calls it again after 1 s each time, the third call succeeds at 3.033 s.
fn retried_after_the_pivot() -> String {
    one_run(&services("")).replace(
        "{ call = \"payments.charge\", compensate = \"payments.refund\" }",
        "{ call = \"payments.charge\", compensate = \"payments.refund\", pivot = true }",
    ) + "[[fault]]\nkind = \"error_rate\"\ntarget = \"shipping\"\nat = \"0s\"\nfor = \"2.5s\"\nrate = 1.0\n"
}

#[test]
fn a_run_is_started_in_its_first_window_completed_in_its_last_and_in_flight_between() {
    let sc = sim_core::scenario::load(&retried_after_the_pivot(), "t.toml", &[]).unwrap();
    // Windows of 0.4 s keep the instants apart from their edges: started at
    // 1 s in window 2, completed at 3.033 s in window 7, in flight at the
    // ends of windows 2 to 6.
    let options = RunOptions {
        timeseries: Some(SimDuration::from_millis(400)),
        ..RunOptions::default()
    };
    let r = sim_core::run(&sc, &options).unwrap();
    let s = &r.timeseries.unwrap().sagas["checkout"];
    let only = |at: &[usize]| -> Vec<u64> { (0..25).map(|i| u64::from(at.contains(&i))).collect() };
    assert_eq!(s.started, only(&[2]));
    assert_eq!(s.completed, only(&[7]));
    assert_eq!(s.in_flight, only(&[2, 3, 4, 5, 6]));
    assert_eq!((&s.compensated, &s.inconsistent), (&only(&[]), &only(&[])));
}

#[test]
fn saga_windows_sum_to_the_summary_through_warmup_crashes_and_timeouts() {
    // Timeouts of the charge leave charges applied after the saga gave
    // up (inconsistent runs without dedup); a crash of the orchestrator
    // holds runs in flight across windows; the warmup cuts runs that
    // started before it out of every count.
    let text = r#"
[scenario]
name = "busy saga"
duration = "30s"
warmup = "5s"

[[client]]
name = "shoppers"
target = "checkout"
rate = 50

[[saga]]
name = "checkout"
steps = [
  { call = "inventory.reserve", compensate = "inventory.release" },
  { call = "payments.charge", compensate = "payments.refund", timeout = "25ms" },
  { call = "shipping", pivot = true },
]

[[service]]
name = "inventory"
workers = 8
service_time = "exp(5ms)"
[[service.endpoint]]
name = "reserve"
effect = "reserve"
[[service.endpoint]]
name = "release"
effect = "release"

[[service]]
name = "payments"
workers = 8
service_time = "exp(20ms)"
[[service.endpoint]]
name = "charge"
effect = "charge"
[[service.endpoint]]
name = "refund"
effect = "refund"

[[service]]
name = "shipping"
workers = 8
service_time = "exp(10ms)"

[[fault]]
kind = "crash"
target = "checkout"
at = "12s"
for = "2s"
"#;
    let sc = sim_core::scenario::load(text, "t.toml", &[]).unwrap();
    let options = RunOptions {
        seed: Some(7),
        timeseries: Some(SimDuration::from_millis(700)),
        ..RunOptions::default()
    };
    let r = sim_core::run(&sc, &options).unwrap();
    let total = &r.sagas["checkout"];
    let s = &r.timeseries.unwrap().sagas["checkout"];
    // 25 s measured in windows of 0.7 s: 35 full ones and a shorter last.
    let windows = 36;
    let sum = |v: &[u64]| {
        assert_eq!(v.len(), windows);
        v.iter().sum::<u64>()
    };
    assert_eq!(sum(&s.started), total.started);
    assert_eq!(sum(&s.completed), total.completed);
    assert_eq!(sum(&s.compensated), total.compensated);
    assert_eq!(sum(&s.inconsistent), total.inconsistent);
    assert_eq!(s.in_flight.len(), windows);
    assert_eq!(s.in_flight.last(), Some(&total.in_flight));
    // The scenario exercises what it is meant to, so the sums mean something.
    assert!(total.compensated > 0 && total.inconsistent > 0, "{total:?}");
    // While the orchestrator is down (12 s to 14 s) no saga starts and no
    // run moves: the windows 10 and 11 (12 s to 13.4 s) start nothing, end
    // nothing, and keep in flight what the crash found.
    assert_eq!((s.started[10], s.started[11]), (0, 0), "{:?}", s.started);
    let ended = |i: usize| s.completed[i] + s.compensated[i];
    assert_eq!((ended(10), ended(11)), (0, 0));
    assert_eq!(s.in_flight[10], s.in_flight[11]);
    assert!(s.in_flight[10] > 0, "{:?}", s.in_flight);
}

#[test]
fn a_timeline_lists_the_calls_of_the_last_runs_with_their_times() {
    let text = retried_after_the_pivot();
    let sc = sim_core::scenario::load(&text, "t.toml", &[]).unwrap();
    let mut sim = Simulation::new(&sc, &RunOptions::default());
    sim.keep_saga_timelines();
    sim.run_until(sim.end()).unwrap();
    let runs = &sim.saga_timelines()["checkout"];
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(
        (run.outcome, run.started_s, run.ended_s),
        ("completed", 1.0, 3.033)
    );
    let calls: Vec<String> = run
        .calls
        .iter()
        .map(|c| {
            let verb = if c.compensation { "undo" } else { "step" };
            let times = format!("{:.3}-{:.3}", c.start_s, c.end_s);
            format!(
                "{verb} {} #{} {} {times} {}",
                c.step, c.call, c.endpoint, c.outcome
            )
        })
        .collect();
    assert_eq!(
        calls,
        [
            "step 0 #1 inventory.reserve 1.000-1.010 ok",
            "step 1 #1 payments.charge 1.010-1.030 ok",
            "step 2 #1 shipping.schedule 1.030-1.031 error",
            "step 2 #2 shipping.schedule 2.031-2.032 error",
            "step 2 #3 shipping.schedule 3.032-3.033 ok",
        ]
    );
}

#[test]
fn a_call_out_at_an_orchestrator_crash_is_lost_and_sent_again_at_its_restart() {
    // The charge is out from 1.010 s to 1.030 s; the orchestrator crashes
    // at 1.020 s and restarts at 2.020 s, resuming from its log: the charge
    // again (20 ms), then shipping (1 ms).
    let text = one_run(&services(""))
        + "[[fault]]\nkind = \"crash\"\ntarget = \"checkout\"\nat = \"1.02s\"\nfor = \"1s\"\n";
    let tree = saga_tree(&text);
    let steps: Vec<&str> = tree
        .iter()
        .filter(|s| !s.contains("attempt"))
        .map(|s| s.split_once(':').unwrap().1)
        .collect();
    assert_eq!(
        steps,
        [
            "saga 1000-2041 ok",
            "step 0 inventory.reserve 1000-1010 ok ^0",
            "step 1 payments.charge 1010-1020 lost ^0",
            "step 1 payments.charge 2020-2040 ok ^0",
            "step 2 shipping.schedule 2040-2041 ok ^0",
        ]
    );
}

#[test]
fn watching_sagas_changes_no_figure() {
    let text = one_run(&services("error_rate = 0.5")).replace(
        "arrivals = \"constant\"\nrate = [ { at = \"0s\", rate = 1 }, { at = \"1.5s\", rate = 0 } ]",
        "rate = 50",
    ) + "[[fault]]\nkind = \"crash\"\ntarget = \"checkout\"\nat = \"3s\"\nfor = \"1s\"\n";
    let sc = sim_core::scenario::load(&text, "t.toml", &[]).unwrap();
    let plain = sim_core::run(&sc, &RunOptions::default()).unwrap();
    let mut watched = Simulation::new(&sc, &RunOptions::default());
    watched.enable_trace(1_000_000);
    watched.keep_saga_timelines();
    let report = watched.finish().unwrap();
    assert!(
        plain.sagas["checkout"].compensated > 10,
        "{:?}",
        plain.sagas
    );
    assert_eq!(plain.to_json(), report.to_json());
}

#[test]
fn a_run_cut_short_by_the_end_ends_in_flight_in_the_trace() {
    let text = one_run(&services("")).replace("duration = \"10s\"", "duration = \"1.02s\"");
    let tree = saga_tree(&text);
    assert_eq!(tree[0], "0:saga 1000-1020 in_flight");
    assert_eq!(tree[3], "4:step 1 payments.charge 1010-1020 in_flight ^0");
}
