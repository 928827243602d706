//! Latency histograms with bounded relative error and fixed memory.
//!
//! Percentiles come from an HDR histogram at three significant digits (0.1%
//! relative error), whose size depends on the range of values, not on how
//! many were recorded. The mean and the maximum are kept exactly beside it.

use crate::report::Latency;
use crate::time::{SimDuration, NS_PER_MS};
use hdrhistogram::Histogram;

/// Durations recorded in nanoseconds.
#[derive(Clone, Debug)]
pub struct Hist {
    hdr: Histogram<u64>,
    sum: u128,
    max: u64,
}

impl Default for Hist {
    fn default() -> Self {
        Hist {
            hdr: Histogram::new(3).expect("3 significant digits is a valid precision"),
            sum: 0,
            max: 0,
        }
    }
}

impl Hist {
    /// Records one duration.
    pub fn record(&mut self, d: SimDuration) {
        // The histogram resizes itself to fit; only a value past its hard
        // ceiling (about 2^63 ns) could fail, and that one is clamped.
        if self.hdr.record(d.0).is_err() {
            self.hdr.saturating_record(d.0);
        }
        self.sum += u128::from(d.0);
        self.max = self.max.max(d.0);
    }

    /// How many durations were recorded.
    pub fn count(&self) -> u64 {
        self.hdr.len()
    }

    /// Forgets everything (for per-window series).
    pub fn clear(&mut self) {
        self.hdr.reset();
        self.sum = 0;
        self.max = 0;
    }

    /// The exact mean in milliseconds (0 when empty).
    pub fn mean_ms(&self) -> f64 {
        match self.count() {
            0 => 0.0,
            n => self.sum as f64 / n as f64 / NS_PER_MS as f64,
        }
    }

    /// The exact maximum in milliseconds.
    pub fn max_ms(&self) -> f64 {
        self.max as f64 / NS_PER_MS as f64
    }

    /// The `q` quantile in milliseconds (0 when empty).
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.count() == 0 {
            return 0.0;
        }
        // The HDR value is the top of the bucket; never report above the true max.
        self.hdr.value_at_quantile(q).min(self.max) as f64 / NS_PER_MS as f64
    }

    /// The report's latency block.
    pub fn summary(&self) -> Latency {
        Latency {
            count: self.count(),
            mean: round3(self.mean_ms()),
            p50: round3(self.quantile_ms(0.5)),
            p90: round3(self.quantile_ms(0.9)),
            p95: round3(self.quantile_ms(0.95)),
            p99: round3(self.quantile_ms(0.99)),
            p999: round3(self.quantile_ms(0.999)),
            max: round3(self.max_ms()),
        }
    }
}

/// Rounds to three decimals (microseconds when in ms), for readable output.
pub fn round3(x: f64) -> f64 {
    libm::round(x * 1000.0) / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_within_a_tenth_of_a_percent() {
        let mut h = Hist::default();
        for ms in 1..=1000u64 {
            h.record(SimDuration::from_millis(ms));
        }
        assert_eq!(h.count(), 1000);
        assert!(
            (h.quantile_ms(0.5) - 500.0).abs() <= 0.5,
            "{}",
            h.quantile_ms(0.5)
        );
        assert!((h.quantile_ms(0.99) - 990.0).abs() <= 1.0);
        assert_eq!(h.mean_ms(), 500.5);
        assert_eq!(h.max_ms(), 1000.0);
        h.clear();
        assert_eq!((h.count(), h.quantile_ms(0.5), h.mean_ms()), (0, 0.0, 0.0));
    }
}
