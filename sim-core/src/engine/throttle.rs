//! Rate limits of a caller or a service: gRPC's retry throttling and token
//! buckets.

use crate::scenario::policy::{Budget, TokenBucket};
use crate::time::{SimTime, NS_PER_S};

/// gRPC retry throttling (proposal A6), in integer milli-tokens so that
/// `0.1` added ten times is exactly one token.
///
/// Tokens start at `max_tokens`; every failed attempt takes one, every
/// successful one gives back `token_ratio`; retries and hedges are allowed
/// only while more than half of `max_tokens` are left.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryBudget {
    tokens: u64,
    max: u64,
    ratio: u64,
}

impl RetryBudget {
    pub fn new(b: &Budget) -> RetryBudget {
        let max = u64::from(b.max_tokens) * 1000;
        RetryBudget {
            tokens: max,
            max,
            ratio: libm::round(b.token_ratio * 1000.0) as u64,
        }
    }

    /// An attempt failed.
    pub fn on_failure(&mut self) {
        self.tokens = self.tokens.saturating_sub(1000);
    }

    /// An attempt succeeded.
    pub fn on_success(&mut self) {
        self.tokens = (self.tokens + self.ratio).min(self.max);
    }

    /// Whether a retry or a hedge may be sent now.
    pub fn allows(&self) -> bool {
        self.tokens * 2 > self.max
    }

    /// Tokens left, in thousandths.
    #[cfg(test)]
    pub fn milli_tokens(&self) -> u64 {
        self.tokens
    }
}

/// Units of a token in a [`Bucket`]: a thousandth of a token per second
/// accrues one unit per nanosecond, so refills are exact integers.
const UNITS: u128 = 1000 * NS_PER_S as u128;

/// A token bucket: `rate` tokens a second (to a thousandth), at most `burst`
/// saved; it starts full.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bucket {
    units: u128,
    burst: u128,
    /// Thousandths of a token per second.
    rate: u128,
    at: SimTime,
}

impl Bucket {
    pub fn new(b: &TokenBucket) -> Bucket {
        let burst = u128::from(b.burst) * UNITS;
        Bucket {
            units: burst,
            burst,
            rate: libm::round(b.rate * 1000.0) as u128,
            at: SimTime::ZERO,
        }
    }

    /// Takes one token at `now` if there is one.
    pub fn take(&mut self, now: SimTime) -> bool {
        let elapsed = u128::from(now.since(self.at).0);
        self.units = (self.units + elapsed * self.rate).min(self.burst);
        self.at = now;
        if self.units >= UNITS {
            self.units -= UNITS;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_a6_token_trace() {
        let mut b = RetryBudget::new(&Budget {
            max_tokens: 10,
            token_ratio: 0.1,
        });
        let mut allowed = Vec::new();
        for _ in 0..6 {
            b.on_failure();
            allowed.push(b.allows());
        }
        // 9, 8, 7, 6 tokens allow retries; 5 is not more than half of 10.
        assert_eq!(allowed, [true, true, true, true, false, false]);
        assert_eq!(b.milli_tokens(), 4000);
        for _ in 0..10 {
            b.on_success();
        }
        assert_eq!(b.milli_tokens(), 5000, "exactly 5 after ten 0.1s");
        assert!(!b.allows(), "5.0 is not more than 5");
        b.on_success();
        assert!(b.allows(), "the 11th success resumes retries at 5.1");
        for _ in 0..100 {
            b.on_success();
        }
        assert_eq!(b.milli_tokens(), 10_000, "capped at max_tokens");
        for _ in 0..20 {
            b.on_failure();
        }
        assert_eq!(b.milli_tokens(), 0, "never below zero");
    }

    #[test]
    fn bucket_refills_at_its_rate_up_to_burst() {
        let mut b = Bucket::new(&TokenBucket {
            rate: 10.0,
            burst: 2,
        });
        let t0 = SimTime::ZERO;
        assert!(b.take(t0) && b.take(t0), "starts full");
        assert!(!b.take(t0));
        assert!(!b.take(SimTime(99_000_000)), "0.99 tokens after 99ms");
        assert!(b.take(SimTime(100_000_000)), "one token per 100ms");
        assert!(b.take(SimTime(10_000_000_000)));
        assert!(b.take(SimTime(10_000_000_000)));
        assert!(!b.take(SimTime(10_000_000_000)), "saved at most burst");
    }
}
