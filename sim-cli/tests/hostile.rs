//! Hostile scenarios and flags: valid files that would hang, exhaust memory
//! or abort a naive simulator, files that try to garble the terminal, and
//! closed or full output streams. Each case asserts its exact exit code and
//! the words of its message; none may panic (101), abort (134) or hang.

mod common;

use common::{bounded, code, dsim, file, stderr, stdout};
use std::process::{Command, Stdio};
use tempfile::TempDir;

/// A closed loop of `users` users into `api`, with `extra` appended to the
/// service and `tail` after it.
fn closed_loop(users: u32, service: &str, tail: &str) -> String {
    format!(
        r#"
[scenario]
name = "loop"
duration = "10s"

[[client]]
name = "u"
target = "api"
users = {users}

[[service]]
name = "api"
{service}
{tail}
"#
    )
}

/// Runs `text` as a file with `args` after `dsim run FILE`.
fn run(text: &str, args: &[&str]) -> std::process::Output {
    let dir = TempDir::new().unwrap();
    let f = file(&dir, "hostile.toml", text);
    let mut all = vec!["run", f.as_str()];
    all.extend_from_slice(args);
    dsim(&all)
}

/// Asserts exit code 3, nothing on stdout, and every one of `words` on stderr.
fn assert_stopped(o: &std::process::Output, words: &[&str]) {
    let err = stderr(o);
    assert_eq!(code(o), 3, "stderr: {err}");
    assert_eq!(stdout(o), "", "a stopped run prints no half summary");
    assert!(err.starts_with("stopped: "), "{err}");
    for w in words {
        assert!(err.contains(w), "`{w}` missing from: {err}");
    }
}

#[test]
fn a_zero_time_closed_loop_stops_and_asks_for_think() {
    let o = run(ZERO_TIME_LOOP, &[]);
    assert_stopped(
        &o,
        &[
            "no progress in simulated time: 1000000 events at 0.000000s",
            "closed-loop users sending their next request of `u`",
            "hint: closed-loop users of `u` re-send at once",
            "think",
        ],
    );
}

#[test]
fn users_refused_at_once_by_a_crashed_instance_stop_at_the_crash() {
    let crash = "[[fault]]\nkind = \"crash\"\ntarget = \"api\"\nat = \"2s\"\n";
    let o = run(&closed_loop(2, "service_time = \"exp(1ms)\"", crash), &[]);
    assert_stopped(&o, &["events at 2.000000s", "`u`", "think"]);
}

#[test]
fn users_rejected_at_once_by_a_full_queue_stop() {
    let service = "workers = 1\nqueue = 0\nservice_time = \"1s\"";
    let o = run(&closed_loop(3, service, ""), &[]);
    assert_stopped(&o, &["no progress", "at 0.000000s", "think"]);
}

/// The scenarios that the engine's benchmark times until they are stopped.
const ZERO_TIME_LOOP: &str = include_str!("../../benches/hostile/zero-time-loop.toml");
const FLOOD: &str = include_str!("../../benches/hostile/flood.toml");

#[test]
fn an_unbounded_queue_stops_at_the_in_flight_budget() {
    let text = FLOOD;
    let o = run(text, &[]);
    assert_stopped(
        &o,
        &[
            "more than 1000000 requests, messages and timers in flight",
            "wait in the queues of `api`",
            "hint: `api` is offered more than it can serve",
            "queue = 1000",
            "--max-in-flight",
        ],
    );
    // A larger budget lets it run further before it stops.
    let o = run(text, &["--max-in-flight", "10"]);
    assert_stopped(&o, &["more than 10 requests"]);
}

#[test]
fn the_event_budget_stops_a_long_run() {
    let o = run(
        &closed_loop(4, "service_time = \"exp(1ms)\"", ""),
        &["--max-events", "1000"],
    );
    assert_stopped(
        &o,
        &[
            "the event budget of 1000 events ran out at",
            "of 10.000000s",
            "--max-events",
        ],
    );
}

