//! How numbers look in terminal output. JSON and CSV print full precision;
//! tables round to what a person compares at a glance.

/// A value with at most `decimals` decimals and no trailing zeros: `0.99873`, `12`, `4.5`.
pub fn trimmed(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" {
            "0".to_string()
        } else {
            s.to_string()
        }
    } else {
        s
    }
}

/// Milliseconds, with fewer decimals as the value grows: `0.052`, `4.20`, `1250.0`.
pub fn millis(x: f64) -> String {
    if x < 1.0 {
        format!("{x:.3}")
    } else if x < 1000.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.1}")
    }
}

/// A fraction as a percentage with two decimals: `99.87%`.
pub fn percent(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_for_people() {
        assert_eq!(trimmed(0.998734, 6), "0.998734");
        assert_eq!(trimmed(12.0, 6), "12");
        assert_eq!(trimmed(4.5000001, 3), "4.5");
        assert_eq!(trimmed(-0.0000001, 3), "0");
        assert_eq!(millis(0.0523), "0.052");
        assert_eq!(millis(4.2), "4.20");
        assert_eq!(millis(1250.04), "1250.0");
        assert_eq!(percent(0.99873), "99.87%");
    }
}
