//! The command line, as clap definitions, and the parsers of flag values that
//! are not plain numbers (`--seeds 1..10`, `--shard 2/4`, `--param p=a,b`).
//!
//! A malformed flag value is a usage error: clap prints it with the usage and
//! exits 2, before any file is read.

use clap::{Args, Parser, Subcommand, ValueEnum};
use sim_core::time::parse_duration;
use sim_core::SimDuration;
use std::path::PathBuf;

/// dsim: a deterministic discrete-event simulator of distributed systems.
///
/// FILE is a scenario file (TOML or JSON) or the name of a built-in scenario
/// (`dsim list` shows them). The same file, seed and settings always give
/// byte-identical output.
#[derive(Debug, Parser)]
#[command(name = "dsim", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one scenario and print a summary.
    Run(RunArgs),
    /// Run scenarios and evaluate their `expect` lines; exit 1 if any fails.
    Check(CheckArgs),
    /// Parse and validate scenarios without running them.
    Validate(ValidateArgs),
    /// Run a grid of parameter values x seeds in parallel, one CSV row per run.
    Sweep(SweepArgs),
    /// Write per-request spans in Chrome trace event format (opens in Perfetto).
    Trace(TraceArgs),
    /// Draw SVG charts over time: throughput, success rate, latency, queue length.
    Plot(PlotArgs),
    /// List the built-in scenarios.
    List,
    /// Print a built-in's teaching notes for a terminal, then its scenario text.
    Show(ShowArgs),
    /// Run one workload under two settings with the same seeds, side by side.
    Compare(CompareArgs),
    /// Print the topology as a graph description (Graphviz DOT or Mermaid).
    Graph(GraphArgs),
    /// Print the JSON Schema of scenario files (or, with --markdown, the reference page).
    Schema(SchemaArgs),
    /// Serve the browser visualizer (built by sim-web/build.sh) on 127.0.0.1.
    Web(WebArgs),
}

/// `dsim run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// A scenario file or the name of a built-in scenario.
    pub file: String,
    #[command(flatten)]
    pub seed: SeedArg,
    #[command(flatten)]
    pub set: SetArgs,
    /// How to print the summary.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also collect per-window series of this width, e.g. `1s`.
    #[arg(long, value_name = "WINDOW", value_parser = parse_window)]
    pub timeseries: Option<SimDuration>,
    /// Also write the summary to DIR/summary.json (DIR is created).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub chaos: ChaosArg,
    #[command(flatten)]
    pub budget: BudgetArgs,
    /// With --chaos: print the scenario with the drawn faults appended as
    /// plain [[fault]] tables, instead of running it.
    #[arg(long, requires = "chaos")]
    pub emit_scenario: bool,
}

/// `--chaos`, shared by `run` and `check`.
#[derive(Debug, clap::Args)]
pub struct ChaosArg {
    /// Add one to three faults drawn from the seed (kinds, targets, times) to
    /// the scenario's own; the summary lists them so a seed can be replayed.
    #[arg(long)]
    pub chaos: bool,
}

/// `--max-events` and `--max-in-flight`, shared by the commands that run a
/// scenario: a run past either stops with exit code 3.
#[derive(Debug, Args)]
pub struct BudgetArgs {
    /// Stop the run (exit 3) after this many model events.
    #[arg(long, value_name = "N", default_value_t = sim_core::engine::budget::DEFAULT_MAX_EVENTS)]
    pub max_events: u64,
    /// Stop the run (exit 3) when more requests, messages and timers than
    /// this are in flight at once.
    #[arg(long, value_name = "N", default_value_t = sim_core::engine::budget::DEFAULT_MAX_IN_FLIGHT)]
    pub max_in_flight: u64,
}

impl BudgetArgs {
    /// The engine's budget.
    pub fn budget(&self) -> sim_core::engine::budget::Budget {
        sim_core::engine::budget::Budget {
            max_events: self.max_events,
            max_in_flight: self.max_in_flight,
        }
    }
}

/// `--seed N`, shared by the commands that run a scenario.
#[derive(Debug, Args)]
pub struct SeedArg {
    /// Seed of the run (default: the scenario's `seed`).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
}

