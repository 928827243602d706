//! Reading typed values out of the tree, reporting every wrong one with its
//! place and carrying on, so that one run of the loader finds every problem.
//!
//! Readers return `None` both when a value is absent and when it is wrong
//! (then a problem is recorded); code that depends on whether a key is
//! present asks [`Fields::has`], so one mistake does not cascade into others.

use super::format::{self, Int, Kind};
use super::problems::{At, Problems};
use super::tree::{Node, Table, Value};
use crate::dist::{parse_dist, Dist};
use crate::limits;
use crate::suggest::closest;
use crate::text::quote;
use crate::time::{parse_duration, SimDuration};

/// The hint of every "above the limit" message.
pub(crate) const LIMIT_HINT: &str =
    "the limits keep every valid scenario within a few GB of memory; `dsim schema --markdown` lists them";

/// A table being read, with what to call it in messages.
pub(crate) struct Fields<'a> {
    table: &'a Table,
    /// What the format says of this table.
    desc: &'static format::Table,
    /// Where the table starts: missing keys are reported here.
    pub at: At,
    /// How messages name the table, like "[[client]] `users`".
    pub context: String,
}

impl<'a> Fields<'a> {
    /// Opens `node` as the table `desc` describes: its keys must be among
    /// those of `desc`, and its arrays within their limits. `what` names the
    /// value in a type error ("`scenario`"), `context` the table in others.
    pub fn open(
        node: &'a Node,
        what: &str,
        desc: &'static format::Table,
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
            check_key(&entry.key, entry.key_at, desc, &context, p);
            if let Some(key) = desc.key(&entry.key) {
                check_length(key, &entry.node, desc.sections, p);
            }
        }
        Some(Fields {
            table,
            desc,
            at: node.at,
            context,
        })
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.table.get(key).map(|e| &e.node)
    }

    /// Where the value of `key` is, or the table's place if it is absent.
    pub fn place(&self, key: &str) -> At {
        self.get(key).map_or(self.at, |n| n.at)
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

    /// Reads the integer `key`, within the bounds the format gives it.
    pub fn int(&self, key: &str, p: &mut Problems) -> Option<i64> {
        let node = self.get(key)?;
        match self.desc.key(key).map(|k| k.kind) {
            Some(Kind::Integer(int)) => bounded(node, key, int, p),
            _ => {
                p.error(
                    node.at,
                    format!("`{key}` has no integer bounds (this is a bug in dsim)"),
                );
                None
            }
        }
    }

    /// Reads the count `key`: [`Fields::int`] for the model's `u32`s.
    pub fn count(&self, key: &str, p: &mut Problems) -> Option<u32> {
        self.int(key, p).and_then(|n| u32::try_from(n).ok())
    }

    /// [`Fields::count`] of a key that must be present.
    pub fn require_count(&self, key: &str, p: &mut Problems) -> Option<u32> {
        if !self.has(key) {
            self.missing(key, None, p);
        }
        self.count(key, p)
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

/// Reports a key that the format does not know.
fn check_key(key: &str, at: At, desc: &format::Table, context: &str, p: &mut Problems) {
    if desc.key(key).is_some() {
        return;
    }
    let known: Vec<&str> = desc.keys().map(|k| k.name).collect();
    let in_scenario = format::SCENARIO.key(key).is_some();
    let key = quote(key);
    let hint = match closest(&key, &known) {
        Some(c) => format!("did you mean `{c}`?"),
        None if in_scenario => format!(
            "`{key}` belongs in [scenario]: TOML puts a key into the table whose header comes before it"
        ),
        None => format!("expected one of: {}", known.join(", ")),
    };
    p.hinted(at, format!("unknown key `{key}` in {context}"), Some(hint));
}

/// Refuses an array longer than the limit of its key, at the first
/// element past the limit.
fn check_length(key: &format::Key, node: &Node, section: bool, p: &mut Problems) {
    let max = match key.kind {
        Kind::Tables { max, .. } | Kind::Expectations { max } => max,
        Kind::Calls => limits::MAX_CALLS,
        Kind::RateSchedule => limits::MAX_RATE_STEPS,
        _ => return,
    };
    let Value::Array(items) = &node.value else {
        return;
    };
    let Some(first_over) = items.get(max) else {
        return;
    };
    let (n, name) = (items.len(), key.name);
    let message = if section {
        format!("{n} [[{name}]] sections are above the limit of {max} per file")
    } else {
        format!("`{name}` has {n} entries, above the limit of {max}")
    };
    p.hinted(first_over.at, message, Some(LIMIT_HINT.to_string()));
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

/// An integer within `int`'s bounds; past a limit, the message names it.
pub(crate) fn bounded(node: &Node, key: &str, int: Int, p: &mut Problems) -> Option<i64> {
    let n = whole(node, key, p)?;
    let Int { min, max, per } = int;
    if n < min {
        p.error(node.at, format!("`{key}` must be at least {min}, got {n}"));
        return None;
    }
    if n > max {
        match per {
            Some(per) => p.hinted(
                node.at,
                format!("`{key}` = {n} is above the limit of {max} {per}"),
                Some(LIMIT_HINT.to_string()),
            ),
            None => p.error(node.at, format!("`{key}` must be at most {max}, got {n}")),
        }
        return None;
    }
    Some(n)
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

/// A rate per second: a finite number from 0 to [`limits::MAX_RATE`].
pub(crate) fn rate(node: &Node, key: &str, p: &mut Problems) -> Option<f64> {
    let x = number(node, key, p)?;
    if !(0.0..=limits::MAX_RATE).contains(&x) {
        p.hinted(
            node.at,
            format!(
                "`{key}` must be from 0 to {} per second, got {x:?}",
                limits::MAX_RATE
            ),
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

/// A duration longer than 0.
pub(crate) fn positive_duration(node: &Node, key: &str, p: &mut Problems) -> Option<SimDuration> {
    let d = duration(node, key, p)?;
    if d.0 == 0 {
        p.error(node.at, format!("`{key}` must be longer than 0"));
        return None;
    }
    Some(d)
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
        format!(
            "unknown {key} `{}`: expected {}",
            quote(word),
            names.join(", ")
        ),
        closest(word, &names).map(|c| format!("did you mean `{c}`?")),
    );
    None
}
