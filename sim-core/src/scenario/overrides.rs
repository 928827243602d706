//! `--set PATH=VALUE` overrides, applied to the document tree before it is
//! checked, so that an overridden value is validated like a written one.
//!
//! A path walks tables by key and arrays by element: an element is chosen by
//! its 0-based index or by its `name` (for `calls` and `publish`, by its
//! `to`): `client.users.rate`, `service.api.calls.1.timeout`,
//! `service.api.endpoint.charge.service_time`, `link.0.latency`,
//! `queue.orders.ack_timeout`, `service.api.publish.orders.outbox`.

use super::depth;
use super::format;
use super::problems::{At, Problems};
use super::tree::{self, Entry, Node, Table, Value};
use crate::suggest::closest;
use crate::text::quote;

/// One `--set PATH=VALUE` override (or a value of a sweep's `--param`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Override {
    /// Dot-separated keys, like `service.db.workers`.
    pub path: String,
    /// The value as typed: TOML if it parses as a TOML value, else a bare string.
    pub value: String,
    /// The flag that gave it, as problems with it name it: `--set`.
    pub flag: &'static str,
}

impl Override {
    /// `--set PATH=VALUE`.
    pub fn set(path: impl Into<String>, value: impl Into<String>) -> Override {
        Override {
            path: path.into(),
            value: value.into(),
            flag: "--set",
        }
    }
}

/// Parses "PATH=VALUE" from the command line into an [`Override`].
pub fn parse_override(arg: &str) -> Result<Override, String> {
    let (path, value) = arg.split_once('=').ok_or_else(|| {
        format!(
            "`{}` is not PATH=VALUE: write it like client.users.rate=900",
            quote(arg)
        )
    })?;
    let path = path.trim();
    if path.split('.').count() > crate::limits::MAX_NESTING {
        return Err(format!(
            "`{}` has more than {} keys, above the limit of the format's nesting",
            quote(path),
            crate::limits::MAX_NESTING
        ));
    }
    if path.split('.').any(|key| key.trim().is_empty()) {
        return Err(format!(
            "`{}` is not a path: expected keys separated by dots, like service.db.workers",
            quote(path)
        ));
    }
    Ok(Override::set(path, value))
}

/// Applies every override in order; a path that names nothing is a problem.
pub(crate) fn apply(root: &mut Node, overrides: &[Override], problems: &mut Problems) {
    for (i, o) in overrides.iter().enumerate() {
        let at = At::Set(i);
        if depth::toml(&o.value, true).is_some() {
            problems.error(at, depth::too_deep());
            continue;
        }
        let value = tree::parse_toml_value(&o.value, at).unwrap_or(Node {
            at,
            value: Value::String(o.value.clone()),
        });
        let keys = keys_of(root, &o.path);
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        if let Err((message, hint)) = set(root, &keys, value, at) {
            problems.hinted(at, message, hint);
        }
    }
}