/// `--set PATH=VALUE`, repeated.
#[derive(Debug, Args)]
pub struct SetArgs {
    /// Override a scenario value by path, e.g. `client.users.rate=900`.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
}

/// How `dsim run` prints its summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Tables for people.
    Table,
    /// The JSON summary of the contract.
    Json,
}

/// `dsim web`.
#[derive(Debug, clap::Args)]
pub struct WebArgs {
    /// The port to listen on (0: any free port).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The built page (default: sim-web/dist).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// `dsim check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario files or built-in names.
    #[arg(required = true)]
    pub files: Vec<String>,
    #[command(flatten)]
    pub seed: SeedArg,
    /// Overrides applied to every file, as for `dsim run`.
    #[command(flatten)]
    pub set: SetArgs,
    /// Check every seed of `A..B` (`A..=B` includes B) instead of one.
    #[arg(long, value_name = "A..B", value_parser = parse_seeds, conflicts_with = "seed")]
    pub seeds: Option<Seeds>,
    /// Also write the results as JUnit XML: one test case per scenario and
    /// seed, each expectation's observed value in its message.
    #[arg(long, value_name = "FILE.xml")]
    pub junit: Option<PathBuf>,
    #[command(flatten)]
    pub chaos: ChaosArg,
    #[command(flatten)]
    pub budget: BudgetArgs,
}

/// `dsim compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// A scenario file or the name of a built-in scenario.
    pub file: String,
    /// A setting of side A, like `client.users.retry.max_attempts=1` (repeat for more).
    #[arg(long = "a", value_name = "PATH=VALUE")]
    pub a: Vec<String>,
    /// A setting of side B (repeat for more).
    #[arg(long = "b", value_name = "PATH=VALUE")]
    pub b: Vec<String>,
    /// Overrides applied to both sides.
    #[command(flatten)]
    pub set: SetArgs,
    #[command(flatten)]
    pub seed: SeedArg,
    /// Compare over every seed of `A..B` (`A..=B` includes B), with 95%
    /// confidence intervals of the differences.
    #[arg(long, value_name = "A..B", value_parser = parse_seeds, conflicts_with = "seed")]
    pub seeds: Option<Seeds>,
    #[command(flatten)]
    pub budget: BudgetArgs,
}

/// `dsim graph`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// A scenario file or the name of a built-in scenario.
    pub file: String,
    #[command(flatten)]
    pub set: SetArgs,
    /// The description to print.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
}

/// What `dsim plot` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlotFormat {
    Svg,
    Png,
}

/// What `dsim graph` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz: `dsim graph FILE | dot -Tsvg > topology.svg`.
    Dot,
    /// A Mermaid flowchart, drawn by Markdown renderers.
    Mermaid,
}

/// `dsim show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A built-in scenario's name (or a scenario file).
    pub name: String,
    /// Print the scenario text alone, ready to copy and edit.
    #[arg(long)]
    pub text: bool,
}

/// `dsim validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario files or built-in names.
    #[arg(required = true)]
    pub files: Vec<String>,
}

/// `dsim schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Print the Markdown reference page of the format instead.
    #[arg(long)]
    pub markdown: bool,
}

/// `dsim sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// A scenario file or the name of a built-in scenario.
    pub file: String,
    /// A scenario path and the values to try, e.g. `client.users.rate=200,400,800`.
    /// Commas inside parentheses belong to the value: `service.api.service_time=uniform(1ms, 9ms),5ms`.
    #[arg(long, value_name = "PATH=V1,V2,...", value_parser = parse_param)]
    pub param: Vec<Param>,
    /// The seeds to run: `A..B` is A up to but not including B (like Rust ranges
    /// and scenario windows), `A..=B` includes B, `N` is one seed.
    #[arg(long, value_name = "A..B", value_parser = parse_seeds)]
    pub seeds: Seeds,
    /// Runs at once (default: the number of CPUs).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,
    /// Run only the K-th of N shares of the grid: a contiguous block of the
    /// runs in grid order, with the CSV header only in share 1, so that
    /// `cat` of shares 1 to N gives exactly the unsharded CSV (for a Slurm
    /// job array or a Kubernetes Indexed Job; see deploy/README.md).
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<Shard>,
    #[command(flatten)]
    pub budget: BudgetArgs,
    /// The CSV file to write.
    #[arg(long, value_name = "FILE.csv")]
    pub out: PathBuf,
    /// Also write one row per grid point: the mean and 95% confidence
    /// interval of each figure over the seeds (needs every seed of a point:
    /// not with --shard).
    #[arg(long, value_name = "FILE.csv", conflicts_with = "shard")]
    pub summary: Option<PathBuf>,
}

