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

mod clients;
mod cycles;
pub mod fault;
mod faults;
mod fields;
mod format;
#[cfg(test)]
mod format_tests;
mod json;
mod load;
pub mod model;
mod names;
mod overrides;
mod policies;
pub mod policy;
#[cfg(test)]
mod policy_tests;
mod problems;
mod reference;
mod schema;
mod services;
#[cfg(test)]
mod tests;
mod tree;

pub use load::load;
pub use overrides::{parse_override, Override};
pub use reference::reference;
pub use schema::schema;

use std::fmt;

/// One problem in a scenario file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostics {
    /// The file's name as the user gave it (a path or a built-in name).
    pub file: String,
    pub items: Vec<Diagnostic>,
}

impl fmt::Display for Diagnostics {
    /// Compiler style: `error: FILE:LINE:COL: MESSAGE` then `  hint: …`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.items {
            if d.line > 0 {
                writeln!(
                    f,
                    "error: {}:{}:{}: {}",
                    self.file, d.line, d.column, d.message
                )?;
            } else {
                writeln!(f, "error: {}: {}", self.file, d.message)?;
            }
            if let Some(h) = &d.hint {
                writeln!(f, "  hint: {h}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}
