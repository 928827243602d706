//! The discrete-event engine: a future-event list and the models it drives.

use crate::report::Report;
use crate::scenario::model::Scenario;
use crate::time::SimDuration;

/// Settings of one run that are not part of the scenario.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Overrides the scenario's seed.
    pub seed: Option<u64>,
    /// Collect per-window series of this width.
    pub timeseries: Option<SimDuration>,
}

/// A simulation built from a scenario, advanced event by event.
pub struct Simulation;

/// Runs a scenario to its end and returns the summary.
pub fn run(_scenario: &Scenario, _options: &RunOptions) -> Report {
    todo!()
}