#[test]
fn check_reports_a_stopped_run_among_good_ones_and_exits_3() {
    let dir = TempDir::new().unwrap();
    let stuck = file(&dir, "stuck.toml", ZERO_TIME_LOOP);
    let o = dsim(&["check", &stuck, "queueing-basics"]);
    assert_eq!(code(&o), 3, "stderr: {}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("stuck.toml (seed 1)\n"), "{out}");
    assert!(
        out.contains("queueing-basics (seed"),
        "the other file still runs: {out}"
    );
    assert!(out.contains("1 run was stopped by a budget\n"), "{out}");
    assert!(
        stderr(&o).contains("stopped: no progress"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn sweep_marks_stopped_runs_and_exits_3() {
    let dir = TempDir::new().unwrap();
    let f = file(
        &dir,
        "s.toml",
        &closed_loop(1, "service_time = \"1ms\"", ""),
    );
    let csv = dir.path().join("grid.csv");
    let o = dsim(&[
        "sweep",
        &f,
        "--param",
        "service.api.service_time=1ms,0ns",
        "--seeds",
        "1",
        "--out",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 3, "stderr: {}", stderr(&o));
    let text = std::fs::read_to_string(&csv).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 3, "{text}");
    assert!(rows[1].ends_with(",true,"), "{}", rows[1]);
    assert!(rows[2].starts_with("0ns,1,"), "{}", rows[2]);
    assert!(
        rows[2].contains(",,no progress in simulated time"),
        "{}",
        rows[2]
    );
}

#[test]
fn a_rate_threshold_that_can_never_hold_is_refused_at_its_place() {
    let expect = "duration = \"120s\"\nexpect = [\"success_rate(users) >= 1.5\"]";
    let text = open_loop("", "").replace("duration = \"120s\"", expect);
    let o = run(&text, &[]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("hostile.toml:4:"), "{err}");
    assert!(
        err.contains("can never hold: a rate is between 0 and 1"),
        "{err}"
    );
}

#[test]
fn control_characters_in_a_title_are_escaped_in_every_output() {
    let text = open_loop("", "").replace("name = \"t\"", r#"name = "evil\u001b[2J\rtitle""#);
    let o = run(&text, &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(!out.contains('\u{1b}') && !out.contains('\r'), "{out:?}");
    assert!(out.starts_with("evil\\u{1b}[2J\\rtitle: seed"), "{out}");
    // JSON escapes them by its own rules.
    let o = run(&text, &["--format", "json"]);
    assert!(stdout(&o).contains(r#""scenario": "evil\u001b[2J\rtitle""#));
}

/// `dsim ARGS` with stdout and stderr sent to `/dev/full`, where every
/// write fails.
fn to_full_device(args: &[&str], stdout_full: bool) -> i32 {
    let full = || std::fs::File::create("/dev/full").expect("Linux has /dev/full");
    let mut command = Command::new(env!("CARGO_BIN_EXE_dsim"));
    command.args(args).stderr(full());
    if stdout_full {
        command.stdout(full());
    } else {
        command.stdout(Stdio::null());
    }
    code(&bounded(command))
}

#[test]
fn a_full_stderr_or_stdout_never_panics() {
    let dir = TempDir::new().unwrap();
    let bad = file(&dir, "bad.toml", "[scenario]\nduration = 5\n");
    assert_eq!(to_full_device(&["validate", &bad], false), 2);
    assert_eq!(to_full_device(&["run", "no-such-scenario"], false), 2);
    assert_eq!(to_full_device(&["run", "--no-such-flag"], false), 2);
    assert_eq!(to_full_device(&["list"], true), 2);
    assert_eq!(to_full_device(&["run", "queueing-basics"], true), 2);
    let stuck = file(&dir, "stuck.toml", ZERO_TIME_LOOP);
    assert_eq!(to_full_device(&["run", &stuck], true), 3);
}

/// The one service of a tiny open-loop scenario, with `service` lines, and
/// `client` lines on its client.
fn open_loop(client: &str, service: &str) -> String {
    format!(
        "[scenario]\nname = \"t\"\nduration = \"120s\"\n\n[[client]]\nname = \"users\"\ntarget = \"api\"\nrate = 10\n{client}\n\n[[service]]\nname = \"api\"\nservice_time = \"1ms\"\n{service}\n"
    )
}

/// Asserts exit code 2 and every one of `words` on stderr.
fn assert_refused(o: &std::process::Output, words: &[&str]) {
    let err = stderr(o);
    assert_eq!(code(o), 2, "stderr: {err}");
    for w in words {
        assert!(err.contains(w), "`{w}` missing from: {err}");
    }
}

#[test]
fn sizes_that_cannot_fit_are_refused_at_their_place_with_the_limit() {
    let o = run(&open_loop("", "instances = 100000000"), &[]);
    assert_refused(&o, &["hostile.toml:14:13:", "above the limit of 10000"]);
    let hedge = "hedge = { after = \"1ns\", max_extra = 4294967295 }";
    let o = run(&open_loop(hedge, ""), &[]);
    assert_refused(&o, &["hostile.toml:9:", "above the limit of 10"]);
    let deep = format!("\"{}1ms{}\"", "mix(1: ".repeat(20_000), ")".repeat(20_000));
    let o = run(&open_loop("", "").replace("\"1ms\"", &deep), &[]);
    assert_refused(&o, &["hostile.toml:13:", "nest"]);
    let o = run(
        &format!("a = {}{}\n", "[".repeat(100_000), "]".repeat(100_000)),
        &[],
    );
    assert_refused(&o, &["hostile.toml:1:", "nest"]);
    let json = format!("{{\"a\": {}{}}}", "[".repeat(100_000), "]".repeat(100_000));
    let o = run(&json, &[]);
    assert_refused(&o, &["hostile.toml:1:", "nest"]);
}

#[test]
fn a_timeseries_with_too_many_windows_is_refused_before_the_run() {
    let o = run(&open_loop("", ""), &["--timeseries", "1ns"]);
    assert_refused(
        &o,
        &[
            "--timeseries",
            "above the limit of 1000000",
            "at least 120us",
        ],
    );
    let dir = TempDir::new().unwrap();
    let f = file(&dir, "t.toml", &open_loop("", ""));
    let o = dsim(&["trace", &f, "--out", "x.json", "--limit", "99999999999"]);
    assert_refused(&o, &["--limit"]);
}
