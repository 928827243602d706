//! Choosing the instance of a service that serves a request.

use crate::rng::{fnv1a, splitmix, Stream};
use crate::scenario::model::Balancer;

/// A service's balancer and its state.
#[derive(Clone, Debug)]
pub struct Picker {
    kind: Balancer,
    next: u32,
    rng: Stream,
    /// The hash ring (empty unless the balancer is `hash`).
    ring: Ring,
}

impl Picker {
    /// The balancer of service `service`, which has `instances` instances.
    pub fn new(kind: Balancer, service: &str, instances: u32, rng: Stream) -> Picker {
        let ring = match kind {
            Balancer::Hash { vnodes } => Ring::new(service, instances, vnodes),
            _ => Ring::default(),
        };
        Picker {
            kind,
            next: 0,
            rng,
            ring,
        }
    }

    /// Picks among the `eligible` instances (not ejected by outlier
    /// detection; at least one is) whose requests in flight are
    /// `outstanding`, for a request carrying `key`. Ties go to the lowest
    /// index, so the choice is deterministic. round_robin and random ignore
    /// load and health alike; hash ignores load.
    pub fn pick(&mut self, outstanding: &[u32], eligible: &[bool], key: u64) -> u32 {
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
            Balancer::Hash { .. } => self.ring.owner(key, eligible),
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

/// A consistent-hash ring (Karger et al., 1997): `vnodes` points per
/// instance at fixed pseudo-random positions, and a key served by the owner
/// of the first point at or after the key's own position, going round.
///
/// Positions come from a hash of the service's name, the instance and the
/// point, with no random draw: the ring is the same in every run and seed,
/// and adding or losing an instance moves only the keys next to its points.
/// A key whose owner is not eligible walks on to the next point of an
/// eligible instance, so the keys of an ejected instance spread over the
/// owners of the following points and every other key stays where it was.
#[derive(Clone, Debug, Default)]
pub struct Ring {
    /// `(position, instance)`, sorted.
    points: Vec<(u64, u32)>,
}

impl Ring {
    pub fn new(service: &str, instances: u32, vnodes: u32) -> Ring {
        let salt = fnv1a(service.as_bytes());
        let mut points: Vec<(u64, u32)> = (0..instances)
            .flat_map(|i| {
                let base = splitmix(salt ^ splitmix(u64::from(i)));
                (0..vnodes).map(move |v| (splitmix(base ^ u64::from(v)), i))
            })
            .collect();
        points.sort_unstable();
        Ring { points }
    }

    /// Where `key` falls on the ring.
    fn position(key: u64) -> u64 {
        splitmix(key ^ 0x6b65_795f_7269_6e67)
    }

    /// The instance that serves `key` among the `eligible` ones (at least
    /// one is): the owner of the first point at or after the key's
    /// position whose instance is eligible.
    pub fn owner(&self, key: u64, eligible: &[bool]) -> u32 {
        let at = Ring::position(key);
        let start = self.points.partition_point(|(p, _)| *p < at);
        let (after, before) = (&self.points[start..], &self.points[..start]);
        after
            .iter()
            .chain(before)
            .map(|(_, i)| *i)
            .find(|i| eligible[*i as usize])
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picker(kind: Balancer) -> Picker {
        Picker::new(kind, "test", 4, Stream::fork(1, "balancer:test"))
    }

    #[test]
    fn round_robin_cycles() {
        let mut p = picker(Balancer::RoundRobin);
        let picks: Vec<u32> = (0..7).map(|_| p.pick(&[5, 0, 9], &[true; 3], 0)).collect();
        assert_eq!(picks, vec![0, 1, 2, 0, 1, 2, 0]);
    }

    #[test]
    fn least_outstanding_takes_the_idlest_lowest_index() {
        let mut p = picker(Balancer::LeastOutstanding);
        assert_eq!(p.pick(&[3, 1, 1, 2], &[true; 4], 0), 1);
        assert_eq!(p.pick(&[0, 0], &[true; 2], 0), 0);
    }

    #[test]
    fn p2c_never_picks_the_busiest_of_two_and_picks_distinct_pairs() {
        let mut p = picker(Balancer::P2c);
        // With two instances the pair is always both, so the idle one wins.
        for _ in 0..100 {
            assert_eq!(p.pick(&[7, 2], &[true; 2], 0), 1);
        }
        // With three, the worst instance can only win if paired with itself: never.
        for _ in 0..300 {
            assert_ne!(p.pick(&[1, 9, 1], &[true; 3], 0), 1);
        }
    }

    #[test]
    fn every_balancer_skips_ejected_instances() {
        for kind in [
            Balancer::RoundRobin,
            Balancer::Random,
            Balancer::LeastOutstanding,
            Balancer::P2c,
            Balancer::Hash { vnodes: 10 },
        ] {
            let mut p = picker(kind);
            for key in 0..200 {
                let i = p.pick(&[0, 5, 0, 0], &[false, true, false, true], key);
                assert!(i == 1 || i == 3, "{kind:?} picked ejected {i}");
            }
        }
    }

    #[test]
    fn random_covers_every_instance() {
        let mut p = picker(Balancer::Random);
        let mut seen = [0u32; 4];
        for _ in 0..4000 {
            seen[p.pick(&[0; 4], &[true; 4], 0) as usize] += 1;
        }
        // 1000 expected each; sd ~27, so 850..1150 is over five sd.
        assert!(seen.iter().all(|c| (850..1150).contains(c)), "{seen:?}");
    }
}
