//! The built-in scenario library, embedded at compile time so that
//! `dsim run retry-storm` works from any directory and the browser can list it.

/// One built-in scenario.
#[derive(Clone, Copy, Debug)]
pub struct Builtin {
    /// The file name without `.toml`: what `dsim run NAME` takes.
    pub name: &'static str,
    /// The scenario text.
    pub text: &'static str,
}

/// Every built-in scenario, sorted by name.
pub const BUILTIN: &[Builtin] = &[];

/// The built-in scenario called `name`, if there is one.
pub fn find(name: &str) -> Option<&'static Builtin> {
    BUILTIN.iter().find(|b| b.name == name)
}