/// `dsim trace`.
#[derive(Debug, Args)]
pub struct TraceArgs {
    /// A scenario file or the name of a built-in scenario.
    pub file: String,
    #[command(flatten)]
    pub seed: SeedArg,
    #[command(flatten)]
    pub set: SetArgs,
    /// The trace file to write.
    #[arg(long, value_name = "trace.json")]
    pub out: PathBuf,
    /// Spans to keep at most (requests, attempts and service work, in the
    /// order they end); a long run is cut, never unbounded.
    #[arg(long, value_name = "N", default_value_t = 200_000,
          value_parser = clap::value_parser!(u64).range(1..=sim_core::limits::MAX_TRACE_SPANS))]
    pub limit: u64,
    #[command(flatten)]
    pub budget: BudgetArgs,
}

/// `dsim plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// A scenario file or the name of a built-in scenario.
    #[arg(required_unless_present = "sweep")]
    pub file: Option<String>,
    /// Instead of a run over time: curves of a sweep's CSV, the mean of
    /// `--y` over the seeds against `--x`, with 95% confidence bands.
    #[arg(long, value_name = "GRID.csv", requires_all = ["x", "y"], conflicts_with = "file")]
    pub sweep: Option<PathBuf>,
    /// With --sweep: the parameter along the x axis (a column before `seed`).
    #[arg(long, value_name = "PARAM")]
    pub x: Option<String>,
    /// With --sweep: the figure to plot, a column like `client.users.success_rate` or `passed`.
    #[arg(long, value_name = "FIGURE")]
    pub y: Option<String>,
    #[command(flatten)]
    pub seed: SeedArg,
    #[command(flatten)]
    pub set: SetArgs,
    /// Width of one point of the charts (default: about 1/100 of the duration).
    #[arg(long, value_name = "WINDOW", value_parser = parse_window)]
    pub window: Option<SimDuration>,
    /// The directory to write the charts into (created).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The charts' format: SVG, or PNG for slides and documents.
    #[arg(long, value_enum, default_value_t = PlotFormat::Svg)]
    pub format: PlotFormat,
    #[command(flatten)]
    pub budget: BudgetArgs,
}

/// One `--param`: a path and the values it takes, in the order given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    pub path: String,
    pub values: Vec<String>,
}

/// The seeds of a sweep, `start..end` with `end` excluded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seeds {
    pub start: u64,
    pub end: u64,
}

/// One share of a sweep: `index` (1-based) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// The positions in the grid of this share's runs, out of `total`: share
    /// K of N takes [(K-1)·total/N, K·total/N), rounded down, so the shares
    /// are contiguous, in order, cover every run once, and differ in size
    /// by at most one run.
    pub fn runs(self, total: usize) -> std::ops::Range<usize> {
        let bound = |k: u64| (u128::from(k) * total as u128 / u128::from(self.count)) as usize;
        bound(self.index - 1)..bound(self.index)
    }

    /// Whether this share writes the CSV header: only the first does.
    pub fn writes_header(self) -> bool {
        self.index == 1
    }
}

/// A window width: a duration with a unit, more than zero.
fn parse_window(text: &str) -> Result<SimDuration, String> {
    let d = parse_duration(text)?;
    if d == SimDuration::ZERO {
        return Err("a window must be longer than zero".to_string());
    }
    Ok(d)
}

/// `PATH=V1,V2,...`; commas nested in parentheses do not split.
fn parse_param(text: &str) -> Result<Param, String> {
    let (path, values) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not PATH=V1,V2,...: there is no `=`"))?;
    let path = path.trim();
    if path.is_empty() {
        return Err(format!("`{text}` has no path before `=`"));
    }
    let values = split_top_level(values);
    if values.iter().any(|v| v.is_empty()) {
        return Err(format!("`{text}` has an empty value"));
    }
    Ok(Param {
        path: path.to_string(),
        values,
    })
}

