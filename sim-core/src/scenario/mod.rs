//! Scenario files: text → a tree of values with their places → checked
//! [`model::Scenario`].
//!
//! TOML (or JSON, when the text starts with `{`) is parsed into one tree that
//! keeps the place of every key and value; `--set` overrides edit that tree;
//! then the loader reads it section by section, resolving names and checking
//! values. Loading never panics on user input and never stops at the first
//! problem: it returns every [`Diagnostic`] it found, each with line and
//! column. The format itself is described once, in `format`, from which
//! the loader takes its keys and limits, [`schema`] derives a JSON Schema for
//! editors and [`reference`] the Markdown reference page.

#[cfg(test)]
mod cache_tests;
mod caches;
mod clients;
mod cycles;
mod deploys;
mod depth;
pub mod fault;
mod faults;
mod fields;
mod format;
#[cfg(test)]
mod format_tests;
#[cfg(test)]
mod hash_tests;
mod json;
mod keys;
mod lifecycle;
#[cfg(test)]
mod lifecycle_tests;
#[cfg(test)]
mod limits_tests;
mod load;
#[cfg(test)]
mod messaging_tests;
pub mod model;
mod names;
mod overrides;
mod policies;
pub mod policy;
#[cfg(test)]
mod policy_tests;
mod problems;
mod queues;
mod reference;
#[cfg(test)]
mod saga_mode_tests;
#[cfg(test)]
mod saga_tests;
mod sagas;
mod schema;
mod services;
#[cfg(test)]
mod tests;
mod tree;

pub use load::{load, load_with_warnings, Loaded};
pub use overrides::{parse_override, Override};
pub use reference::reference;
pub use schema::schema;

use crate::text::escape;
use std::fmt;

/// Whether a problem stops the file from loading.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Severity {
    /// The file is refused.
    #[default]
    Error,
    /// The file is still meaningful, but probably not what was meant.
    Warning,
}

impl Severity {
    /// `error` or `warning`, as messages and the browser's editor say it.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem in a scenario file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// 1-based line, or 0 when the problem has no place in the file (an override).
    pub line: u32,
    /// 1-based column (characters), or 0.
    pub column: u32,
    /// What is wrong and what was expected.
    pub message: String,
    /// How to fix it, where a hint helps.
    pub hint: Option<String>,
}

/// Every problem found in one file, in order of position.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics {
    /// The file's name as the user gave it (a path or a built-in name).
    pub file: String,
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Whether there is nothing to say.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl fmt::Display for Diagnostics {
    /// Compiler style: `error: FILE:LINE:COL: MESSAGE` (or `warning: …`) then
    /// `  hint: …`. Control characters are escaped, whatever quoted them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = escape(&self.file);
        for d in &self.items {
            let severity = d.severity.name();
            let message = escape(&d.message);
            if d.line > 0 {
                writeln!(f, "{severity}: {file}:{}:{}: {message}", d.line, d.column)?;
            } else {
                writeln!(f, "{severity}: {file}: {message}")?;
            }
            if let Some(h) = &d.hint {
                writeln!(f, "  hint: {}", escape(h))?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}
