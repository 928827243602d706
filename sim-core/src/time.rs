//! Simulated time: integer nanoseconds, never floating point.
//!
//! A float clock drifts (`0.1 + 0.2 != 0.3`) and needs epsilon patches; an
//! integer clock gives a total order of instants and exact arithmetic, and the
//! same bits natively and in WebAssembly.

use std::fmt;
use std::ops::{Add, Sub};

/// Nanoseconds per unit, for parsing and printing.
pub const NS_PER_US: u64 = 1_000;
/// Nanoseconds in a millisecond.
pub const NS_PER_MS: u64 = 1_000_000;
/// Nanoseconds in a second.
pub const NS_PER_S: u64 = 1_000_000_000;

/// An instant of simulated time, in nanoseconds since the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

/// A span of simulated time, in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(pub u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// Later than any instant a run can reach; used for "never".
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// Time elapsed since `earlier`, or zero if `earlier` is later.
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }

    /// Seconds as a float, for reports only (never for the clock).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NS_PER_S as f64
    }
}

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);

    /// A duration of whole milliseconds.
    pub const fn from_millis(ms: u64) -> Self {
        SimDuration(ms * NS_PER_MS)
    }

    /// A duration of whole seconds.
    pub const fn from_secs(s: u64) -> Self {
        SimDuration(s * NS_PER_S)
    }

    /// Milliseconds as a float, for reports only.
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / NS_PER_MS as f64
    }

    /// Seconds as a float, for reports only.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NS_PER_S as f64
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    /// Saturates at [`SimTime::MAX`]: an instant past the end of time is "never".
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    fn sub(self, rhs: SimTime) -> SimDuration {
        self.since(rhs)
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(d.0))
    }
}

impl fmt::Display for SimDuration {
    /// Prints the largest unit that divides the value exactly, so that a
    /// printed duration parses back to the same nanoseconds.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = self.0;
        let units = [
            (3_600 * NS_PER_S, "h"),
            (60 * NS_PER_S, "m"),
            (NS_PER_S, "s"),
            (NS_PER_MS, "ms"),
            (NS_PER_US, "us"),
        ];
        for (size, unit) in units {
            if ns != 0 && ns.is_multiple_of(size) {
                return write!(f, "{}{}", ns / size, unit);
            }
        }
        write!(f, "{ns}ns")
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        SimDuration(self.0).fmt(f)
    }
}

/// Parses a duration with a unit: `250ms`, `1.5s`, `2m`, `100us`, `40ns`, `1h`.
///
/// Decimal fractions are parsed exactly (no float rounding): `1.5s` is
/// 1,500,000,000 ns. A fraction finer than a nanosecond is an error.
pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let s = text.trim();
    let shown = crate::text::quote(text);
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    if number.is_empty() {
        return Err(format!(
            "`{shown}` is not a duration: expected a number with a unit, like 250ms or 1.5s"
        ));
    }
    let scale = match unit.trim() {
        "ns" => 1,
        "us" | "µs" => NS_PER_US,
        "ms" => NS_PER_MS,
        "s" => NS_PER_S,
        "m" | "min" => 60 * NS_PER_S,
        "h" => 3_600 * NS_PER_S,
        "" => {
            return Err(format!(
                "`{shown}` has no unit: durations need a unit: 250ms, 1.5s"
            ))
        }
        other => {
            return Err(format!(
                "unknown time unit `{}` in `{shown}`: use ns, us, ms, s, m or h",
                crate::text::quote(other)
            ))
        }
    };
    let (whole, frac) = match number.split_once('.') {
        Some((w, f)) => (w, f),
        None => (number, ""),
    };
    if frac.contains('.') || (whole.is_empty() && frac.is_empty()) {
        return Err(format!("`{shown}` is not a number with a unit"));
    }
    let overflow = || format!("`{shown}` is too long a duration");
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| overflow())?
    };
    let mut ns = whole.checked_mul(scale).ok_or_else(overflow)?;
    let mut place = scale;
    for digit in frac.bytes() {
        if place % 10 != 0 {
            return Err(format!(
                "`{shown}` is finer than a nanosecond, the resolution of simulated time"
            ));
        }
        place /= 10;
        ns = ns
            .checked_add(u64::from(digit - b'0') * place)
            .ok_or_else(overflow)?;
    }
    Ok(SimDuration(ns))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit_exactly() {
        assert_eq!(parse_duration("250ms"), Ok(SimDuration(250_000_000)));
        assert_eq!(parse_duration("1.5s"), Ok(SimDuration(1_500_000_000)));
        assert_eq!(parse_duration("2m"), Ok(SimDuration(120 * NS_PER_S)));
        assert_eq!(parse_duration("100us"), Ok(SimDuration(100_000)));
        assert_eq!(parse_duration("40ns"), Ok(SimDuration(40)));
        assert_eq!(parse_duration("1h"), Ok(SimDuration(3_600 * NS_PER_S)));
        assert_eq!(parse_duration("0.1s"), Ok(SimDuration(100_000_000)));
        assert_eq!(parse_duration("0ms"), Ok(SimDuration(0)));
    }

    #[test]
    fn rejects_bad_durations() {
        assert!(parse_duration("250").unwrap_err().contains("need a unit"));
        assert!(parse_duration("5 parsecs")
            .unwrap_err()
            .contains("unknown time unit"));
        assert!(parse_duration("1.5ns").unwrap_err().contains("finer"));
        assert!(parse_duration("ms").is_err());
        assert!(parse_duration("1.2.3s").is_err());
        assert!(parse_duration("99999999999999999999h").is_err());
    }

    #[test]
    fn display_round_trips() {
        for text in ["250ms", "2m", "1h", "40ns", "1500ms", "100us"] {
            let d = parse_duration(text).unwrap();
            assert_eq!(d.to_string(), text);
            assert_eq!(parse_duration(&d.to_string()), Ok(d));
        }
    }

    #[test]
    fn time_arithmetic_saturates() {
        assert_eq!(SimTime(5) + SimDuration(u64::MAX), SimTime::MAX);
        assert_eq!(SimTime(5) - SimTime(9), SimDuration::ZERO);
    }
}