/// Splits at commas that are not inside parentheses or brackets, trimming each part.
fn split_top_level(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(current.trim().to_string());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current.trim().to_string());
    parts
}

/// `A..B` (B excluded), `A..=B` (B included) or `N`.
fn parse_seeds(text: &str) -> Result<Seeds, String> {
    let number = |s: &str| {
        s.trim()
            .parse::<u64>()
            .map_err(|_| format!("`{s}` is not a seed (a whole number) in `{text}`"))
    };
    let seeds = if let Some((a, b)) = text.split_once("..=") {
        let end = number(b)?
            .checked_add(1)
            .ok_or_else(|| format!("`{text}` goes past the largest seed"))?;
        Seeds {
            start: number(a)?,
            end,
        }
    } else if let Some((a, b)) = text.split_once("..") {
        Seeds {
            start: number(a)?,
            end: number(b)?,
        }
    } else {
        let n = number(text)?;
        Seeds {
            start: n,
            end: n.saturating_add(1),
        }
    };
    if seeds.end <= seeds.start {
        return Err(format!(
            "`{text}` holds no seed: `A..B` runs A up to but not including B (write `A..=B` to include B)"
        ));
    }
    Ok(seeds)
}

/// `K/N` with 1 <= K <= N.
fn parse_shard(text: &str) -> Result<Shard, String> {
    let bad = || format!("`{text}` is not a shard: expected K/N with 1 <= K <= N, like 2/4");
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let index: u64 = k.trim().parse().map_err(|_| bad())?;
    let count: u64 = n.trim().parse().map_err(|_| bad())?;
    if index == 0 || index > count {
        return Err(bad());
    }
    Ok(Shard { index, count })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_split_at_top_level_commas() {
        let p = parse_param("service.api.service_time=uniform(1ms, 9ms), 5ms").unwrap();
        assert_eq!(p.path, "service.api.service_time");
        assert_eq!(p.values, ["uniform(1ms, 9ms)", "5ms"]);
        assert_eq!(
            parse_param("client.users.rate=200,400").unwrap().values,
            ["200", "400"]
        );
        assert!(parse_param("client.users.rate").is_err());
        assert!(parse_param("=1,2").is_err());
        assert!(parse_param("client.users.rate=1,,2").is_err());
    }

    #[test]
    fn seeds_are_half_open_unless_inclusive() {
        assert_eq!(parse_seeds("1..4").unwrap(), Seeds { start: 1, end: 4 });
        assert_eq!(parse_seeds("1..=4").unwrap(), Seeds { start: 1, end: 5 });
        assert_eq!(parse_seeds("7").unwrap(), Seeds { start: 7, end: 8 });
        assert!(parse_seeds("4..4").unwrap_err().contains("holds no seed"));
        assert!(parse_seeds("a..4").is_err());
    }

    #[test]
    fn shards_are_one_based() {
        let s = parse_shard("2/3").unwrap();
        assert_eq!(s, Shard { index: 2, count: 3 });
        assert_eq!(s.runs(7), 2..4);
        assert!(parse_shard("0/3").is_err());
        assert!(parse_shard("4/3").is_err());
        assert!(parse_shard("1").is_err());
    }

    #[test]
    fn shards_tile_the_runs_in_order() {
        for total in 0..20 {
            for count in 1..=12 {
                let ranges: Vec<_> = (1..=count)
                    .map(|index| Shard { index, count }.runs(total))
                    .collect();
                assert_eq!(ranges[0].start, 0);
                assert_eq!(ranges[ranges.len() - 1].end, total);
                assert!(ranges.windows(2).all(|w| w[0].end == w[1].start));
                let sizes: Vec<usize> = ranges.iter().map(ExactSizeIterator::len).collect();
                let (min, max) = (sizes.iter().min(), sizes.iter().max());
                assert!(
                    max.unwrap() - min.unwrap() <= 1,
                    "{total}/{count}: {sizes:?}"
                );
            }
        }
    }

    #[test]
    fn windows_need_a_unit_and_a_length() {
        assert_eq!(parse_window("1s").unwrap(), SimDuration::from_secs(1));
        assert!(parse_window("1").is_err());
        assert!(parse_window("0s").is_err());
    }

    #[test]
    fn the_definitions_are_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
