//! `dsim run`: one scenario, one summary.

use super::{print, Outcome};
use crate::cli::{Format, RunArgs};
use crate::{input, simulate, summary};
use anyhow::Context;
use sim_core::RunOptions;

/// Runs the scenario and prints its summary as a table or as the contract's
/// JSON; with `--out`, also writes `summary.json` there. An expectation that
/// fails makes the exit code 1, as for `dsim check`.
pub fn run(args: &RunArgs) -> anyhow::Result<Outcome> {
    let source = input::Source::resolve(&args.file)?;
    let plain = source.load(&input::overrides(&args.set.set)?)?;
    let seed = args.seed.seed;
    let scenario = input::with_chaos(plain.clone(), args.chaos.chaos, seed);
    if args.emit_scenario {
        let drawn = &scenario.faults[plain.faults.len()..];
        let seed = seed.unwrap_or(plain.seed);
        let sets = super::set_flags(&args.set.set);
        print(&format!(
            "{}\n\n# Faults drawn by --chaos from seed {seed}: replay with\n# dsim run FILE --seed {seed}{sets}\n{}",
            source.text.trim_end(),
            sim_core::chaos::to_toml(&plain, drawn)
        ))?;
        return Ok(Outcome::Ok);
    }
    // Create the output directory before the run, so a bad --out fails fast.
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create directory `{}`", dir.display()))?;
    }
    let options = RunOptions {
        seed: args.seed.seed,
        timeseries: args.timeseries,
        budget: args.budget.budget(),
    };
    options
        .check(&scenario)
        .map_err(|e| anyhow::anyhow!("--timeseries: {e}"))?;
    let report = simulate::run(&scenario, &options)?;
    let json = report.to_json();
    if let Some(dir) = &args.out {
        let path = dir.join("summary.json");
        std::fs::write(&path, &json)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    match args.format {
        Format::Table => print(&summary::render(&report))?,
        Format::Json => print(&json)?,
    }
    Ok(if report.passed() {
        Outcome::Ok
    } else {
        Outcome::Failed
    })
}
