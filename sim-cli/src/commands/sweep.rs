//! `dsim sweep`: the grid of parameter values x seeds, run in parallel, one
//! CSV row per run.
//!
//! Runs are numbered in grid order: the first `--param` varies slowest, the
//! seed fastest. Workers take runs in any order, but rows are written in run
//! order, so the file is byte-identical for any `--jobs`.

use super::{print, Outcome};
use crate::cli::{Param, SweepArgs};
use crate::input::Source;
use crate::simulate;
use anyhow::Context;
use sim_core::engine::budget::Stop;
use sim_core::report::Report;
use sim_core::scenario::Override;
use sim_core::{RunOptions, Scenario};
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// Metrics written for each client, after the `client.NAME.` prefix.
const CLIENT_COLUMNS: &[&str] = &[
    "requests",
    "succeeded",
    "failed",
    "success_rate",
    "p50_ms",
    "p99_ms",
];

/// Metrics written for each service, after the `service.NAME.` prefix.
const SERVICE_COLUMNS: &[&str] = &["utilization", "max_queue"];

/// Metrics written for each cache, after the `cache.NAME.` prefix.
const CACHE_COLUMNS: &[&str] = &["hit_ratio", "max_concurrent_misses"];

/// One point of the grid: a value for each `--param`, and the scenario they give.
struct Point {
    values: Vec<String>,
    scenario: Scenario,
}

