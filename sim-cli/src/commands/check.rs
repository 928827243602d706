//! `dsim check`: run scenarios and judge their `expect` lines, for one seed
//! or every seed of `--seeds`, and with `--junit` as CI systems read them.

use super::{junit, print, shell_word, Outcome};
use crate::cli::CheckArgs;
use crate::{input, simulate, summary};
use sim_core::report::ExpectationResult;
use sim_core::text::escape;
use sim_core::RunOptions;

/// How one run of one file ended.
pub enum Verdict {
    /// It ran to the end: its expectations, judged.
    Judged(Vec<ExpectationResult>),
    /// A budget stopped it: why.
    Stopped(String),
}

/// One file's runs, seed by seed (none when the file is bad: `bad` says why).
pub struct FileResult {
    pub file: String,
    pub bad: Option<String>,
    pub runs: Vec<(u64, Verdict)>,
}

/// Runs each file for each seed and prints its expectations; a file that
/// fails gets the command that reproduces it. Ends with `check: N passed, M
/// failed` over all expectations and seeds. A bad file is reported and the
/// others still run.
pub fn check(args: &CheckArgs) -> anyhow::Result<Outcome> {
    let mut results = Vec::new();
    for file in &args.files {
        let result = check_file(args, file)?;
        results.push(result);
    }
    if let Some(path) = &args.junit {
        junit::write(path, &results)?;
    }
    let count = |f: &dyn Fn(&FileResult) -> usize| results.iter().map(f).sum::<usize>();
    let bad = count(&|r| usize::from(r.bad.is_some()));
    let stopped = count(&|r| {
        r.runs
            .iter()
            .filter(|(_, v)| matches!(v, Verdict::Stopped(_)))
            .count()
    });
    let judged = |r: &FileResult, passed: bool| {
        r.runs
            .iter()
            .map(|(_, v)| match v {
                Verdict::Judged(es) => es.iter().filter(|e| e.passed == passed).count(),
                Verdict::Stopped(_) => 0,
            })
            .sum::<usize>()
    };
    let (passed, failed) = (count(&|r| judged(r, true)), count(&|r| judged(r, false)));
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

/// Loads `file`, runs it for each seed and prints what its expectations did.
fn check_file(args: &CheckArgs, file: &str) -> anyhow::Result<FileResult> {
    let mut result = FileResult {
        file: file.to_string(),
        bad: None,
        runs: Vec::new(),
    };
    let scenario = match input::load(file, &args.set.set) {
        Ok(scenario) => scenario,
        Err(e) => {
            crate::report_error(&e);
            result.bad = Some(format!("{e:#}"));
            return Ok(result);
        }
    };
    let seeds: Vec<u64> = match args.seeds {
        Some(s) => (s.start..s.end).collect(),
        None => vec![args.seed.seed.unwrap_or(scenario.seed)],
    };
    for &seed in &seeds {
        let scenario = input::with_chaos(scenario.clone(), args.chaos.chaos, Some(seed));
        let options = RunOptions {
            seed: Some(seed),
            budget: args.budget.budget(),
            ..RunOptions::default()
        };
        let verdict = match simulate::run(&scenario, &options) {
            Ok(report) => Verdict::Judged(report.expectations),
            Err(stop) => {
                super::eprint(&stop.to_string());
                Verdict::Stopped(stop.to_string())
            }
        };
        if seeds.len() == 1 {
            print(&one_seed(args, file, seed, &verdict))?;
        }
        result.runs.push((seed, verdict));
    }
    if seeds.len() > 1 {
        print(&many_seeds(args, &result))?;
    }
    Ok(result)
}

/// The lines of a file checked with one seed: every expectation with its
/// observed value, and the command that reproduces a failure.
fn one_seed(args: &CheckArgs, file: &str, seed: u64, verdict: &Verdict) -> String {
    let mut out = format!("{} (seed {seed})\n", escape(file));
    let Verdict::Judged(expectations) = verdict else {
        return out;
    };
    if expectations.is_empty() {
        out.push_str("  no expectations: ran to the end\n");
    }
    for e in expectations {
        out.push_str(&summary::expectation(e));
        out.push('\n');
    }
    if expectations.iter().any(|e| !e.passed) {
        out.push_str(&reproduce(args, file, seed));
    }
    out
}

/// The lines of a file checked with several seeds: per expectation, the
/// seeds it held for and those it failed for; then the command that
/// reproduces the first failure.
fn many_seeds(args: &CheckArgs, r: &FileResult) -> String {
    let first = r.runs.first().map_or(0, |(s, _)| *s);
    let last = r.runs.last().map_or(0, |(s, _)| *s);
    let mut out = format!(
        "{} (seeds {first}..={last}, {} runs)\n",
        escape(&r.file),
        r.runs.len()
    );
    let judged: Vec<(u64, &Vec<ExpectationResult>)> = r
        .runs
        .iter()
        .filter_map(|(s, v)| match v {
            Verdict::Judged(es) => Some((*s, es)),
            Verdict::Stopped(_) => None,
        })
        .collect();
    let stopped: Vec<String> = r
        .runs
        .iter()
        .filter(|(_, v)| matches!(v, Verdict::Stopped(_)))
        .map(|(s, _)| s.to_string())
        .collect();
    if !stopped.is_empty() {
        out.push_str(&format!(
            "  stopped by a budget: seeds {}\n",
            stopped.join(", ")
        ));
    }
    let lines = judged.first().map_or(0, |(_, es)| es.len());
    if lines == 0 && !judged.is_empty() {
        out.push_str("  no expectations: ran to the end\n");
    }
    let mut first_failure = None;
    for i in 0..lines {
        let failing: Vec<u64> = judged
            .iter()
            .filter(|(_, es)| !es[i].passed)
            .map(|(s, _)| *s)
            .collect();
        let text = escape(&judged[0].1[i].expect);
        let held = judged.len() - failing.len();
        if failing.is_empty() {
            out.push_str(&format!(
                "  PASS  {text}  ({held}/{} seeds)\n",
                judged.len()
            ));
        } else {
            first_failure = Some(first_failure.map_or(failing[0], |f: u64| f.min(failing[0])));
            let seeds: Vec<String> = failing.iter().map(u64::to_string).collect();
            out.push_str(&format!(
                "  FAIL  {text}  ({held}/{} seeds; fails with seeds {})\n",
                judged.len(),
                seeds.join(", ")
            ));
        }
    }
    if let Some(seed) = first_failure {
        out.push_str(&reproduce(args, &r.file, seed));
    }
    out
}

/// `  reproduce: dsim run FILE --seed N ...` for a failing run.
fn reproduce(args: &CheckArgs, file: &str, seed: u64) -> String {
    let chaos = if args.chaos.chaos { " --chaos" } else { "" };
    let sets: String = args
        .set
        .set
        .iter()
        .map(|s| format!(" --set {}", shell_word(s)))
        .collect();
    format!(
        "  reproduce: dsim run {} --seed {seed}{sets}{chaos}\n",
        shell_word(file)
    )
}