/// The keys of `path`. A queue's name may hold dots (a saga's event queue,
/// `checkout.1`): after `queue`, the longest run of keys that names a
/// declared queue is one key.
fn keys_of(root: &Node, path: &str) -> Vec<String> {
    let mut keys: Vec<String> = path.split('.').map(|k| k.trim().to_string()).collect();
    if keys.first().map(String::as_str) != Some("queue") {
        return keys;
    }
    let declared: Vec<&str> = match &root.value {
        Value::Table(t) => match t.get("queue").map(|e| &e.node.value) {
            Some(Value::Array(items)) => items.iter().filter_map(label).collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    for end in (3..keys.len()).rev() {
        let name = keys[1..end].join(".");
        if declared.contains(&name.as_str()) {
            keys.splice(1..end, [name]);
            break;
        }
    }
    keys
}

/// Why a path names nothing, and a hint.
type Miss = (String, Option<String>);

/// Puts `value` at `keys` under `root`, creating missing tables on the way
/// but never new array elements (there is no name to give them).
fn set(root: &mut Node, keys: &[&str], value: Node, at: At) -> Result<(), Miss> {
    let Some((last, walk)) = keys.split_last() else {
        return Err(("the path is empty".to_string(), None));
    };
    if let Some(section) = keys.first() {
        check_section(section)?;
    }
    let mut node = root;
    let mut parent = "the file";
    for key in walk {
        node = step(node, key, parent, at)?;
        parent = key;
    }
    match &mut node.value {
        Value::Table(t) => {
            match t.get_mut(last) {
                Some(entry) => entry.node = value,
                None => t.entries.push(Entry {
                    key: (*last).to_string(),
                    key_at: at,
                    node: value,
                }),
            }
            Ok(())
        }
        Value::Array(items) => {
            let i = element(items, last, parent)?;
            if let Some(slot) = items.get_mut(i) {
                *slot = value;
            }
            Ok(())
        }
        other => Err(not_a_table(parent, other)),
    }
}

/// Rejects a first key that is no section of the format.
fn check_section(key: &str) -> Result<(), Miss> {
    let sections: Vec<&str> = format::TOP.keys().map(|k| k.name).collect();
    if sections.contains(&key) {
        return Ok(());
    }
    let hint = closest(key, &sections).map(|c| format!("did you mean `{c}`?"));
    Err((format!("no section `{}`", quote(key)), hint))
}

/// One step down from `node` by `key`: a table's entry (created empty if
/// missing, as an array for the keys that hold arrays of tables) or an
/// array's element.
fn step<'n>(node: &'n mut Node, key: &str, parent: &str, at: At) -> Result<&'n mut Node, Miss> {
    match &mut node.value {
        Value::Table(t) => {
            let i = match t.entries.iter().position(|e| e.key == key) {
                Some(i) => i,
                None => {
                    let value = if format::ARRAYS.contains(&key) {
                        Value::Array(Vec::new())
                    } else {
                        Value::Table(Table::default())
                    };
                    t.entries.push(Entry {
                        key: key.to_string(),
                        key_at: at,
                        node: Node { at, value },
                    });
                    t.entries.len() - 1
                }
            };
            t.entries
                .get_mut(i)
                .map(|e| &mut e.node)
                .ok_or_else(|| (format!("no `{}`", quote(key)), None))
        }
        Value::Array(items) => {
            let i = element(items, key, parent)?;
            items
                .get_mut(i)
                .ok_or_else(|| (format!("no `{}` in `{}`", quote(key), quote(parent)), None))
        }
        other => Err(not_a_table(parent, other)),
    }
}

/// The arrays whose elements are named by their `to`.
const BY_TARGET: &[&str] = &["calls", "publish"];

/// The index of the element `key` names: a number, or a `name` (or `to`).
fn element(items: &[Node], key: &str, array: &str) -> Result<usize, Miss> {
    if let Ok(i) = key.parse::<usize>() {
        return if i < items.len() {
            Ok(i)
        } else {
            Err((
                format!(
                    "`{}` has no element {i}: it has {}",
                    quote(array),
                    items.len()
                ),
                None,
            ))
        };
    }
    let names: Vec<&str> = items.iter().filter_map(label).collect();
    if let Some(i) = items.iter().position(|n| label(n) == Some(key)) {
        return Ok(i);
    }
    let what = if format::ARRAYS.contains(&array) && !BY_TARGET.contains(&array) {
        format!("no {array} `{}`", quote(key))
    } else {
        format!("no element `{}` in `{}`", quote(key), quote(array))
    };
    let hint = closest(key, &names).map(|c| format!("did you mean `{c}`?"));
    Err((what, hint))
}

/// What an array element is called in a path: its `name`, or a call's `to`
/// (or the call itself, when it is written as just its target).
fn label(node: &Node) -> Option<&str> {
    let t = match &node.value {
        Value::Table(t) => t,
        Value::String(s) => return Some(s),
        _ => return None,
    };
    ["name", "to"]
        .iter()
        .find_map(|k| match t.get(k).map(|e| &e.node.value) {
            Some(Value::String(s)) => Some(s.as_str()),
            _ => None,
        })
}

fn not_a_table(key: &str, value: &Value) -> Miss {
    (
        format!(
            "`{}` is {}, which has no keys to set",
            quote(key),
            value.kind()
        ),
        None,
    )
}
