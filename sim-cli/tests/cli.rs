//! The `dsim` binary against the CLI contract (shared/spec/cli.md): exit codes,
//! the JSON summary's keys, determinism, overrides, errors, sweeps and plots.
//! Each test writes small scenarios into its own temporary directory.

mod common;

use common::{code, dsim, file, json, stderr, stdout};
use serde_json::Value;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// A small open-loop system that meets its one expectation easily.
const TINY: &str = r#"
[scenario]
name = "tiny"
duration = "10s"
seed = 7
expect = ["success_rate(users) >= 0.99"]

[[client]]
name = "users"
target = "api"
rate = 100

[[service]]
name = "api"
workers = 4
service_time = "exp(5ms)"
"#;

/// A saga of two steps whose second fails a fifth of the time.
const SAGA: &str = r#"
[scenario]
name = "saga"
duration = "10s"

[[client]]
name = "shoppers"
target = "checkout"
rate = 20

[[saga]]
name = "checkout"
steps = [
  { call = "inventory.reserve", compensate = "inventory.release" },
  { call = "payments.charge", compensate = "payments.refund" },
]

[[service]]
name = "inventory"
service_time = "exp(5ms)"
[[service.endpoint]]
name = "reserve"
[[service.endpoint]]
name = "release"

[[service]]
name = "payments"
service_time = "exp(20ms)"
[[service.endpoint]]
name = "charge"
error_rate = 0.2
[[service.endpoint]]
name = "refund"
"#;

/// TINY with its expectations replaced by `expect` (a TOML array).
fn tiny_expecting(expect: &str) -> String {
    TINY.replace(r#"["success_rate(users) >= 0.99"]"#, expect)
}

#[test]
fn run_json_has_the_contract_keys() {
    let dir = TempDir::new().unwrap();
    let f = file(&dir, "tiny.toml", TINY);
    let o = dsim(&["run", &f, "--format", "json"]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    assert_eq!(stderr(&o), "");
    let j = json(&o);
    assert_eq!(j["scenario"], "tiny");
    assert_eq!(j["seed"], 7);
    assert_eq!(j["sim_time_s"], 10.0);
    assert!(j["events"].as_u64().unwrap() > 0);
    for key in ["breakers", "effects", "queues", "sagas"] {
        assert!(j[key].is_object(), "{key}");
    }
    let users = &j["clients"]["users"];
    for key in [
        "requests",
        "succeeded",
        "degraded",
        "failed",
        "attempts",
        "timeouts",
        "success_rate",
    ] {
        assert!(users[key].is_number(), "clients.users.{key}");
    }
    for key in ["mean", "p50", "p90", "p95", "p99", "p999", "max"] {
        assert!(users["latency_ms"][key].is_number(), "latency_ms.{key}");
    }
    let api = &j["services"]["api"];
    for key in [
        "arrivals",
        "completed",
        "errors",
        "rejected",
        "shed",
        "utilization",
        "max_queue",
    ] {
        assert!(api[key].is_number(), "services.api.{key}");
    }
    for key in ["mean", "p50", "p99"] {
        assert!(api["latency_ms"][key].is_number());
        assert!(api["queue_wait_ms"][key].is_number());
    }
    let e = &j["expectations"][0];
    assert_eq!(e["expect"], "success_rate(users) >= 0.99");
    assert_eq!(e["passed"], true);
    assert!(e["observed"].as_f64().unwrap() >= 0.99);
    assert!(j.get("timeseries").is_none());
    assert!(stdout(&o).ends_with("}\n"));
}

#[test]
fn same_seed_gives_identical_bytes_and_another_seed_differs() {
    let dir = TempDir::new().unwrap();
    let f = file(&dir, "tiny.toml", TINY);
    let a = dsim(&["run", &f, "--format", "json"]);
    let b = dsim(&["run", &f, "--format", "json", "--seed", "7"]);
    assert_eq!(a.stdout, b.stdout);
    let table_a = dsim(&["run", &f]);
    let table_b = dsim(&["run", &f]);
    assert_eq!(table_a.stdout, table_b.stdout);
    let c = dsim(&["run", &f, "--format", "json", "--seed", "8"]);
    assert_eq!(json(&c)["seed"], 8);
    // The seed moves the draws, not just the printed seed.
    assert_ne!(json(&a)["clients"], json(&c)["clients"]);
}

#[test]
fn set_overrides_values_by_path() {
    let dir = TempDir::new().unwrap();
    let f = file(&dir, "tiny.toml", TINY);
    let short = dsim(&[
        "run",
        &f,
        "--format",
        "json",
        "--set",
        "scenario.duration=2s",
    ]);
    assert_eq!(code(&short), 0, "stderr: {}", stderr(&short));
    assert_eq!(json(&short)["sim_time_s"], 2.0);

    // 10 s at 100/s is about 1000 requests (sd 32); at 10/s about 100 (sd 10).
    let base = json(&dsim(&["run", &f, "--format", "json"]));
    let slow = dsim(&[
        "run",
        &f,
        "--format",
        "json",
        "--set",
        "client.users.rate=10",
    ]);
    assert_eq!(code(&slow), 0, "stderr: {}", stderr(&slow));
    let base_requests = base["clients"]["users"]["requests"].as_u64().unwrap();
    let slow_requests = json(&slow)["clients"]["users"]["requests"]
        .as_u64()
        .unwrap();
    assert!((850..=1150).contains(&base_requests), "{base_requests}");
    assert!((50..=150).contains(&slow_requests), "{slow_requests}");
}

#[test]
fn bad_overrides_exit_2_with_a_message() {
    let dir = TempDir::new().unwrap();
    let f = file(&dir, "tiny.toml", TINY);
    let o = dsim(&["run", &f, "--set", "client.users.rate"]);
    assert_eq!(code(&o), 2);
    assert_eq!(stdout(&o), "");
    assert!(
        stderr(&o).starts_with("error: --set `client.users.rate` is not PATH=VALUE"),
        "{}",
        stderr(&o)
    );

    let o = dsim(&["run", &f, "--set", "client.nobody.rate=5"]);
    assert_eq!(code(&o), 2);
    assert_eq!(stdout(&o), "");
    assert!(stderr(&o).contains("nobody"), "{}", stderr(&o));
}

#[test]
fn an_unknown_file_exits_2_and_lists_the_builtins() {
    let o = dsim(&["run", "no-such-scenario.toml"]);
    assert_eq!(code(&o), 2);
    assert_eq!(stdout(&o), "");
    let err = stderr(&o);
    assert!(
        err.starts_with("error: `no-such-scenario.toml` is neither a file nor a built-in scenario"),
        "{err}"
    );
    match sim_core::library::BUILTIN.first() {
        Some(b) => {
            assert!(
                err.contains(&format!("built-in scenarios: {}", b.name)),
                "{err}"
            );
            let typo = &b.name[..b.name.len() - 1];
            let o = dsim(&["run", typo]);
            assert_eq!(code(&o), 2);
            assert!(
                stderr(&o).contains(&format!("did you mean `{}`?", b.name)),
                "{}",
                stderr(&o)
            );
        }
        None => assert!(err.contains("there are no built-in scenarios"), "{err}"),
    }
}

#[test]
fn builtins_run_by_name_and_list_one_line_each() {
    let o = dsim(&["list"]);
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), sim_core::library::BUILTIN.len());
    for (line, b) in lines.iter().zip(sim_core::library::BUILTIN) {
        assert!(line.starts_with(b.name), "{line}");
        assert!(!line.contains("does not load"), "{line}");
        let o = dsim(&["validate", b.name]);
        assert_eq!(stdout(&o), format!("ok: {}\n", b.name));
    }
}

