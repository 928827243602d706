//! `dsim list`: the built-in scenario library.

use super::{print, Outcome};
use sim_core::library::BUILTIN;
use sim_core::scenario;

/// One line per built-in: the name to pass as `FILE` and the scenario's
/// title (its teaching notes show in the browser and in the scenario file).
pub fn list() -> anyhow::Result<Outcome> {
    let width = BUILTIN.iter().map(|b| b.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for b in BUILTIN {
        let about = match scenario::load(b.text, b.name, &[]) {
            Ok(s) => s.name,
            Err(_) => format!("(does not load: see `dsim validate {}`)", b.name),
        };
        out.push_str(&format!("{:<width$}  {about}\n", b.name));
    }
    print(&out)?;
    Ok(Outcome::Ok)
}
