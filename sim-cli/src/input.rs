//! Where a scenario comes from: `FILE` is a path, or the name of a built-in
//! scenario. A path that exists wins, so a local `retry-storm` file shadows the
//! built-in of that name.

use anyhow::{bail, Context};
use sim_core::library::{self, BUILTIN};
use sim_core::scenario::{self, Override};
use sim_core::Scenario;
use std::path::Path;

/// A scenario's text and the name to show for it in messages.
pub struct Source {
    /// The `FILE` argument as the user gave it.
    pub name: String,
    pub text: String,
}

impl Source {
    /// Reads `FILE`: the file at that path if there is one, else the built-in
    /// scenario of that name, else an error that lists the built-ins.
    pub fn resolve(file: &str) -> anyhow::Result<Source> {
        let path = Path::new(file);
        if path.exists() {
            let text =
                std::fs::read_to_string(path).with_context(|| format!("cannot read `{file}`"))?;
            return Ok(Source {
                name: file.to_string(),
                text,
            });
        }
        if let Some(b) = library::find(file) {
            return Ok(Source {
                name: file.to_string(),
                text: b.text.to_string(),
            });
        }
        let names: Vec<&str> = BUILTIN.iter().map(|b| b.name).collect();
        let known = if names.is_empty() {
            "there are no built-in scenarios".to_string()
        } else {
            format!("built-in scenarios: {}", names.join(", "))
        };
        bail!(
            "`{file}` is neither a file nor a built-in scenario{}\n  {known}",
            sim_core::suggest::did_you_mean(file, &names)
        )
    }

    /// Parses and validates the text with `overrides` applied. A bad file is
    /// a [`sim_core::scenario::Diagnostics`] error, printed like a compiler's;
    /// the warnings of a good one go to stderr here, and it loads.
    pub fn load(&self, overrides: &[Override]) -> anyhow::Result<Scenario> {
        let loaded = scenario::load_with_warnings(&self.text, &self.name, overrides)?;
        if !loaded.warnings.is_empty() {
            crate::commands::eprint(&loaded.warnings.to_string());
        }
        Ok(loaded.scenario)
    }
}

/// Parses `--set PATH=VALUE` arguments.
pub fn overrides(sets: &[String]) -> anyhow::Result<Vec<Override>> {
    sets.iter()
        .map(|s| scenario::parse_override(s).map_err(|e| anyhow::anyhow!("--set {e}")))
        .collect()
}

/// Resolves and loads `FILE` with `--set` arguments, the common start of
/// every command that runs a scenario.
pub fn load(file: &str, sets: &[String]) -> anyhow::Result<Scenario> {
    let overrides = overrides(sets)?;
    Source::resolve(file)?.load(&overrides)
}

/// With `chaos`, adds the faults drawn from `seed` (or the scenario's own
/// seed) to the scenario's.
pub fn with_chaos(mut scenario: Scenario, chaos: bool, seed: Option<u64>) -> Scenario {
    if chaos {
        let drawn = sim_core::chaos::draw(&scenario, seed.unwrap_or(scenario.seed));
        scenario.faults.extend(drawn);
    }
    scenario
}
