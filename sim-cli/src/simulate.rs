//! Running one scenario, with a progress bar over simulated time when the
//! run is long and stderr is a terminal. Progress never changes the result:
//! stepping with `run_until` processes the same events in the same order.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sim_core::engine::budget::Stop;
use sim_core::{Report, RunOptions, Scenario, SimTime, Simulation};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// How many steps a run with progress is cut into.
const STEPS: u64 = 200;

/// Wall time after which a run counts as long and its bar appears.
const SHOW_AFTER: Duration = Duration::from_millis(500);

/// Runs `scenario` to its end, or until a budget stops it. When stderr is a
/// terminal, a bar over simulated time appears once the run has taken
/// [`SHOW_AFTER`].
pub fn run(scenario: &Scenario, options: &RunOptions) -> Result<Report, Stop> {
    let mut sim = Simulation::new(scenario, options);
    if !std::io::stderr().is_terminal() {
        return sim.finish();
    }
    let end = sim.end().0;
    let bar = ProgressBar::with_draw_target(Some(STEPS), ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {percent:>3}% of simulated time  {msg}")
            .expect("the template is valid"),
    );
    let started = Instant::now();
    for step in 1..=STEPS {
        let t = (u128::from(end) * u128::from(step) / u128::from(STEPS)) as u64;
        if let Err(stop) = sim.run_until(SimTime(t)) {
            bar.finish_and_clear();
            return Err(stop);
        }
        if bar.is_hidden() && started.elapsed() >= SHOW_AFTER {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        bar.set_message(format!("{} events", sim.events()));
        bar.set_position(step);
    }
    bar.finish_and_clear();
    sim.finish()
}

/// A bar over the runs of a sweep, drawn on stderr only when it is a terminal.
pub fn runs_bar(runs: u64) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(runs), target);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} runs  {elapsed} elapsed, {eta} left")
            .expect("the template is valid"),
    );
    bar
}
