//! Reading typed values out of the tree, reporting every wrong one with its
//! place and carrying on, so that one run of the loader finds every problem.
//!
//! Readers return `None` both when a value is absent and when it is wrong
//! (then a problem is recorded); code that depends on whether a key is
//! present asks [`Fields::has`], so one mistake does not cascade into others.

use super::problems::{At, Problems};
use super::raw::{Keys, SCENARIO};
use super::tree::{Node, Table, Value};
use crate::dist::{parse_dist, Dist};
use crate::suggest::closest;
use crate::time::{parse_duration, SimDuration};

/// A table being read, with what to call it in messages.
pub(crate) struct Fields<'a> {
    table: &'a Table,
    /// Where the table starts: missing keys are reported here.
    pub at: At,
    /// How messages name the table, like "[[client]] `users`".
    pub context: String,
}

impl<'a> Fields<'a> {
    /// Opens `node` as a table whose keys must be among `keys`. `what` names
    /// the value in a type error ("`scenario`"), `context` the table in others.
    pub fn open(
        node: &'a Node,
        what: &str,
        keys: &Keys,
        context: String,
        p: &mut Problems,
    ) -> Option<Self> {
        let Value::Table(table) = &node.value else {
            p.error(
                node.at,
                format!("expected a table for {what}, found {}", node.value.kind()),
            );
            return None;
        };
        for entry in &table.entries {
            check_key(&entry.key, entry.key_at, keys, &context, p);
        }
        Some(Fields {
            table,
            at: node.at,
            context,
        })
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.table.get(key).map(|e| &e.node)
    }

    /// Whether `key` is present (whatever its value).
    pub fn has(&self, key: &str) -> bool {
        self.table.get(key).is_some()
    }

    /// Reads `key` with `read` if present.
    pub fn read<T>(
        &self,
        key: &str,
        p: &mut Problems,
        read: impl FnOnce(&'a Node, &str, &mut Problems) -> Option<T>,
    ) -> Option<T> {
        self.get(key).and_then(|node| read(node, key, p))
    }

    /// Reads `key` with `read`, reporting it missing if absent.
    pub fn require<T>(
        &self,
        key: &str,
        p: &mut Problems,
        read: impl FnOnce(&'a Node, &str, &mut Problems) -> Option<T>,
    ) -> Option<T> {
        if !self.has(key) {
            self.missing(key, None, p);
        }
        self.read(key, p, read)
    }

    /// Reports `key` missing from this table.
    pub fn missing(&self, key: &str, hint: Option<String>, p: &mut Problems) {
        p.hinted(
            self.at,
            format!("missing key `{key}` in {}", self.context),
            hint,
        );
    }
}

/// Reports a key that the format does not know, or does not support yet.
fn check_key(key: &str, at: At, keys: &Keys, context: &str, p: &mut Problems) {
    if keys.supported.contains(&key) {
        return;
    }
    if keys.not_yet.contains(&key) {
        let key = if keys.sections {
            format!("[[{key}]]")
        } else {
            key.to_string()
        };
        p.error(at, format!("`{key}` is not supported yet"));
        return;
    }
    let known: Vec<&str> = keys.all().collect();
    let hint = match closest(key, &known) {
        Some(c) => format!("did you mean `{c}`?"),
        None if SCENARIO.supported.contains(&key) => format!(
            "`{key}` belongs in [scenario]: TOML puts a key into the table whose header comes before it"
        ),
        None => format!("expected one of: {}", keys.supported.join(", ")),
    };
    p.hinted(at, format!("unknown key `{key}` in {context}"), Some(hint));
}

fn wrong_type(node: &Node, expected: &str, key: &str, p: &mut Problems) {
    p.error(
        node.at,
        format!(
            "expected {expected} for `{key}`, found {}",
            node.value.kind()
        ),
    );
}

/// A string.
pub(crate) fn string<'a>(node: &'a Node, key: &str, p: &mut Problems) -> Option<&'a str> {
    match &node.value {
        Value::String(s) => Some(s),
        _ => {
            wrong_type(node, "a string", key, p);
            None
        }
    }
}

/// A boolean.
pub(crate) fn boolean(node: &Node, key: &str, p: &mut Problems) -> Option<bool> {
    match node.value {
        Value::Boolean(b) => Some(b),
        _ => {
            wrong_type(node, "a boolean (true or false)", key, p);
            None
        }
    }
}

/// An array.
pub(crate) fn array<'a>(node: &'a Node, key: &str, p: &mut Problems) -> Option<&'a [Node]> {
    match &node.value {
        Value::Array(items) => Some(items),
        _ => {
            wrong_type(node, "an array", key, p);
            None
        }
    }
}

/// An array of tables, as `[[key]]` sections write them.
pub(crate) fn tables<'a>(node: &'a Node, key: &str, p: &mut Problems) -> Option<&'a [Node]> {
    match &node.value {
        Value::Array(items) => Some(items),
        _ => {
            p.hinted(
                node.at,
                format!(
                    "expected an array of tables for `{key}`, found {}",
                    node.value.kind()
                ),
                Some(format!("write each one under a `[[{key}]]` header")),
            );
            None
        }
    }
}

