//! `keys = { count, popularity }` of a client: the keys its requests carry.

use super::fields::{self, Fields};
use super::format;
use super::model::{Keys, Popularity};
use super::problems::Problems;
use super::tree::Node;
use crate::text::quote;

/// The hint of every malformed popularity: both forms.
pub(crate) const POPULARITY_HINT: &str =
    "write `popularity = \"uniform\"` (every key as likely) or `popularity = \"zipf(1.1)\"` (key k with weight 1 / (k + 1)^1.1; the exponent more than 0)";

/// Reads `keys = { … }` of the client `context` names; the default (one
/// key, 0) when a key is omitted.
pub(crate) fn keys(node: &Node, context: &str, p: &mut Problems) -> Option<Keys> {
    let context = format!("`keys` of {context}");
    let f = Fields::open(node, "`keys`", &format::KEYS, context, p)?;
    let count = f.int("count", p).and_then(|n| u64::try_from(n).ok());
    let popularity = f.read("popularity", p, popularity);
    let default = Keys::default();
    Some(Keys {
        count: count.unwrap_or(default.count),
        popularity: popularity.unwrap_or(default.popularity),
    })
}

/// `"uniform"` or `"zipf(S)"` with a finite `S` more than 0.
fn popularity(node: &Node, key: &str, p: &mut Problems) -> Option<Popularity> {
    let text = fields::string(node, key, p)?;
    match parse_popularity(text) {
        Ok(popularity) => Some(popularity),
        Err(message) => {
            p.hinted(node.at, message, Some(POPULARITY_HINT.to_string()));
            None
        }
    }
}

/// Parses a popularity, or says what is wrong with it.
fn parse_popularity(text: &str) -> Result<Popularity, String> {
    let trimmed = text.trim();
    if trimmed == "uniform" {
        return Ok(Popularity::Uniform);
    }
    let Some(inner) = trimmed
        .strip_prefix("zipf(")
        .and_then(|rest| rest.strip_suffix(')'))
    else {
        return Err(format!(
            "`{}` is not a popularity: expected \"uniform\" or \"zipf(S)\"",
            quote(text)
        ));
    };
    match inner.trim().parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 => Ok(Popularity::Zipf(s)),
        Ok(_) => Err(format!(
            "the exponent of `{}` must be a finite number more than 0",
            quote(text)
        )),
        Err(_) => Err(format!("the exponent of `{}` is not a number", quote(text))),
    }
}
