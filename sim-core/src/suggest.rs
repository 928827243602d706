//! "Did you mean …?" hints for misspelt keys and names.

/// Returns `"; did you mean `x`?"` for the closest candidate, or `""` when
/// nothing is close enough to be a plausible typo.
pub fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    closest(word, candidates)
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

/// The candidate closest to `word` by Jaro–Winkler similarity, if it is
/// similar enough (0.8, the usual threshold for typos in short identifiers).
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(word, c), *c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_key() {
        assert_eq!(
            closest("retires", &["retry", "timeout", "rate"]),
            Some("retry")
        );
        assert_eq!(
            did_you_mean("wrokers", &["workers", "queue"]),
            "; did you mean `workers`?"
        );
        assert_eq!(closest("zzz", &["retry", "timeout"]), None);
    }
}
