//! The keys a client's requests carry: uniform, or Zipf-distributed so that
//! a few keys are hot.
//!
//! Zipf keys are drawn by rejection-inversion (W. Hörmann and G. Derflinger,
//! "Rejection-inversion to generate variates from monotone discrete
//! distributions", ACM TOMACS 6(3), 1996): constant memory and expected
//! constant time for any number of keys, with `libm` so that every platform
//! draws the same keys.

use crate::rng::Stream;
use crate::scenario::model::{Keys, Popularity};

/// Draws one client's request keys from its own stream.
#[derive(Clone, Debug)]
pub struct KeyDraw {
    count: u64,
    zipf: Option<Zipf>,
    rng: Stream,
}

impl KeyDraw {
    pub fn new(keys: &Keys, rng: Stream) -> KeyDraw {
        let zipf = match keys.popularity {
            Popularity::Zipf(s) if keys.count > 1 => Some(Zipf::new(keys.count, s)),
            _ => None,
        };
        KeyDraw {
            count: keys.count,
            zipf,
            rng,
        }
    }

    /// The next request's key, in `0..count` (key 0 the most popular).
    pub fn next(&mut self) -> u64 {
        match &self.zipf {
            Some(z) => z.sample(&mut self.rng) - 1,
            None if self.count > 1 => self.rng.below(self.count),
            None => 0,
        }
    }
}

/// Zipf's law on `1..=n`: `k` with probability proportional to `k^-s`.
#[derive(Clone, Debug)]
struct Zipf {
    n: u64,
    s: f64,
    /// `H(1.5) - 1`, `H(n + 0.5)` and the squeeze constant of the method.
    h_x1: f64,
    h_n: f64,
    squeeze: f64,
}

impl Zipf {
    fn new(n: u64, s: f64) -> Zipf {
        let mut z = Zipf {
            n,
            s,
            h_x1: 0.0,
            h_n: 0.0,
            squeeze: 0.0,
        };
        z.h_x1 = z.big_h(1.5) - 1.0;
        z.h_n = z.big_h(n as f64 + 0.5);
        z.squeeze = 2.0 - z.big_h_inverse(z.big_h(2.5) - z.h(2.0));
        z
    }

    /// The unnormalised density `x^-s`.
    fn h(&self, x: f64) -> f64 {
        libm::exp(-self.s * libm::log(x))
    }

    /// An antiderivative of `h`: `(x^(1-s) - 1) / (1 - s)` (`ln x` at s = 1).
    fn big_h(&self, x: f64) -> f64 {
        let log_x = libm::log(x);
        expm1_over((1.0 - self.s) * log_x) * log_x
    }

    /// The inverse of [`Self::big_h`].
    fn big_h_inverse(&self, x: f64) -> f64 {
        let t = (x * (1.0 - self.s)).max(-1.0);
        libm::exp(log1p_over(t) * x)
    }

    fn sample(&self, rng: &mut Stream) -> u64 {
        loop {
            let u = self.h_n + rng.unit() * (self.h_x1 - self.h_n);
            let x = self.big_h_inverse(u);
            let k = (libm::floor(x + 0.5) as u64).clamp(1, self.n);
            let kf = k as f64;
            if kf - x <= self.squeeze || u >= self.big_h(kf + 0.5) - self.h(kf) {
                return k;
            }
        }
    }
}

/// `ln(1 + x) / x`, exact near 0.
fn log1p_over(x: f64) -> f64 {
    if x.abs() > 1e-8 {
        libm::log1p(x) / x
    } else {
        1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x))
    }
}

/// `(e^x - 1) / x`, exact near 0.
fn expm1_over(x: f64) -> f64 {
    if x.abs() > 1e-8 {
        libm::expm1(x) / x
    } else {
        1.0 + x * 0.5 * (1.0 + x / 3.0 * (1.0 + 0.25 * x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The share of `n` draws of each of the first keys against Zipf's law.
    fn shares(count: u64, s: f64, n: u32) -> (Vec<f64>, Vec<f64>) {
        let keys = Keys {
            count,
            popularity: Popularity::Zipf(s),
        };
        let mut d = KeyDraw::new(&keys, Stream::fork(3, "keys"));
        let mut seen = [0u32; 4];
        for _ in 0..n {
            let k = d.next();
            assert!(k < count);
            if let Some(c) = seen.get_mut(k as usize) {
                *c += 1;
            }
        }
        let norm: f64 = (1..=count).map(|k| (k as f64).powf(-s)).sum();
        let want = (1..=4).map(|k| (k as f64).powf(-s) / norm).collect();
        let got = seen.iter().map(|c| f64::from(*c) / f64::from(n)).collect();
        (got, want)
    }

    #[test]
    fn zipf_keys_follow_the_law() {
        // 200,000 draws: the share of a key of probability p has standard
        // deviation sqrt(p(1-p)/n) < 0.0012; allow four of them.
        for (count, s) in [(1000, 1.1), (50, 0.8), (10_000, 1.0)] {
            let (got, want) = shares(count, s, 200_000);
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    (g - w).abs() < 0.005,
                    "n={count} s={s}: {got:?} vs {want:?}"
                );
            }
        }
    }

    #[test]
    fn uniform_and_single_keys() {
        let one = Keys::default();
        let mut d = KeyDraw::new(&one, Stream::fork(1, "k"));
        assert!((0..100).all(|_| d.next() == 0));
        let uniform = Keys {
            count: 4,
            popularity: Popularity::Uniform,
        };
        let mut d = KeyDraw::new(&uniform, Stream::fork(1, "k"));
        let mut seen = [0u32; 4];
        for _ in 0..40_000 {
            seen[d.next() as usize] += 1;
        }
        // Each share 0.25 with sd 0.0022 at 40,000 draws.
        assert!(
            seen.iter()
                .all(|c| (f64::from(*c) / 40_000.0 - 0.25).abs() < 0.01),
            "{seen:?}"
        );
    }
}
