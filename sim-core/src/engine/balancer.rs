//! Choosing the instance of a service that serves a request.

use crate::rng::Stream;
use crate::scenario::model::Balancer;

/// A service's balancer and its state.
#[derive(Clone, Debug)]
pub struct Picker {
    kind: Balancer,
    next: u32,
    rng: Stream,
}

impl Picker {
    pub fn new(kind: Balancer, rng: Stream) -> Picker {
        Picker { kind, next: 0, rng }
    }

    /// Picks among the `eligible` instances (not ejected by outlier
    /// detection; at least one is) whose requests in flight are
    /// `outstanding`. Ties go to the lowest index, so the choice is
    /// deterministic. round_robin and random ignore load and health alike.
    pub fn pick(&mut self, outstanding: &[u32], eligible: &[bool]) -> u32 {
        let n = outstanding.len() as u32;
        if n == 1 {
            return 0;
        }
        let ok = |i: u32| eligible[i as usize];
        let count = eligible.iter().filter(|e| **e).count() as u64;
        // The k-th eligible instance.
        let nth = |k: u64| (0..n).filter(|i| ok(*i)).nth(k as usize).unwrap_or(0);
        match self.kind {
            Balancer::RoundRobin => loop {
                let i = self.next % n;
                self.next = self.next.wrapping_add(1);
                if ok(i) {
                    return i;
                }
            },
            Balancer::Random => nth(self.rng.below(count)),
            Balancer::LeastOutstanding => (0..n)
                .filter(|i| ok(*i))
                .min_by_key(|i| (outstanding[*i as usize], *i))
                .unwrap_or(0),
            Balancer::P2c if count == 1 => nth(0),
            Balancer::P2c => {
                let a = self.rng.below(count);
                let b = (a + 1 + self.rng.below(count - 1)) % count;
                let (a, b) = (nth(a), nth(b));
                if outstanding[b as usize] < outstanding[a as usize] {
                    b
                } else {
                    a
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picker(kind: Balancer) -> Picker {
        Picker::new(kind, Stream::fork(1, "balancer:test"))
    }

    #[test]
    fn round_robin_cycles() {
        let mut p = picker(Balancer::RoundRobin);
        let picks: Vec<u32> = (0..7).map(|_| p.pick(&[5, 0, 9], &[true; 3])).collect();
        assert_eq!(picks, vec![0, 1, 2, 0, 1, 2, 0]);
    }

    #[test]
    fn least_outstanding_takes_the_idlest_lowest_index() {
        let mut p = picker(Balancer::LeastOutstanding);
        assert_eq!(p.pick(&[3, 1, 1, 2], &[true; 4]), 1);
        assert_eq!(p.pick(&[0, 0], &[true; 2]), 0);
    }

    #[test]
    fn p2c_never_picks_the_busiest_of_two_and_picks_distinct_pairs() {
        let mut p = picker(Balancer::P2c);
        // With two instances the pair is always both, so the idle one wins.
        for _ in 0..100 {
            assert_eq!(p.pick(&[7, 2], &[true; 2]), 1);
        }
        // With three, the worst instance can only win if paired with itself: never.
        for _ in 0..300 {
            assert_ne!(p.pick(&[1, 9, 1], &[true; 3]), 1);
        }
    }

    #[test]
    fn every_balancer_skips_ejected_instances() {
        for kind in [
            Balancer::RoundRobin,
            Balancer::Random,
            Balancer::LeastOutstanding,
            Balancer::P2c,
        ] {
            let mut p = picker(kind);
            for _ in 0..200 {
                let i = p.pick(&[0, 5, 0, 0], &[false, true, false, true]);
                assert!(i == 1 || i == 3, "{kind:?} picked ejected {i}");
            }
        }
    }

    #[test]
    fn random_covers_every_instance() {
        let mut p = picker(Balancer::Random);
        let mut seen = [0u32; 4];
        for _ in 0..4000 {
            seen[p.pick(&[0; 4], &[true; 4]) as usize] += 1;
        }
        // 1000 expected each; sd ~27, so 850..1150 is over five sd.
        assert!(seen.iter().all(|c| (850..1150).contains(c)), "{seen:?}");
    }
}
