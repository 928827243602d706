//! `dsim trace`: per-request spans (and each saga run as a tree of its
//! step calls) in Chrome's trace event format, to open
//! in Perfetto or chrome://tracing.

use super::{print, Outcome};
use crate::cli::TraceArgs;
use crate::input;
use anyhow::Context;
use sim_core::{RunOptions, Simulation};

/// Runs the scenario recording spans (requests, attempts, service work) and
/// writes them to `--out`; at most `--limit` spans, the rest counted.
pub fn trace(args: &TraceArgs) -> anyhow::Result<Outcome> {
    let scenario = input::load(&args.file, &args.set.set)?;
    let options = RunOptions {
        seed: args.seed.seed,
        budget: args.budget.budget(),
        ..RunOptions::default()
    };
    let mut sim = Simulation::new(&scenario, &options);
    // The limit is at most MAX_TRACE_SPANS, which fits any usize.
    sim.enable_trace(usize::try_from(args.limit).unwrap_or(usize::MAX));
    sim.run_until(sim.end())?;
    let trace = sim.take_trace().context("tracing was enabled")?;
    std::fs::write(&args.out, trace.to_json())
        .with_context(|| format!("cannot write `{}`", args.out.display()))?;
    let dropped = if trace.dropped > 0 {
        format!(" ({} more spans left out: raise --limit)", trace.dropped)
    } else {
        String::new()
    };
    print(&format!(
        "wrote {}{dropped}; open it in Perfetto (ui.perfetto.dev) or chrome://tracing\n",
        args.out.display()
    ))?;
    Ok(Outcome::Ok)
}