#[test]
fn the_table_shows_clients_services_and_expectations() {
    let dir = TempDir::new().unwrap();
    let f = file(&dir, "tiny.toml", TINY);
    let o = dsim(&["run", &f]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("tiny: seed 7, 10s simulated, "), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines
        .iter()
        .any(|l| l.starts_with("client") && l.contains("success") && l.contains("p99 ms")));
    assert!(lines.iter().any(|l| l.starts_with("users ")));
    assert!(lines
        .iter()
        .any(|l| l.starts_with("service") && l.contains("util %")));
    assert!(lines.iter().any(|l| l.starts_with("api ")));
    assert!(lines
        .iter()
        .any(|l| l.starts_with("  PASS  success_rate(users) >= 0.99  (observed ")));
    assert!(!out.contains("timeseries"));

    let o = dsim(&["run", &f, "--timeseries", "500ms"]);
    assert!(stdout(&o).contains(
        "\ntimeseries: 20 windows of 0.5s, one per cell; the series in full in the JSON summary\n"
    ));
}

#[test]
fn run_exits_1_when_an_expectation_fails() {
    let dir = TempDir::new().unwrap();
    let f = file(
        &dir,
        "slow.toml",
        &tiny_expecting(r#"["p99(users) < 1us"]"#),
    );
    let o = dsim(&["run", &f]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("  FAIL  p99(users) < 1us  (observed "));
}

#[test]
fn out_writes_the_summary_and_timeseries() {
    let dir = TempDir::new().unwrap();
    let f = file(&dir, "tiny.toml", TINY);
    let out = dir.path().join("results/run1");
    let o = dsim(&[
        "run",
        &f,
        "--format",
        "json",
        "--timeseries",
        "1s",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let written = std::fs::read(out.join("summary.json")).unwrap();
    assert_eq!(written, o.stdout);
    let j = json(&o);
    assert_eq!(j["timeseries"]["window_s"], 1.0);
    let requests = j["timeseries"]["clients"]["users"]["requests"]
        .as_array()
        .unwrap();
    assert_eq!(requests.len(), 10);
    let total: u64 = requests.iter().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(total, j["clients"]["users"]["requests"].as_u64().unwrap());
}

#[test]
fn bad_flags_exit_2() {
    let dir = TempDir::new().unwrap();
    let f = file(&dir, "tiny.toml", TINY);
    for args in [
        vec!["run", &f, "--timeseries", "1"],
        vec!["run", &f, "--timeseries", "0s"],
        vec!["run", &f, "--format", "xml"],
        vec!["run", &f, "--seed", "-1"],
        vec!["run", &f, "--bogus"],
        vec!["frobnicate"],
    ] {
        let o = dsim(&args);
        assert_eq!(code(&o), 2, "{args:?}");
        assert_eq!(stdout(&o), "", "{args:?}");
        assert!(stderr(&o).starts_with("error: "), "{args:?}");
    }
}

#[test]
fn check_reports_each_expectation_and_exits_by_the_worst() {
    let dir = TempDir::new().unwrap();
    let good = file(&dir, "good.toml", TINY);
    let bad = file(
        &dir,
        "bad.toml",
        &tiny_expecting(r#"["success_rate(users) >= 0.99", "p99(users) < 1us"]"#),
    );
    let none = file(&dir, "none.toml", &tiny_expecting("[]"));

    let o = dsim(&["check", &good, &none]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with(&format!(
        "{good} (seed 7)\n  PASS  success_rate(users) >= 0.99  (observed "
    )));
    assert!(out.contains(&format!(
        "{none} (seed 7)\n  no expectations: ran to the end\n"
    )));
    assert!(out.ends_with("check: 1 passed, 0 failed\n"), "{out}");

    let o = dsim(&["check", &good, &bad, "--seed", "11"]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(out.contains(&format!("{bad} (seed 11)\n")), "{out}");
    assert!(
        out.contains("  FAIL  p99(users) < 1us  (observed "),
        "{out}"
    );
    assert!(
        out.contains(&format!("  reproduce: dsim run {bad} --seed 11\n")),
        "{out}"
    );
    assert!(out.ends_with("check: 2 passed, 1 failed\n"), "{out}");

    let o = dsim(&["check", &bad, "no-such-file.toml"]);
    assert_eq!(code(&o), 2);
    assert!(stdout(&o).contains("1 file could not be checked\n"));
}

#[test]
fn validate_prints_ok_or_every_problem() {
    let dir = TempDir::new().unwrap();
    let good = file(&dir, "good.toml", TINY);
    let o = dsim(&["validate", &good]);
    assert_eq!(code(&o), 0);
    assert_eq!(stdout(&o), format!("ok: {good}\n"));
    assert_eq!(stderr(&o), "");

    let typo = file(
        &dir,
        "typo.toml",
        &TINY.replace("rate = 100", "rate = 100\nretires = 3"),
    );
    let unitless = file(
        &dir,
        "unitless.toml",
        &TINY.replace(r#"duration = "10s""#, "duration = 10"),
    );
    let o = dsim(&["validate", &good, &typo, &unitless]);
    assert_eq!(code(&o), 2);
    assert_eq!(stdout(&o), format!("ok: {good}\n"));
    let err = stderr(&o);
    assert!(err.contains(&format!("error: {typo}:")), "{err}");
    assert!(err.contains("did you mean `retry`?"), "{err}");
    assert!(err.contains(&format!("error: {unitless}:")), "{err}");
    assert!(err.contains("unit"), "{err}");
}

#[test]
fn schema_is_json() {
    let o = dsim(&["schema"]);
    assert_eq!(code(&o), 0);
    assert!(json(&o).is_object());
}

#[test]
fn trace_writes_chrome_trace_events() {
    let dir = TempDir::new().unwrap();
    let path = file(&dir, "tiny.toml", TINY);
    let out = dir.path().join("trace.json");
    let o = dsim(&[
        "trace",
        &path,
        "--out",
        out.to_str().unwrap(),
        "--limit",
        "50",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("more spans left out"));
    let trace: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let events = trace["traceEvents"].as_array().unwrap();
    let begins = events.iter().filter(|e| e["ph"] == "b").count();
    let ends = events.iter().filter(|e| e["ph"] == "e").count();
    assert_eq!((begins, ends), (50, 50), "every span begins and ends");
    let names: Vec<&str> = events
        .iter()
        .filter(|e| e["ph"] == "M")
        .map(|e| e["args"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["api", "-> api", "users"],
        "work, attempts, requests"
    );
    for e in events.iter().filter(|e| e["ph"] == "b") {
        let end = events
            .iter()
            .find(|x| x["ph"] == "e" && x["id"] == e["id"])
            .unwrap();
        assert!(end["ts"].as_f64() >= e["ts"].as_f64());
    }
    let again = dir.path().join("again.json");
    dsim(&[
        "trace",
        &path,
        "--out",
        again.to_str().unwrap(),
        "--limit",
        "50",
    ]);
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&again).unwrap());
}

/// Rows of a sweep CSV after the header.
fn rows(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect()
}

#[test]
fn sweep_writes_the_grid_in_order_for_any_jobs() {
    let dir = TempDir::new().unwrap();
    let f = file(&dir, "tiny.toml", TINY);
    let csv = |name: &str| -> PathBuf { dir.path().join(name) };
    let sweep = |out: &Path, extra: &[&str]| {
        let mut args = vec![
            "sweep",
            &f,
            "--param",
            "client.users.rate=50,100",
            "--param",
            "service.api.service_time=uniform(1ms, 9ms),5ms",
            "--seeds",
            "1..3",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let o = dsim(&args);
        assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
        o
    };
    let o = sweep(&csv("one.csv"), &["--jobs", "1"]);
    assert_eq!(
        stdout(&o),
        format!(
            "sweep: 8 runs written to {}, 0 failed their expectations, 0 stopped by a budget\n",
            csv("one.csv").display()
        )
    );
    sweep(&csv("four.csv"), &["--jobs", "4"]);
    let one = std::fs::read(csv("one.csv")).unwrap();
    assert_eq!(one, std::fs::read(csv("four.csv")).unwrap());

    let text = String::from_utf8(one).unwrap();
    assert_eq!(
        text.lines().next().unwrap(),
        "client.users.rate,service.api.service_time,seed,\
         client.users.requests,client.users.succeeded,client.users.failed,\
         client.users.attempts,client.users.success_rate,client.users.p50_ms,client.users.p99_ms,\
         service.api.utilization,service.api.max_queue,passed,stopped"
    );
    let all = rows(&csv("one.csv"));
    let keys: Vec<String> = all
        .iter()
        .map(|r| r.rsplitn(12, ',').last().unwrap().to_string())
        .collect();
    assert_eq!(
        keys,
        [
            "50,\"uniform(1ms, 9ms)\",1",
            "50,\"uniform(1ms, 9ms)\",2",
            "50,5ms,1",
            "50,5ms,2",
            "100,\"uniform(1ms, 9ms)\",1",
            "100,\"uniform(1ms, 9ms)\",2",
            "100,5ms,1",
            "100,5ms,2",
        ]
    );
    assert!(all.iter().all(|r| r.ends_with(",true,")));

    // The shards are contiguous blocks of the runs, and only the first has
    // the header, so their files concatenated in order are the whole file,
    // byte for byte; with more shards than runs, some shards are empty.
    for count in [3, 11] {
        let mut joined = Vec::new();
        for index in 1..=count {
            let name = format!("s{index}-of-{count}.csv");
            sweep(&csv(&name), &["--shard", &format!("{index}/{count}")]);
            let shard = std::fs::read(csv(&name)).unwrap();
            assert_eq!(shard.starts_with(b"client.users.rate,"), index == 1);
            joined.extend(shard);
        }
        assert_eq!(String::from_utf8(joined).unwrap(), text, "{count} shards");
    }
    let three: Vec<usize> = (1..=3)
        .map(|k| {
            std::fs::read_to_string(csv(&format!("s{k}-of-3.csv")))
                .unwrap()
                .lines()
                .count()
        })
        .collect();
    // 8 runs over 3 shards: [0, 2), [2, 5), [5, 8), plus the header in the first.
    assert_eq!(three, [3, 3, 3]);
}

#[test]
fn sweep_summarizes_each_point_and_exits_1_when_runs_fail() {
    let dir = TempDir::new().unwrap();
    let f = file(
        &dir,
        "tiny.toml",
        &tiny_expecting(r#"["p99(users) < 20ms"]"#),
    );
    let (out, summary) = (dir.path().join("g.csv"), dir.path().join("s.csv"));
    let o = dsim(&[
        "sweep",
        &f,
        "--param",
        "service.api.service_time=1ms,exp(20ms)",
        "--seeds",
        "1..=4",
        "--out",
        out.to_str().unwrap(),
        "--summary",
        summary.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1, "stderr: {}", stderr(&o));
    assert!(
        stdout(&o).contains("4 failed their expectations"),
        "{}",
        stdout(&o)
    );
    let text = std::fs::read_to_string(&summary).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    let header: Vec<&str> = lines[0].split(',').collect();
    assert_eq!(
        header[..6],
        [
            "service.api.service_time",
            "runs",
            "passed",
            "stopped",
            "client.users.requests.mean",
            "client.users.requests.ci95"
        ]
    );
    let cells = |line: &str| line.split(',').map(str::to_string).collect::<Vec<_>>();
    let (fast, slow) = (cells(lines[1]), cells(lines[2]));
    assert_eq!(fast[..4], ["1ms", "4", "1", "0"]);
    assert_eq!(slow[..4], ["exp(20ms)", "4", "0", "0"]);
    // The mean of the rows of the point, and an interval from their spread.
    let requests: Vec<f64> = rows(&out)[..4]
        .iter()
        .map(|r| r.split(',').nth(2).unwrap().parse().unwrap())
        .collect();
    let mean = requests.iter().sum::<f64>() / 4.0;
    assert!((fast[4].parse::<f64>().unwrap() - mean).abs() < 1e-9);
    assert!(fast[5].parse::<f64>().unwrap() > 0.0);
}

#[test]
fn sweep_names_the_param_that_is_wrong() {
    let dir = TempDir::new().unwrap();
    let f = file(&dir, "tiny.toml", TINY);
    let out = dir.path().join("out.csv");
    let o = dsim(&[
        "sweep",
        &f,
        "--param",
        "service.api.wrokers=2",
        "--seeds",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("--param service.api.wrokers: unknown key `wrokers`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn check_runs_every_seed_and_writes_junit() {
    let dir = TempDir::new().unwrap();
    let good = file(&dir, "tiny.toml", TINY);
    let bad = file(
        &dir,
        "strict.toml",
        &tiny_expecting(r#"["p99(users) < 5ms"]"#),
    );
    let xml = dir.path().join("junit.xml");
    let o = dsim(&[
        "check",
        &good,
        &bad,
        "--seeds",
        "1..4",
        "--junit",
        xml.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1, "stderr: {}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("PASS  success_rate(users) >= 0.99  (3/3 seeds)"),
        "{out}"
    );
    assert!(
        out.contains("FAIL  p99(users) < 5ms  (0/3 seeds; fails with seeds 1, 2, 3)"),
        "{out}"
    );
    assert!(out.contains("reproduce: dsim run"), "{out}");
    // The XML, read back by an XML parser: one case per file and seed.
    let text = std::fs::read_to_string(&xml).unwrap();
    let mut reader = quick_xml::Reader::from_str(&text);
    let (mut cases, mut failures) = (Vec::new(), 0);
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Start(e) if e.name().as_ref() == "testcase" => {
                let name = e.try_get_attribute("name").unwrap().unwrap();
                cases.push(
                    name.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                        .unwrap()
                        .to_string(),
                );
            }
            quick_xml::events::Event::Start(e) if e.name().as_ref() == "failure" => failures += 1,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    let name = |f: &str, s: u64| format!("{f} seed {s}");
    let want: Vec<String> = (1..4)
        .map(|s| name(&good, s))
        .chain((1..4).map(|s| name(&bad, s)))
        .collect();
    assert_eq!(cases, want);
    assert_eq!(failures, 3);
    assert!(text.contains("failures=\"3\""), "{text}");
    assert!(text.contains("p99(users) &lt; 5ms  (observed "), "{text}");
}

#[test]
fn show_prints_the_notes_then_the_text() {
    let o = dsim(&["show", "saga-checkout"]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let out = stdout(&o);
    let builtin = include_str!("../../scenarios/saga-checkout.toml");
    let (notes, text) = out.split_once("prints it alone) ----\n\n").unwrap();
    assert!(notes.starts_with("Saga checkout: compensate in reverse, resume after a crash\n====="));
    assert!(
        notes.contains("1. `inventory.reserve`, undone by `inventory.release`;"),
        "{notes}"
    );
    assert!(notes.lines().all(|l| l.chars().count() <= 78), "{notes}");
    assert_eq!(text, builtin);
    let o = dsim(&["show", "saga-checkout", "--text"]);
    assert_eq!(stdout(&o), builtin);
    assert_eq!(code(&dsim(&["show", "no-such-thing"])), 2);
}

#[test]
fn sweep_rejects_a_bad_value_before_running() {
    let dir = TempDir::new().unwrap();
    let f = file(&dir, "tiny.toml", TINY);
    let out = dir.path().join("out.csv");
    let o = dsim(&[
        "sweep",
        &f,
        "--param",
        "service.api.workers=2,many",
        "--seeds",
        "1..3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
    assert!(!out.exists());
    for bad in ["3..3", "x..4"] {
        let o = dsim(&["sweep", &f, "--seeds", bad, "--out", out.to_str().unwrap()]);
        assert_eq!(code(&o), 2, "{bad}");
    }
}

#[test]
fn plot_writes_one_svg_per_chart() {
    let dir = TempDir::new().unwrap();
    let f = file(&dir, "tiny.toml", TINY);
    let out = dir.path().join("plots");
    let o = dsim(&["plot", &f, "--out", out.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    for chart in [
        "throughput",
        "success_rate",
        "latency",
        "queue",
        "utilization",
    ] {
        let path = out.join(format!("{chart}.svg"));
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.starts_with("<svg"), "{chart}");
        assert!(stdout(&o).contains(&format!("wrote {}\n", path.display())));
    }
}

#[test]
fn trace_nests_each_saga_call_under_its_run() {
    let dir = TempDir::new().unwrap();
    let f = file(&dir, "saga.toml", SAGA);
    let out = dir.path().join("trace.json");
    let o = dsim(&["trace", &f, "--out", out.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let trace: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let begins: Vec<&Value> = trace["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["ph"] == "b" && e["cat"] == "saga")
        .collect();
    let runs = begins.iter().filter(|e| e["name"] == "saga").count();
    let undos = begins
        .iter()
        .filter(|e| e["args"]["direction"] == "compensation")
        .count();
    assert!(
        runs > 100 && undos > 10,
        "{runs} runs, {undos} compensations"
    );
    // The format nests async slices of one id: a run's calls carry its id.
    for e in begins.iter().filter(|e| e["name"] != "saga") {
        let parent = e["args"]["parent"].as_u64().unwrap();
        let root = begins.iter().find(|b| b["args"]["span"] == parent).unwrap();
        assert_eq!(e["id"], root["id"], "{e}");
        assert_eq!(e["pid"], root["pid"], "{e}");
    }
}

#[test]
fn plot_draws_sagas_by_state_when_there_are_sagas() {
    let dir = TempDir::new().unwrap();
    let f = file(&dir, "saga.toml", SAGA);
    let out = dir.path().join("plots");
    let o = dsim(&["plot", &f, "--out", out.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let svg = std::fs::read_to_string(out.join("sagas.svg")).expect("a saga chart");
    for label in [
        "started",
        "completed",
        "compensated",
        "inconsistent",
        "in flight",
    ] {
        assert!(svg.contains(&format!("checkout {label}")), "{label}");
    }
    let plain = dsim(&[
        "plot",
        "queueing-basics",
        "--out",
        dir.path().join("q").to_str().unwrap(),
    ]);
    assert_eq!(code(&plain), 0);
    assert!(!dir.path().join("q/sagas.svg").exists());
}

#[test]
fn chaos_adds_seeded_faults_that_replay_as_a_plain_scenario() {
    let dir = TempDir::new().unwrap();
    let path = file(&dir, "tiny.toml", TINY);
    let chaotic = dsim(&["run", &path, "--chaos", "--seed", "5", "--format", "json"]);
    let summary = json(&chaotic);
    let faults = summary["faults"].as_array().expect("faults listed");
    assert!(!faults.is_empty() && faults.iter().all(|f| f["chaos"] == true));
    let again = dsim(&["run", &path, "--chaos", "--seed", "5", "--format", "json"]);
    assert_eq!(
        stdout(&chaotic),
        stdout(&again),
        "chaos is drawn from the seed"
    );

    let emitted = dsim(&["run", &path, "--chaos", "--seed", "5", "--emit-scenario"]);
    assert_eq!(code(&emitted), 0);
    let replay = file(&dir, "replay.toml", &stdout(&emitted));
    let plain = json(&dsim(&["run", &replay, "--seed", "5", "--format", "json"]));
    let mut expected = summary.clone();
    for f in expected["faults"].as_array_mut().unwrap() {
        f["chaos"] = Value::Bool(false);
    }
    assert_eq!(
        plain, expected,
        "the replay is the same run, its faults now written"
    );

    let check = dsim(&["check", &path, "--chaos", "--seed", "5"]);
    assert!(code(&check) == 0 || stdout(&check).contains("--chaos"));
    let misuse = dsim(&["run", &path, "--emit-scenario"]);
    assert_eq!(code(&misuse), 2, "--emit-scenario needs --chaos");
}

#[test]
fn plot_draws_breakers_and_shades_fault_windows() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("charts");
    let o = dsim(&["plot", "circuit-breaker", "--out", out.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let svg = std::fs::read_to_string(out.join("breakers.svg")).expect("a breaker chart");
    assert!(svg.contains("checkout-&gt;payments") || svg.contains("checkout->payments"));
    let throughput = std::fs::read_to_string(out.join("throughput.svg")).unwrap();
    let plain = dsim(&[
        "plot",
        "queueing-basics",
        "--out",
        dir.path().join("q").to_str().unwrap(),
    ]);
    assert_eq!(code(&plain), 0);
    let unshaded = std::fs::read_to_string(dir.path().join("q/throughput.svg")).unwrap();
    assert!(
        throughput.matches("<rect").count() > unshaded.matches("<rect").count(),
        "the crash window is shaded"
    );
    assert!(!dir.path().join("q/breakers.svg").exists());
}

#[test]
fn check_applies_set_to_every_file_and_reproduces_with_it() {
    let o = dsim(&[
        "check",
        "retry-storm",
        "--set",
        "client.users.retry.max_attempts=1",
    ]);
    assert_eq!(code(&o), 1, "the cure breaks the storm's own expectations");
    assert!(stdout(&o).contains(
        "reproduce: dsim run retry-storm --seed 42 --set client.users.retry.max_attempts=1"
    ));
    let bad = dsim(&["check", "retry-storm", "--set", "client.nobody.rate=1"]);
    assert_eq!(code(&bad), 2);
}

#[test]
fn caches_are_in_the_table_the_json_and_the_plots() {
    let table = dsim(&["run", "cache-stampede"]);
    assert_eq!(code(&table), 0, "{}", stderr(&table));
    let text = stdout(&table);
    assert!(text.contains("max concurrent misses"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("pages ")), "{text}");
    let summary = json(&dsim(&["run", "cache-stampede", "--format", "json"]));
    let pages = &summary["caches"]["pages"];
    for key in [
        "hits",
        "misses",
        "hit_ratio",
        "expired",
        "evicted",
        "max_concurrent_misses",
    ] {
        assert!(pages[key].is_number(), "caches.pages.{key}: {pages}");
    }
    let plain = json(&dsim(&["run", "queueing-basics", "--format", "json"]));
    assert!(plain.get("caches").is_none(), "no caches, no key");
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("charts");
    let o = dsim(&["plot", "cold-cache", "--out", out.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    for chart in ["hit_ratio", "cache_fills"] {
        let svg = std::fs::read_to_string(out.join(format!("{chart}.svg"))).unwrap();
        assert!(svg.contains("sessions"), "{chart} names the cache");
    }
    let csv = dir.path().join("sweep.csv");
    let args = [
        "sweep",
        "cache-stampede",
        "--param",
        "cache.pages.single_flight=true",
    ];
    let o = dsim(
        &[
            &args[..],
            &["--seeds", "1..2", "--out", csv.to_str().unwrap()],
        ]
        .concat(),
    );
    // Single flight cures the stampede the built-in expects, so the run
    // fails its expectations: exit 1, the row written all the same.
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let text = std::fs::read_to_string(&csv).unwrap();
    let (header, row) = text.split_once('\n').unwrap();
    let column = header
        .split(',')
        .position(|h| h == "cache.pages.max_concurrent_misses");
    let cell = row.split(',').nth(column.expect("a cache column"));
    assert_eq!(cell, Some("1"), "{text}");
}

#[test]
fn compare_pairs_seeds_and_finds_no_difference_between_equals() {
    let dir = TempDir::new().unwrap();
    let f = file(&dir, "tiny.toml", TINY);
    let o = dsim(&[
        "compare",
        &f,
        "--a",
        "service.api.workers=4",
        "--b",
        "service.api.workers=4",
        "--seeds",
        "1..4",
    ]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let out = stdout(&o);
    let rows: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("client.") || l.starts_with("service."))
        .collect();
    assert_eq!(rows.len(), 9, "{out}");
    for row in rows {
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cells[3..], ["0", "0"], "{row}");
    }
    // One worker instead of four: the utilization difference is real.
    let o = dsim(&[
        "compare",
        &f,
        "--a",
        "service.api.workers=4",
        "--b",
        "service.api.workers=1",
        "--seeds",
        "1..4",
    ]);
    let out = stdout(&o);
    let util = out
        .lines()
        .find(|l| l.starts_with("service.api.utilization"))
        .unwrap();
    assert!(util.ends_with('*'), "{util}");
    let o = dsim(&["compare", &f, "--b", "service.api.wrokers=1"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("--b service.api.wrokers: unknown key"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn graph_describes_every_built_in_for_graphviz_and_mermaid() {
    // CI installs Graphviz: there, `dot` must accept every description.
    let dot = std::process::Command::new("dot").arg("-V").output().is_ok();
    assert!(
        dot || std::env::var("CI").is_err(),
        "CI must have Graphviz's `dot`"
    );
    for b in sim_core::library::BUILTIN {
        let o = dsim(&["graph", b.name]);
        assert_eq!(code(&o), 0, "{}: {}", b.name, stderr(&o));
        let text = stdout(&o);
        assert!(
            text.starts_with("digraph \"") && text.ends_with("}\n"),
            "{}",
            b.name
        );
        if dot {
            use std::io::Write;
            let mut child = std::process::Command::new("dot")
                .arg("-Tsvg")
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}: {}",
                b.name,
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(String::from_utf8_lossy(&out.stdout).contains("<svg"));
        }
        let o = dsim(&["graph", b.name, "--format", "mermaid"]);
        assert!(stdout(&o).contains("\nflowchart LR\n"), "{}", b.name);
    }
}

#[test]
fn the_table_shows_the_timeseries_as_sparklines() {
    let dir = TempDir::new().unwrap();
    let f = file(&dir, "tiny.toml", TINY);
    let o = dsim(&["run", &f, "--timeseries", "1s"]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("timeseries: 10 windows of 1s, one per cell"),
        "{out}"
    );
    // The time axis starts where the sparklines do: one cell per window.
    let axis = out
        .lines()
        .find(|l| l.trim_start().starts_with("0s"))
        .unwrap();
    let column = axis.chars().take_while(|c| *c == ' ').count();
    let bars = |name: &str| -> String {
        let line = out
            .lines()
            .find(|l| l.contains(&format!("{name} ")))
            .unwrap();
        line.chars().skip(column).collect()
    };
    for series in ["requests/s", "goodput/s", "attempts/s", "p99 ms      max"] {
        assert_eq!(
            bars(series).chars().count(),
            10,
            "{series}: `{}`",
            bars(series)
        );
    }
    // 100 requests a second, all answered at once: requests, goodput and
    // attempts are as tall.
    assert_eq!(bars("requests/s"), bars("goodput/s"));
    assert_eq!(bars("requests/s"), bars("attempts/s"));
}

#[test]
fn plot_sweep_draws_one_curve_per_other_parameter() {
    let dir = TempDir::new().unwrap();
    let f = file(&dir, "tiny.toml", TINY);
    let grid = dir.path().join("grid.csv");
    let o = dsim(&[
        "sweep",
        &f,
        "--param",
        "service.api.workers=2,4",
        "--param",
        "client.users.rate=50,100,150",
        "--seeds",
        "1..3",
        "--out",
        grid.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let out = dir.path().join("charts");
    let plot = |x: &str, y: &str| {
        dsim(&[
            "plot",
            "--sweep",
            grid.to_str().unwrap(),
            "--x",
            x,
            "--y",
            y,
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let o = plot("client.users.rate", "client.users.p99_ms");
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let svg = std::fs::read_to_string(out.join("sweep-client.users.p99_ms.svg")).unwrap();
    assert!(svg.contains("service.api.workers=2") && svg.contains("service.api.workers=4"));
    let o = plot("client.users.rate", "client.users.p99");
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("did you mean `client.users.p99_ms`?"),
        "{}",
        stderr(&o)
    );
    let o = plot("client.users.p50_ms", "passed");
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("is a figure, not a parameter"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_table_names_the_busiest_and_quietest_instance_as_the_json_lists_them() {
    let o = dsim(&["run", "hot-key", "--format", "json"]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let store = &json(&o)["services"]["store"];
    let per: Vec<u64> = store["per_instance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["arrivals"].as_u64().unwrap())
        .collect();
    assert_eq!(per.len(), 8);
    assert_eq!(per.iter().sum::<u64>(), store["arrivals"].as_u64().unwrap());
    let busiest = (0..8)
        .max_by_key(|i| (per[*i], std::cmp::Reverse(*i)))
        .unwrap();
    let quietest = (0..8)
        .min_by_key(|i| (per[*i], std::cmp::Reverse(*i)))
        .unwrap();
    let out = stdout(&dsim(&["run", "hot-key"]));
    let line = out
        .lines()
        .find(|l| l.starts_with("  store by instance: "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains(&format!("busiest #{busiest} ")), "{line}");
    assert!(line.contains(&format!("quietest #{quietest} ")), "{line}");
    assert!(line.contains("(util 100.0%, max queue 200)"), "{line}");
    // One instance: nothing to compare.
    let dir = TempDir::new().unwrap();
    let tiny = stdout(&dsim(&["run", &file(&dir, "tiny.toml", TINY)]));
    assert!(!tiny.contains("by instance"), "{tiny}");
}

#[test]
fn plots_are_readable_on_a_projector() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("plots");
    let o = dsim(&["plot", "circuit-breaker", "--out", out.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let svg = std::fs::read_to_string(out.join("throughput.svg")).unwrap();
    // Every text of the chart is 14 px or more.
    let sizes: Vec<f64> = svg
        .split("font-size=\"")
        .skip(1)
        .map(|s| {
            s.split('"')
                .next()
                .unwrap()
                .trim_end_matches("px")
                .parse()
                .unwrap()
        })
        .collect();
    assert!(
        !sizes.is_empty() && sizes.iter().all(|&s| s >= 14.0),
        "{sizes:?}"
    );
    assert!(
        svg.contains("Throughput · Circuit breaker"),
        "the scenario in the title"
    );
    assert!(svg.contains("(seed 7)"), "and its seed");
    assert!(
        svg.contains("fault: crash on payments"),
        "the fault windows in the legend"
    );
    assert!(svg.contains("shoppers attempts") && svg.contains("shoppers degraded"));
    // The same charts as PNG: the signature, then IHDR with 1280 x 720.
    let png = dir.path().join("png");
    let o = dsim(&[
        "plot",
        "circuit-breaker",
        "--out",
        png.to_str().unwrap(),
        "--format",
        "png",
    ]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let bytes = std::fs::read(png.join("throughput.png")).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let dimension = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    assert_eq!(
        (&bytes[12..16], dimension(16), dimension(20)),
        (&b"IHDR"[..], 1280, 720)
    );
    let breakers = std::fs::read_to_string(out.join("breakers.svg")).unwrap();
    for state in ["closed", "half-open", "open"] {
        assert!(breakers.contains(&format!("\n{state}\n</text>")), "{state}");
    }
}
