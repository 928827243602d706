//! `dsim compare`: one workload under two settings, A and B, with common
//! random numbers — each seed runs both, and every random stream of the
//! run is the same in both except where the settings change what is drawn
//! — so the differences are the settings', not the dice's. Over several
//! seeds the differences are paired per seed, and each gets a 95%
//! confidence interval; a `*` marks those the seeds cannot explain.

use super::{print, Outcome};
use crate::cli::CompareArgs;
use crate::figures::figures;
use crate::input::Source;
use crate::stats::Estimate;
use crate::table::Table;
use sim_core::scenario::{parse_override, Override};
use sim_core::text::escape;
use sim_core::{RunOptions, Scenario};

/// The figures of one seed's runs of A and of B.
type Pair = (Vec<Option<f64>>, Vec<Option<f64>>);

/// Runs A and B for every seed and prints one row per figure.
pub fn compare(args: &CompareArgs) -> anyhow::Result<Outcome> {
    let source = Source::resolve(&args.file)?;
    let a = source.load(&overrides(&args.set.set, &args.a, "--a")?)?;
    let b = source.load(&overrides(&args.set.set, &args.b, "--b")?)?;
    let seeds: Vec<u64> = match args.seeds {
        Some(s) => (s.start..s.end).collect(),
        None => vec![args.seed.seed.unwrap_or(a.seed)],
    };
    let mut runs: Vec<Pair> = Vec::new();
    for &seed in &seeds {
        let (Some(ra), Some(rb)) = (run(&a, seed, args)?, run(&b, seed, args)?) else {
            return Ok(Outcome::Stopped);
        };
        runs.push((ra, rb));
    }
    let names: Vec<String> = figures(&a, None).into_iter().map(|(n, _)| n).collect();
    let mut out = format!(
        "{}: A = {}, B = {}; ",
        escape(&a.name),
        settings(&args.a),
        settings(&args.b)
    );
    let table = if seeds.len() == 1 {
        out.push_str(&format!("seed {}\n\n", seeds[0]));
        one_seed(&names, &runs[0])
    } else {
        out.push_str(&format!(
            "seeds {}..={}, differences B - A paired by seed, 95% confidence intervals; * the seeds cannot explain it\n\n",
            seeds[0],
            seeds[seeds.len() - 1]
        ));
        many_seeds(&names, &runs)
    };
    out.push_str(&table.render(0));
    print(&out)?;
    Ok(Outcome::Ok)
}

/// `--set` for both, then the side's own overrides, named by their flag.
fn overrides(
    common: &[String],
    side: &[String],
    flag: &'static str,
) -> anyhow::Result<Vec<Override>> {
    let mut all = Vec::new();
    for s in common {
        all.push(parse_override(s).map_err(anyhow::Error::msg)?);
    }
    for s in side {
        let o = parse_override(s).map_err(|e| anyhow::anyhow!("{flag}: {e}"))?;
        all.push(Override { flag, ..o });
    }
    Ok(all)
}

/// How a side's settings are shown: `client.users.retry.max_attempts=1`, or
/// `as written`.
fn settings(side: &[String]) -> String {
    if side.is_empty() {
        "as written".to_string()
    } else {
        side.iter()
            .map(|s| escape(s).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The figures of one run, or `None` (the reason printed) when a budget
/// stopped it.
fn run(sc: &Scenario, seed: u64, args: &CompareArgs) -> anyhow::Result<Option<Vec<Option<f64>>>> {
    let options = RunOptions {
        seed: Some(seed),
        budget: args.budget.budget(),
        ..RunOptions::default()
    };
    match crate::simulate::run(sc, &options) {
        Ok(report) => Ok(Some(
            figures(sc, Some(&report))
                .into_iter()
                .map(|(_, v)| v)
                .collect(),
        )),
        Err(stop) => {
            super::eprint(&stop.to_string());
            Ok(None)
        }
    }
}

/// A figure for a table cell: 4 decimals at most, `-` for none.
fn cell(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_string(), |x| crate::number::trimmed(x, 4))
}

/// One seed: A, B and B - A.
fn one_seed(names: &[String], (a, b): &Pair) -> Table {
    let mut t = Table::new(&["figure", "A", "B", "B - A"]);
    for (i, name) in names.iter().enumerate() {
        let diff = a[i].zip(b[i]).map(|(a, b)| b - a);
        t.row(vec![
            escape(name).into_owned(),
            cell(a[i]),
            cell(b[i]),
            cell(diff),
        ]);
    }
    t
}

/// Several seeds: the means of A and B, and the mean paired difference
/// with its 95% interval.
fn many_seeds(names: &[String], runs: &[Pair]) -> Table {
    let mut t = Table::new(&["figure", "A mean", "B mean", "B - A", "± 95%", ""]);
    for (i, name) in names.iter().enumerate() {
        let a: Vec<f64> = runs.iter().filter_map(|(a, _)| a[i]).collect();
        let b: Vec<f64> = runs.iter().filter_map(|(_, b)| b[i]).collect();
        let d: Vec<f64> = runs
            .iter()
            .filter_map(|(a, b)| a[i].zip(b[i]).map(|(a, b)| b - a))
            .collect();
        let diff = Estimate::of(&d);
        let mean = |v: &[f64]| (!v.is_empty()).then(|| Estimate::of(v).mean);
        t.row(vec![
            escape(name).into_owned(),
            cell(mean(&a)),
            cell(mean(&b)),
            cell(mean(&d)),
            cell(diff.half_width),
            if diff.excludes_zero() { "*" } else { "" }.to_string(),
        ]);
    }
    t
}