/// A whole number (a float without a fraction counts, as JSON has no integers).
fn whole(node: &Node, key: &str, p: &mut Problems) -> Option<i64> {
    match node.value {
        Value::Integer(n) => Some(n),
        Value::Float(x) if x.fract() == 0.0 && x.abs() < 9e15 => Some(x as i64),
        Value::Float(x) => {
            p.error(
                node.at,
                format!("expected an integer for `{key}`, found {x}"),
            );
            None
        }
        _ => {
            wrong_type(node, "an integer", key, p);
            None
        }
    }
}

/// An integer in `min..=max`.
pub(crate) fn integer(node: &Node, key: &str, min: i64, max: i64, p: &mut Problems) -> Option<i64> {
    let n = whole(node, key, p)?;
    if n < min {
        p.error(node.at, format!("`{key}` must be at least {min}, got {n}"));
        return None;
    }
    if n > max {
        p.error(node.at, format!("`{key}` must be at most {max}, got {n}"));
        return None;
    }
    Some(n)
}

/// A count of things, at least `min`.
pub(crate) fn count(node: &Node, key: &str, min: u32, p: &mut Problems) -> Option<u32> {
    integer(node, key, i64::from(min), i64::from(u32::MAX), p).and_then(|n| u32::try_from(n).ok())
}

/// A finite number (integer or float).
pub(crate) fn number(node: &Node, key: &str, p: &mut Problems) -> Option<f64> {
    let x = match node.value {
        Value::Integer(n) => n as f64,
        Value::Float(x) => x,
        _ => {
            wrong_type(node, "a number", key, p);
            return None;
        }
    };
    if !x.is_finite() {
        p.error(node.at, format!("`{key}` must be a finite number, got {x}"));
        return None;
    }
    Some(x)
}

/// The highest rate accepted: one event per simulated microsecond. Faster
/// rates would make gaps of a few nanoseconds, where integer time no longer
/// resolves the distribution, and runs that never end.
pub(crate) const MAX_RATE: f64 = 1e6;

/// A rate per second: a finite number from 0 to [`MAX_RATE`].
pub(crate) fn rate(node: &Node, key: &str, p: &mut Problems) -> Option<f64> {
    let x = number(node, key, p)?;
    if !(0.0..=MAX_RATE).contains(&x) {
        p.hinted(
            node.at,
            format!("`{key}` must be from 0 to {MAX_RATE} per second, got {x:?}"),
            Some("a rate is per second of simulated time: 800 means 800 a second".to_owned()),
        );
        return None;
    }
    Some(x)
}

/// A probability: a number from 0 to 1.
pub(crate) fn probability(node: &Node, key: &str, p: &mut Problems) -> Option<f64> {
    let x = number(node, key, p)?;
    if !(0.0..=1.0).contains(&x) {
        p.error(
            node.at,
            format!("`{key}` is a probability from 0 to 1, got {x}"),
        );
        return None;
    }
    Some(x)
}

/// The text of a value that should be a duration or a distribution: a
/// string, or a bare number (which then fails for lack of a unit).
fn duration_text(node: &Node, expected: &str, key: &str, p: &mut Problems) -> Option<String> {
    match &node.value {
        Value::String(s) => Some(s.clone()),
        Value::Integer(n) => Some(n.to_string()),
        Value::Float(x) => Some(x.to_string()),
        _ => {
            wrong_type(node, expected, key, p);
            None
        }
    }
}

/// A duration with a unit: `"250ms"`.
pub(crate) fn duration(node: &Node, key: &str, p: &mut Problems) -> Option<SimDuration> {
    let text = duration_text(node, "a duration like \"250ms\"", key, p)?;
    parse_duration(&text)
        .map_err(|e| p.error(node.at, format!("invalid duration for `{key}`: {e}")))
        .ok()
}

/// A distribution of durations: `"exp(5ms)"`.
pub(crate) fn dist(node: &Node, key: &str, p: &mut Problems) -> Option<Dist> {
    let text = duration_text(node, "a distribution like \"exp(5ms)\"", key, p)?;
    parse_dist(&text)
        .map_err(|e| p.error(node.at, format!("invalid distribution for `{key}`: {e}")))
        .ok()
}

/// One of a closed set of words, with a suggestion for a misspelt one.
pub(crate) fn choice<T: Copy>(
    node: &Node,
    key: &str,
    options: &[(&str, T)],
    p: &mut Problems,
) -> Option<T> {
    let word = string(node, key, p)?;
    if let Some((_, value)) = options.iter().find(|(name, _)| *name == word) {
        return Some(*value);
    }
    let names: Vec<&str> = options.iter().map(|(name, _)| *name).collect();
    p.hinted(
        node.at,
        format!("unknown {key} `{word}`: expected {}", names.join(", ")),
        closest(word, &names).map(|c| format!("did you mean `{c}`?")),
    );
    None
}
