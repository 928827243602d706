//! Rate limits of a caller or a service: gRPC's retry throttling and token
//! buckets, shared or one per request key.

use crate::limits::MAX_KEY_BUCKETS;
use crate::scenario::policy::{Budget, LimitScope, TokenBucket};
use crate::time::{SimTime, NS_PER_S};
use std::collections::{BTreeMap, BTreeSet};

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

    /// When it is full again if nothing takes from it (never at rate 0).
    fn full_at(&self) -> SimTime {
        let missing = self.burst - self.units;
        let wait = match self.rate {
            0 => u128::MAX,
            rate => missing.div_ceil(rate),
        };
        let room = u128::from(u64::MAX - self.at.0);
        SimTime(self.at.0 + wait.min(room) as u64)
    }
}

/// A `limit`: one bucket for every request, or one per request key.
#[derive(Clone, Debug)]
pub enum Limiter {
    All(Bucket),
    Key(KeyedBuckets),
}

impl Limiter {
    pub fn new(b: &TokenBucket) -> Limiter {
        match b.per {
            LimitScope::All => Limiter::All(Bucket::new(b)),
            LimitScope::Key => Limiter::Key(KeyedBuckets {
                fresh: Bucket::new(b),
                live: BTreeMap::new(),
                refilled: BTreeSet::new(),
            }),
        }
    }

    /// Takes one token for a request carrying `key` at `now`, if there is one.
    pub fn take(&mut self, now: SimTime, key: u64) -> bool {
        match self {
            Limiter::All(b) => b.take(now),
            Limiter::Key(k) => k.take(now, key),
        }
    }
}

/// One token bucket per key, made when the key first comes and forgotten
/// as soon as it is full again: a full bucket is the same as a fresh one,
/// so forgetting it changes nothing, and memory follows the keys active in
/// the last `burst / rate` seconds, not the length of the run. At most
/// [`MAX_KEY_BUCKETS`] are kept; past that the one nearest to full is
/// forgotten early (its key then finds a full bucket a little sooner).
#[derive(Clone, Debug)]
pub struct KeyedBuckets {
    /// A full bucket, copied for a key that has none.
    fresh: Bucket,
    live: BTreeMap<u64, Bucket>,
    /// `(full again at, key)` of every live bucket, soonest first.
    refilled: BTreeSet<(SimTime, u64)>,
}

impl KeyedBuckets {
    fn take(&mut self, now: SimTime, key: u64) -> bool {
        while let Some(&(at, k)) = self.refilled.first() {
            if at > now {
                break;
            }
            self.refilled.pop_first();
            self.live.remove(&k);
        }
        let mut bucket = match self.live.remove(&key) {
            Some(b) => {
                self.refilled.remove(&(b.full_at(), key));
                b
            }
            None => Bucket {
                at: now,
                ..self.fresh.clone()
            },
        };
        let took = bucket.take(now);
        // Never full after a take: it either lost a token or had none.
        if self.live.len() >= MAX_KEY_BUCKETS {
            if let Some((_, k)) = self.refilled.pop_first() {
                self.live.remove(&k);
            }
        }
        self.refilled.insert((bucket.full_at(), key));
        self.live.insert(key, bucket);
        took
    }

    /// Buckets held now.
    #[cfg(test)]
    fn held(&self) -> usize {
        self.live.len()
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
            per: LimitScope::All,
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

    fn keyed(rate: f64, burst: u32) -> KeyedBuckets {
        match Limiter::new(&TokenBucket {
            rate,
            burst,
            per: LimitScope::Key,
        }) {
            Limiter::Key(k) => k,
            Limiter::All(_) => unreachable!("per key"),
        }
    }

    #[test]
    fn a_bursting_key_spends_only_its_own_tokens() {
        // Key 0 asks every millisecond for 10 s; keys 1 to 9 once a second
        // each. At 10 tokens a second and a burst of 20, key 0 gets exactly
        // its 20 saved tokens and one per 100 ms after: 20 + 100 (the
        // request at 10 s included) of 10,001; every other key gets all.
        let mut k = keyed(10.0, 20);
        let mut taken = [0u32; 10];
        for ms in 0..=10_000u64 {
            let now = SimTime(ms * 1_000_000);
            taken[0] += u32::from(k.take(now, 0));
            if ms % 1000 == 0 {
                for key in 1..10 {
                    taken[key as usize] += u32::from(k.take(now, key));
                }
            }
        }
        assert_eq!(taken[0], 120);
        assert!(taken[1..].iter().all(|t| *t == 11), "{taken:?}");
    }

    #[test]
    fn full_buckets_are_forgotten_and_come_back_fresh() {
        let mut k = keyed(10.0, 2);
        for key in 0..1000 {
            assert!(k.take(SimTime::ZERO, key));
        }
        assert_eq!(k.held(), 1000);
        // A bucket of 2 that lost one token is full again after 100 ms.
        assert!(k.take(SimTime(99_999_999), 5000));
        assert_eq!(k.held(), 1001, "99.99 ms: none is full yet");
        assert!(k.take(SimTime(100_000_000), 0));
        assert_eq!(k.held(), 2, "the 999 refilled ones are gone");
        // Key 0 took again at 100 ms and has 1 left; a fresh one has 2.
        assert!(k.take(SimTime(100_000_000), 0));
        assert!(!k.take(SimTime(100_000_000), 0));
        assert!(k.take(SimTime(100_000_000), 7) && k.take(SimTime(100_000_000), 7));
    }

    #[test]
    fn keyed_buckets_stay_within_their_limit() {
        let mut k = keyed(0.001, 1);
        for key in 0..(MAX_KEY_BUCKETS as u64 + 10) {
            assert!(k.take(SimTime(key), key), "every key's first token");
        }
        assert_eq!(k.held(), MAX_KEY_BUCKETS);
    }
}
