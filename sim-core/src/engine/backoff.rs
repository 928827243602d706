//! The delay before a retry: backoff and jitter with the formulas of
//! "Exponential Backoff And Jitter" (AWS Architecture Blog, 2015).

use crate::rng::Stream;
use crate::scenario::policy::{Backoff, Jitter, Retry};
use crate::time::SimDuration;

/// A uniform draw from `lo..=hi` nanoseconds.
fn between(rng: &mut Stream, lo: u64, hi: u64) -> u64 {
    lo + rng.below(hi.saturating_sub(lo) + 1)
}

/// The delay before retry number `n` (1 for the first retry).
///
/// `sleep` carries decorrelated jitter's previous delay from one retry of a
/// call to the next; it starts at `base`.
pub fn delay(r: &Retry, n: u32, sleep: &mut SimDuration, rng: &mut Stream) -> SimDuration {
    let cap = r.cap.0;
    let d = match r.backoff {
        Backoff::None => 0,
        Backoff::Constant => r.base.0.min(cap),
        Backoff::Exponential => {
            let grown = r.base.0 as f64 * libm::pow(r.multiplier, f64::from(n - 1));
            if grown >= cap as f64 {
                cap
            } else {
                libm::round(grown) as u64
            }
        }
    };
    let ns = match r.jitter {
        Jitter::None => d,
        Jitter::Full => between(rng, 0, d),
        Jitter::Equal => d / 2 + between(rng, 0, d - d / 2),
        Jitter::Decorrelated => {
            let hi = sleep.0.saturating_mul(3).max(r.base.0);
            let s = between(rng, r.base.0, hi).min(cap);
            *sleep = SimDuration(s);
            s
        }
    };
    SimDuration(ns)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retry(backoff: Backoff, jitter: Jitter) -> Retry {
        Retry {
            max_attempts: 10,
            backoff,
            base: SimDuration::from_millis(100),
            multiplier: 2.0,
            cap: SimDuration::from_millis(1000),
            jitter,
            retry_on: Retry::DEFAULT_ON.to_vec(),
        }
    }

    /// The delays of retries 1..=6 in milliseconds (rounded down).
    fn delays(r: &Retry) -> Vec<u64> {
        let mut rng = Stream::fork(7, "backoff-test");
        let mut sleep = r.base;
        (1..=6)
            .map(|n| delay(r, n, &mut sleep, &mut rng).0 / 1_000_000)
            .collect()
    }

    #[test]
    fn deterministic_backoffs() {
        assert_eq!(delays(&retry(Backoff::None, Jitter::None)), [0; 6]);
        assert_eq!(
            delays(&retry(Backoff::Constant, Jitter::None)),
            [100, 100, 100, 100, 100, 100]
        );
        assert_eq!(
            delays(&retry(Backoff::Exponential, Jitter::None)),
            [100, 200, 400, 800, 1000, 1000],
            "base * 2^(n-1), capped at 1s"
        );
        let mut r = retry(Backoff::Exponential, Jitter::None);
        r.multiplier = 1.5;
        assert_eq!(delays(&r), [100, 150, 225, 337, 506, 759]);
    }

    #[test]
    fn jittered_backoffs_from_a_fixed_seed() {
        let full = delays(&retry(Backoff::Exponential, Jitter::Full));
        let equal = delays(&retry(Backoff::Exponential, Jitter::Equal));
        let decorrelated = delays(&retry(Backoff::Exponential, Jitter::Decorrelated));
        // The exact sequences pin the formulas and the seeded stream.
        assert_eq!(full, [95, 82, 295, 708, 271, 474]);
        assert_eq!(equal, [83, 130, 294, 523, 894, 794]);
        assert_eq!(decorrelated, [100, 100, 135, 202, 459, 123]);
        let plain = [100, 200, 400, 800, 1000, 1000];
        for (i, d) in plain.iter().enumerate() {
            assert!(full[i] <= *d, "full jitter: 0..=d");
            assert!(equal[i] >= d / 2 && equal[i] <= *d, "equal: d/2..=d");
            assert!((100..=1000).contains(&decorrelated[i]), "base..=cap");
        }
    }

    #[test]
    fn full_jitter_is_uniform_on_zero_to_d() {
        let r = retry(Backoff::Constant, Jitter::Full);
        let mut rng = Stream::fork(1, "uniform");
        let mut sleep = r.base;
        let n = 20_000;
        let sum: f64 = (0..n)
            .map(|_| delay(&r, 1, &mut sleep, &mut rng).0 as f64 / 1e6)
            .sum();
        // Mean 50ms, sd 28.9ms: the mean of 20,000 has sd 0.2ms; allow 5 sd.
        assert!((sum / n as f64 - 50.0).abs() < 1.0);
    }
}
