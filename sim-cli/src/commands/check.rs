//! `dsim check`: run scenarios and judge their `expect` lines.

use super::{print, shell_word, Outcome};
use crate::cli::CheckArgs;
use crate::{input, simulate, summary};
use sim_core::text::escape;
use sim_core::RunOptions;

/// Runs each file and prints one line per expectation; a file that fails
/// gets the command that reproduces it. Ends with `check: N passed, M failed`
/// over all expectations. A bad file is reported and the others still run.
pub fn check(args: &CheckArgs) -> anyhow::Result<Outcome> {
    let (mut passed, mut failed, mut bad, mut stopped) = (0usize, 0usize, 0usize, 0usize);
    for file in &args.files {
        let scenario = match input::load(file, &args.set.set) {
            Ok(scenario) => input::with_chaos(scenario, args.chaos.chaos, args.seed.seed),
            Err(e) => {
                crate::report_error(&e);
                bad += 1;
                continue;
            }
        };
        let seed = args.seed.seed.unwrap_or(scenario.seed);
        let options = RunOptions {
            seed: Some(seed),
            budget: args.budget.budget(),
            ..RunOptions::default()
        };
        let mut out = format!("{} (seed {seed})\n", escape(file));
        let report = match simulate::run(&scenario, &options) {
            Ok(report) => report,
            Err(stop) => {
                stopped += 1;
                print(&out)?;
                super::eprint(&stop.to_string());
                continue;
            }
        };
        if report.expectations.is_empty() {
            out.push_str("  no expectations: ran to the end\n");
        }
        for e in &report.expectations {
            out.push_str(&summary::expectation(e));
            out.push('\n');
            if e.passed {
                passed += 1;
            } else {
                failed += 1;
            }
        }
        if !report.passed() {
            let chaos = if args.chaos.chaos { " --chaos" } else { "" };
            let sets: String = args
                .set
                .set
                .iter()
                .map(|s| format!(" --set {}", shell_word(s)))
                .collect();
            out.push_str(&format!(
                "  reproduce: dsim run {} --seed {seed}{sets}{chaos}\n",
                shell_word(file)
            ));
        }
        print(&out)?;
    }
    if bad > 0 {
        let files = if bad == 1 { "file" } else { "files" };
        print(&format!("{bad} {files} could not be checked\n"))?;
    }
    if stopped > 0 {
        let runs = if stopped == 1 { "run was" } else { "runs were" };
        print(&format!("{stopped} {runs} stopped by a budget\n"))?;
    }
    print(&format!("check: {passed} passed, {failed} failed\n"))?;
    Ok(if bad > 0 {
        Outcome::BadInput
    } else if stopped > 0 {
        Outcome::Stopped
    } else if failed > 0 {
        Outcome::Failed
    } else {
        Outcome::Ok
    })
}
