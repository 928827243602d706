//! The document as a tree of values that remember where they are.
//!
//! TOML and JSON both become this one shape, overrides edit it, and the
//! loader reads it; so every later check reports a place whatever the input.

use super::problems::{At, Problems};
use crate::text::{escape, quote};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// A value and where it comes from.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub at: At,
    pub value: Value,
}

/// The values of TOML (JSON's are a subset, without dates).
#[derive(Clone, Debug)]
pub(crate) enum Value {
    String(String),
    Integer(i64),
    Float(f64),
    Boolean(bool),
    /// No key of the format takes a date: this is only to say so.
    Datetime,
    Array(Vec<Node>),
    Table(Table),
}

/// A table's entries, in the order the parser gave them.
#[derive(Clone, Debug, Default)]
pub(crate) struct Table {
    pub entries: Vec<Entry>,
}

/// One `key = value` of a table.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub key: String,
    pub key_at: At,
    pub node: Node,
}

impl Node {
    /// Where the value of `key` is, if this is a table holding it; else
    /// where this node is.
    pub fn place(&self, key: &str) -> At {
        match &self.value {
            Value::Table(t) => t.get(key).map_or(self.at, |e| e.node.at),
            _ => self.at,
        }
    }
}

impl Value {
    /// The kind of value, with its article, for "found a string".
    pub fn kind(&self) -> &'static str {
        match self {
            Value::String(_) => "a string",
            Value::Integer(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Boolean(_) => "a boolean",
            Value::Datetime => "a date-time",
            Value::Array(_) => "an array",
            Value::Table(_) => "a table",
        }
    }
}

impl Table {
    /// The entry for `key`, if present.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// The entry for `key`, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Entry> {
        self.entries.iter_mut().find(|e| e.key == key)
    }
}

/// Parses TOML text, reporting every syntax error (the tree is then `None`).
pub(crate) fn parse_toml(text: &str, problems: &mut Problems) -> Option<Node> {
    let (doc, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        for e in errors {
            let offset = e.span().map_or(0, |s| s.start);
            problems.error(
                At::File(offset),
                format!("TOML syntax: {}", escape(e.message())),
            );
        }
        return None;
    }
    let at = At::File(doc.span().start);
    Some(Node {
        at,
        value: Value::Table(table(doc.into_inner(), problems)),
    })
}

/// Parses one value as TOML (`900`, `true`, `"x"`, `{ a = 1 }`), for
/// overrides; `None` if it is not one (the caller then takes it as a string).
pub(crate) fn parse_toml_value(text: &str, at: At) -> Option<Node> {
    let value = DeValue::parse(text).ok()?;
    let mut problems = Problems::new(text, &[]);
    let mut node = convert(value, &mut problems)?;
    if !problems.is_empty() {
        return None;
    }
    node.relocate(at);
    Some(node)
}

impl Node {
    /// Moves this node and everything in it to `at` (values set by an override).
    pub fn relocate(&mut self, at: At) {
        self.at = at;
        match &mut self.value {
            Value::Array(items) => items.iter_mut().for_each(|n| n.relocate(at)),
            Value::Table(t) => t.entries.iter_mut().for_each(|e| {
                e.key_at = at;
                e.node.relocate(at);
            }),
            _ => {}
        }
    }
}

fn table(t: DeTable<'_>, problems: &mut Problems) -> Table {
    let entries = t
        .into_iter()
        .filter_map(|(key, value)| {
            let key_at = At::File(key.span().start);
            let node = convert(value, problems)?;
            Some(Entry {
                key: key.into_inner().into_owned(),
                key_at,
                node,
            })
        })
        .collect();
    Table { entries }
}

fn convert(v: Spanned<DeValue<'_>>, problems: &mut Problems) -> Option<Node> {
    let at = At::File(v.span().start);
    let value = match v.into_inner() {
        DeValue::String(s) => Value::String(s.into_owned()),
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => Value::Integer(n),
            Err(_) => {
                problems.error(
                    at,
                    format!("`{}` is too large an integer", quote(i.as_str())),
                );
                return None;
            }
        },
        DeValue::Float(f) => match f.as_str().parse::<f64>() {
            Ok(x) => Value::Float(x),
            Err(_) => {
                problems.error(at, format!("`{}` is not a number", quote(f.as_str())));
                return None;
            }
        },
        DeValue::Boolean(b) => Value::Boolean(b),
        DeValue::Datetime(_) => Value::Datetime,
        DeValue::Array(items) => Value::Array(
            items
                .into_iter()
                .filter_map(|n| convert(n, problems))
                .collect(),
        ),
        DeValue::Table(t) => Value::Table(table(t, problems)),
    };
    Some(Node { at, value })
}