/// Loads every point of the grid first, so that a bad value stops the sweep
/// before any run; then runs the selected runs and writes the CSV.
pub fn sweep(args: &SweepArgs) -> anyhow::Result<Outcome> {
    let source = Source::resolve(&args.file)?;
    let points = grid(&args.param)
        .into_iter()
        .map(|values| {
            let overrides: Vec<Override> = args
                .param
                .iter()
                .zip(&values)
                .map(|(p, v)| Override {
                    path: p.path.clone(),
                    value: v.clone(),
                })
                .collect();
            let scenario = source.load(&overrides)?;
            Ok(Point { values, scenario })
        })
        .collect::<anyhow::Result<Vec<Point>>>()?;

    let seeds = args.seeds.end - args.seeds.start;
    let total = points.len() * usize::try_from(seeds).context("too many seeds")?;
    let runs: Vec<usize> = (0..total)
        .filter(|&i| args.shard.is_none_or(|s| s.owns(i)))
        .collect();
    let jobs = args
        .jobs
        .map_or_else(
            || std::thread::available_parallelism().map_or(1, |n| n.get()),
            |j| j as usize,
        )
        .min(runs.len())
        .max(1);

    let file = std::fs::File::create(&args.out)
        .with_context(|| format!("cannot create `{}`", args.out.display()))?;
    let mut csv = BufWriter::new(file);
    let write_error = |e: std::io::Error| {
        anyhow::Error::new(e).context(format!("cannot write `{}`", args.out.display()))
    };
    writeln!(csv, "{}", header(args, &points[0].scenario)).map_err(write_error)?;

    let bar = simulate::runs_bar(runs.len() as u64);
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, String, Verdict)>();
    let (mut failed_runs, mut stopped_runs) = (0usize, 0usize);
    let written: Result<(), std::io::Error> = std::thread::scope(|scope| {
        for _ in 0..jobs {
            let tx = tx.clone();
            let (next, runs, points) = (&next, &runs, &points);
            scope.spawn(move || loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some(&run) = runs.get(k) else { break };
                let point = &points[run / seeds as usize];
                let seed = args.seeds.start + (run % seeds as usize) as u64;
                let options = RunOptions {
                    seed: Some(seed),
                    budget: args.budget.budget(),
                    ..RunOptions::default()
                };
                let result = sim_core::run(&point.scenario, &options);
                let line = row(&point.values, seed, &point.scenario, &result);
                let verdict = match &result {
                    Ok(report) if report.passed() => Verdict::Passed,
                    Ok(_) => Verdict::Failed,
                    Err(_) => Verdict::Stopped,
                };
                if tx.send((k, line, verdict)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        // Rows arrive in any order; hold them until every earlier row is written.
        let mut pending = BTreeMap::new();
        let mut want = 0;
        for (k, line, verdict) in rx {
            pending.insert(k, (line, verdict));
            while let Some((line, verdict)) = pending.remove(&want) {
                failed_runs += usize::from(verdict == Verdict::Failed);
                stopped_runs += usize::from(verdict == Verdict::Stopped);
                if let Err(e) = writeln!(csv, "{line}") {
                    // Stop the workers: nothing more can be written.
                    next.store(runs.len(), Ordering::Relaxed);
                    return Err(e);
                }
                want += 1;
                bar.inc(1);
            }
        }
        Ok(())
    });
    bar.finish_and_clear();
    written.and_then(|()| csv.flush()).map_err(write_error)?;
    print(&format!(
        "sweep: {} runs written to {}, {failed_runs} failed their expectations, {stopped_runs} stopped by a budget\n",
        runs.len(),
        args.out.display()
    ))?;
    Ok(if stopped_runs > 0 {
        Outcome::Stopped
    } else {
        Outcome::Ok
    })
}

/// How one run of the grid ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    Passed,
    Failed,
    Stopped,
}

/// Every combination of parameter values, the first parameter varying slowest.
/// No parameter gives one empty combination: the scenario as written.
fn grid(params: &[Param]) -> Vec<Vec<String>> {
    params.iter().fold(vec![Vec::new()], |combos, p| {
        combos
            .iter()
            .flat_map(|c| {
                p.values.iter().map(move |v| {
                    let mut c = c.clone();
                    c.push(v.clone());
                    c
                })
            })
            .collect()
    })
}

/// The column names: the parameter paths, `seed`, per-client and per-service
/// metrics in the scenario's order, then `passed` and `stopped` (why a
/// budget stopped the run; its metrics are then empty).
fn header(args: &SweepArgs, scenario: &Scenario) -> String {
    let mut cells: Vec<String> = args.param.iter().map(|p| p.path.clone()).collect();
    cells.push("seed".into());
    for c in &scenario.clients {
        cells.extend(
            CLIENT_COLUMNS
                .iter()
                .map(|m| format!("client.{}.{m}", c.name)),
        );
    }
    for s in &scenario.services {
        cells.extend(
            SERVICE_COLUMNS
                .iter()
                .map(|m| format!("service.{}.{m}", s.name)),
        );
    }
    for c in &scenario.caches {
        cells.extend(
            CACHE_COLUMNS
                .iter()
                .map(|m| format!("cache.{}.{m}", c.name)),
        );
    }
    cells.push("passed".into());
    cells.push("stopped".into());
    cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(",")
}

/// One run's row, matching [`header`]. Floats print in Rust's shortest
/// round-trip form, which is the same on every machine.
fn row(values: &[String], seed: u64, scenario: &Scenario, result: &Result<Report, Stop>) -> String {
    let mut cells: Vec<String> = values.to_vec();
    cells.push(seed.to_string());
    let report = match result {
        Ok(report) => report,
        Err(stop) => {
            let metrics = scenario.clients.len() * CLIENT_COLUMNS.len()
                + scenario.services.len() * SERVICE_COLUMNS.len()
                + scenario.caches.len() * CACHE_COLUMNS.len();
            cells.extend(std::iter::repeat_n(String::new(), metrics + 1));
            cells.push(stop.message.clone());
            return cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(",");
        }
    };
    for c in &scenario.clients {
        match report.clients.get(&c.name) {
            Some(r) => cells.extend([
                r.requests.to_string(),
                r.succeeded.to_string(),
                r.failed.to_string(),
                r.success_rate.to_string(),
                r.latency_ms.p50.to_string(),
                r.latency_ms.p99.to_string(),
            ]),
            None => cells.extend(CLIENT_COLUMNS.iter().map(|_| String::new())),
        }
    }
    for s in &scenario.services {
        match report.services.get(&s.name) {
            Some(r) => cells.extend([r.utilization.to_string(), r.max_queue.to_string()]),
            None => cells.extend(SERVICE_COLUMNS.iter().map(|_| String::new())),
        }
    }
    for c in &scenario.caches {
        match report.caches.get(&c.name) {
            Some(r) => cells.extend([r.hit_ratio.to_string(), r.max_concurrent_misses.to_string()]),
            None => cells.extend(CACHE_COLUMNS.iter().map(|_| String::new())),
        }
    }
    cells.push(report.passed().to_string());
    cells.push(String::new());
    cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(",")
}

/// A CSV field, quoted (RFC 4180) when it holds a comma, a quote or a line break.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_varies_the_first_parameter_slowest() {
        let p = |path: &str, values: &[&str]| Param {
            path: path.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        };
        let g = grid(&[p("a", &["1", "2"]), p("b", &["x", "y", "z"])]);
        let flat: Vec<String> = g.iter().map(|c| c.join("")).collect();
        assert_eq!(flat, ["1x", "1y", "1z", "2x", "2y", "2z"]);
        assert_eq!(grid(&[]), vec![Vec::<String>::new()]);
    }

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(field("200"), "200");
        assert_eq!(field("uniform(1ms, 9ms)"), "\"uniform(1ms, 9ms)\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
