//! `dsim`, the command-line face of sim-core: reads scenario files, runs
//! them, and prints summaries, checks, sweeps and charts.
//!
//! Exit codes: 0 ok; 1 an expectation failed; 2 bad input (a file, a flag, an
//! override); 3 a run stopped by a budget (`--max-events`, `--max-in-flight`,
//! no progress in simulated time). Results go to stdout, errors and progress
//! to stderr.

mod chart;
mod cli;
mod commands;
mod figures;
mod input;
mod number;
mod simulate;
mod sparklines;
mod stats;
mod summary;
mod table;

use clap::Parser;
use cli::{Cli, Command};
use commands::Outcome;
use sim_core::engine::budget::Stop;
use sim_core::scenario::Diagnostics;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(args) => commands::run::run(args),
        Command::Check(args) => commands::check::check(args),
        Command::Validate(args) => commands::validate::validate(args),
        Command::Sweep(args) => commands::sweep::sweep(args),
        Command::Trace(args) => commands::trace::trace(args),
        Command::Plot(args) => commands::plot::plot(args),
        Command::List => commands::list::list(),
        Command::Show(args) => commands::show::show(args),
        Command::Compare(args) => commands::compare::compare(args),
        Command::Graph(args) => commands::graph(args),
        Command::Schema(args) => commands::schema(args),
        Command::Web(args) => commands::web::web(args),
    };
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Failed) => ExitCode::from(1),
        Ok(Outcome::BadInput) => ExitCode::from(2),
        Ok(Outcome::Stopped) => ExitCode::from(3),
        // The reader went away (`dsim run x | head`): nothing left to say.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) if e.is::<Stop>() => {
            report_error(&e);
            ExitCode::from(3)
        }
        Err(e) => {
            report_error(&e);
            ExitCode::from(2)
        }
    }
}

/// Prints an error to stderr: a bad scenario as the loader's compiler-style
/// diagnostics, anything else as `error: ...` with its causes.
pub fn report_error(e: &anyhow::Error) {
    if let Some(d) = e.downcast_ref::<Diagnostics>() {
        commands::eprint(&d.to_string());
    } else if let Some(stop) = e.downcast_ref::<Stop>() {
        commands::eprint(&stop.to_string());
    } else {
        commands::eprint(&format!("error: {e:#}\n"));
    }
}

/// Whether `e` is stdout closing under us.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.downcast_ref::<std::io::Error>()
        .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}
