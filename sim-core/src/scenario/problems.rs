//! Collecting every problem of a file before giving up, each with its place.
//!
//! Places are kept as [`At`] (a byte offset or an override) while the tree is
//! walked and turned into line and column here, where the text is at hand.

use super::overrides::Override;
use super::{Diagnostic, Diagnostics, Severity};

/// Where a value or a key comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum At {
    /// A byte offset into the scenario text.
    File(usize),
    /// The `--set` override with this index: it has no place in the file.
    Set(usize),
}

/// The problems found so far in one file.
pub(crate) struct Problems<'a> {
    text: &'a str,
    /// The byte offset where each line starts, so that placing a problem
    /// does not rescan the text (a file can have thousands of problems).
    lines: Vec<usize>,
    overrides: &'a [Override],
    /// Each problem with its sort key: line, column, then override index.
    items: Vec<((u32, u32, usize), Diagnostic)>,
    /// Whether some item is an error.
    errors: bool,
}

impl<'a> Problems<'a> {
    /// An empty list for `text`, which `overrides` are applied to.
    pub fn new(text: &'a str, overrides: &'a [Override]) -> Self {
        let starts = text.match_indices('\n').map(|(i, _)| i + 1);
        Problems {
            text,
            lines: std::iter::once(0).chain(starts).collect(),
            overrides,
            items: Vec::new(),
            errors: false,
        }
    }

    /// Records a problem without a hint.
    pub fn error(&mut self, at: At, message: impl Into<String>) {
        self.hinted(at, message, None);
    }

    /// Records a problem with an optional hint.
    pub fn hinted(&mut self, at: At, message: impl Into<String>, hint: Option<String>) {
        self.errors = true;
        self.push(Severity::Error, at, message.into(), hint);
    }

    /// Records a warning: the file still loads.
    pub fn warn(&mut self, at: At, message: impl Into<String>, hint: Option<String>) {
        self.push(Severity::Warning, at, message.into(), hint);
    }

    fn push(&mut self, severity: Severity, at: At, message: String, hint: Option<String>) {
        let (line, column, set, message) = match at {
            At::File(offset) => {
                let (line, column) = line_column(self.text, &self.lines, offset);
                (line, column, 0, message)
            }
            At::Set(i) => (0, 0, i, format!("{}: {message}", self.flag_path(i))),
        };
        let diagnostic = Diagnostic {
            severity,
            line,
            column,
            message,
            hint,
        };
        self.items.push(((line, column, set), diagnostic));
    }

    /// How override `i` is named: `--set service.db.workers`.
    fn flag_path(&self, i: usize) -> String {
        self.overrides
            .get(i)
            .map_or_else(String::new, |o| format!("{} {}", o.flag, o.path))
    }

    /// Whether no error has been found so far (warnings may have been).
    pub fn is_empty(&self) -> bool {
        !self.errors
    }

    /// Says where `at` is, for hints that point at another place ("line 4").
    pub fn describe(&self, at: At) -> String {
        match at {
            At::File(offset) => format!("line {}", line_column(self.text, &self.lines, offset).0),
            At::Set(i) => self.flag_path(i),
        }
    }

    /// Every problem, errors and warnings, sorted by position; overrides,
    /// which have none, come first, in the order they were given.
    pub fn into_diagnostics(mut self, file: &str) -> Diagnostics {
        self.items.sort_by_key(|(key, _)| *key);
        Diagnostics {
            file: file.to_string(),
            items: self.items.into_iter().map(|(_, d)| d).collect(),
        }
    }
}

/// The 1-based line and column (in characters) of a byte offset, given the
/// offsets where `text`'s lines start. Offsets past the end or inside a
/// character count up to the last whole character.
fn line_column(text: &str, lines: &[usize], offset: usize) -> (u32, u32) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let line = lines.partition_point(|&start| start <= end).max(1);
    let line_start = lines.get(line - 1).copied().unwrap_or(0);
    let column = text.get(line_start..end).map_or(0, |s| s.chars().count()) + 1;
    (saturate(line), saturate(column))
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters() {
        let text = "a = 1\nné = \"x\"\n";
        let p = Problems::new(text, &[]);
        let at = |offset| line_column(text, &p.lines, offset);
        assert_eq!(at(0), (1, 1));
        assert_eq!(at(6), (2, 1));
        // "né = " is 6 bytes but 5 characters: the string starts at column 6.
        assert_eq!(at(12), (2, 6));
        // Inside the two bytes of `é`, and past the end: no panic.
        assert_eq!(at(8), (2, 2));
        assert_eq!(at(999), (3, 1));
    }
}
