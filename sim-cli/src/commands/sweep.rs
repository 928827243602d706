//! `dsim sweep`: the grid of parameter values x seeds, run in parallel, one
//! CSV row per run.
//!
//! Runs are numbered in grid order: the first `--param` varies slowest, the
//! seed fastest. Workers take runs in any order, but rows are written in run
//! order, so the file is byte-identical for any `--jobs`. `--shard K/N` runs
//! the K-th contiguous block of the runs, and only share 1 writes the header,
//! so the shares' files, concatenated in order, are the unsharded file byte
//! for byte. `--summary` adds one row per grid point: each figure's mean and
//! 95% confidence interval over the seeds.

use super::{print, Outcome};
use crate::cli::{Param, Shard, SweepArgs};
use crate::figures::figures;
use crate::input::Source;
use crate::simulate;
use crate::stats::Estimate;
use anyhow::Context;
use sim_core::engine::budget::Stop;
use sim_core::report::Report;
use sim_core::scenario::Override;
use sim_core::{RunOptions, Scenario};
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

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
                    flag: "--param",
                    ..Override::set(p.path.clone(), v.clone())
                })
                .collect();
            let scenario = source.load(&overrides)?;
            Ok(Point { values, scenario })
        })
        .collect::<anyhow::Result<Vec<Point>>>()?;

    let seeds = args.seeds.end - args.seeds.start;
    let total = points.len() * usize::try_from(seeds).context("too many seeds")?;
    let runs: Vec<usize> = args.shard.map_or(0..total, |s| s.runs(total)).collect();
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
    if args.shard.is_none_or(Shard::writes_header) {
        writeln!(csv, "{}", header(args, &points[0].scenario)).map_err(write_error)?;
    }

    let mut summary = match &args.summary {
        Some(path) => Some(Summary::create(path, args, &points[0].scenario, seeds)?),
        None => None,
    };
    let bar = simulate::runs_bar(runs.len() as u64);
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, Done)>();
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
                let done = Done {
                    line: row(&point.values, seed, &point.scenario, &result),
                    verdict: match &result {
                        Ok(report) if report.passed() => Verdict::Passed,
                        Ok(_) => Verdict::Failed,
                        Err(_) => Verdict::Stopped,
                    },
                    figures: figures(&point.scenario, result.as_ref().ok())
                        .into_iter()
                        .map(|(_, v)| v)
                        .collect(),
                };
                if tx.send((k, done)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        // Rows arrive in any order; hold them until every earlier row is written.
        let mut pending = BTreeMap::new();
        let mut want = 0;
        for (k, done) in rx {
            pending.insert(k, done);
            while let Some(done) = pending.remove(&want) {
                failed_runs += usize::from(done.verdict == Verdict::Failed);
                stopped_runs += usize::from(done.verdict == Verdict::Stopped);
                let point = runs[want] / seeds as usize;
                let written = writeln!(csv, "{}", done.line).and_then(|()| match &mut summary {
                    Some(sum) => sum.add(&points[point].values, done),
                    None => Ok(()),
                });
                if let Err(e) = written {
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
    if let Some(sum) = summary {
        sum.finish()?;
    }
    print(&format!(
        "sweep: {} runs written to {}, {failed_runs} failed their expectations, {stopped_runs} stopped by a budget\n",
        runs.len(),
        args.out.display()
    ))?;
    Ok(if stopped_runs > 0 {
        Outcome::Stopped
    } else if failed_runs > 0 {
        Outcome::Failed
    } else {
        Outcome::Ok
    })
}

/// A finished run: its CSV line, how it ended, and its figures for the summary.
struct Done {
    line: String,
    verdict: Verdict,
    figures: Vec<Option<f64>>,
}

/// `--summary`: one row per grid point, written when its last seed is, so
/// only one point's runs are held at a time.
struct Summary {
    csv: BufWriter<std::fs::File>,
    path: std::path::PathBuf,
    /// Runs per point: the seeds.
    seeds: u64,
    /// The runs of the current point so far.
    runs: Vec<Done>,
}

impl Summary {
    /// Creates the file and writes the header: the parameter paths, `runs`,
    /// `passed` (the fraction of runs that passed) and `stopped` (runs),
    /// then each figure's `.mean` and `.ci95` (half the width of its 95%
    /// confidence interval over the seeds).
    fn create(
        path: &std::path::Path,
        args: &SweepArgs,
        scenario: &Scenario,
        seeds: u64,
    ) -> anyhow::Result<Summary> {
        let file = std::fs::File::create(path)
            .with_context(|| format!("cannot create `{}`", path.display()))?;
        let mut csv = BufWriter::new(file);
        let mut cells: Vec<String> = args.param.iter().map(|p| p.path.clone()).collect();
        cells.extend(["runs", "passed", "stopped"].map(String::from));
        for (name, _) in figures(scenario, None) {
            cells.push(format!("{name}.mean"));
            cells.push(format!("{name}.ci95"));
        }
        writeln!(csv, "{}", line(&cells))
            .with_context(|| format!("cannot write `{}`", path.display()))?;
        Ok(Summary {
            csv,
            path: path.to_path_buf(),
            seeds,
            runs: Vec::new(),
        })
    }

    /// Adds a run of the point with parameter `values`; writes the point's
    /// row after its last seed.
    fn add(&mut self, values: &[String], done: Done) -> std::io::Result<()> {
        self.runs.push(done);
        if self.runs.len() as u64 != self.seeds {
            return Ok(());
        }
        let runs = std::mem::take(&mut self.runs);
        let finished = || runs.iter().filter(|r| r.verdict != Verdict::Stopped);
        let count = finished().count();
        let passed = finished().filter(|r| r.verdict == Verdict::Passed).count();
        let mut cells: Vec<String> = values.to_vec();
        cells.push(runs.len().to_string());
        cells.push(if count == 0 {
            String::new()
        } else {
            (passed as f64 / count as f64).to_string()
        });
        cells.push((runs.len() - count).to_string());
        for i in 0..runs[0].figures.len() {
            let values: Vec<f64> = runs.iter().filter_map(|r| r.figures[i]).collect();
            let e = Estimate::of(&values);
            let show = |x: Option<f64>| {
                x.filter(|x| x.is_finite())
                    .map_or_else(String::new, |x| x.to_string())
            };
            cells.push(show((e.n > 0).then_some(e.mean)));
            cells.push(show(e.half_width));
        }
        writeln!(self.csv, "{}", line(&cells))
    }

    /// Flushes the file.
    fn finish(mut self) -> anyhow::Result<()> {
        self.csv
            .flush()
            .with_context(|| format!("cannot write `{}`", self.path.display()))
    }
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

/// The column names: the parameter paths, `seed`, the figures of every
/// client, service, queue and saga in the scenario's order, then `passed`
/// and `stopped` (why a budget stopped the run; its figures are then empty).
fn header(args: &SweepArgs, scenario: &Scenario) -> String {
    let mut cells: Vec<String> = args.param.iter().map(|p| p.path.clone()).collect();
    cells.push("seed".into());
    cells.extend(figures(scenario, None).into_iter().map(|(name, _)| name));
    cells.push("passed".into());
    cells.push("stopped".into());
    line(&cells)
}

/// One run's row, matching [`header`]. Floats print in Rust's shortest
/// round-trip form, which is the same on every machine.
fn row(values: &[String], seed: u64, scenario: &Scenario, result: &Result<Report, Stop>) -> String {
    let mut cells: Vec<String> = values.to_vec();
    cells.push(seed.to_string());
    let report = result.as_ref().ok();
    cells.extend(
        figures(scenario, report)
            .into_iter()
            .map(|(_, v)| v.map_or_else(String::new, |v| v.to_string())),
    );
    match result {
        Ok(report) => cells.extend([report.passed().to_string(), String::new()]),
        Err(stop) => cells.extend([String::new(), stop.message.clone()]),
    }
    line(&cells)
}

/// Cells as one CSV line.
fn line(cells: &[String]) -> String {
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
