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

    /// A new instance slot `i` (an instance started by the autoscaler or
    /// a deployment beyond the ids there were): a hash ring gains its points.
    /// A slot taken again keeps the points it had, since they depend on
    /// the id alone.
    pub fn add_slot(&mut self, i: u32) {
        if let Balancer::Hash { .. } = self.kind {
            self.ring.add(i);
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
///
/// The ring holds points for every instance id there has been; which of
/// them serve is the `eligible` mask of each pick, so the ring in effect is
/// exactly the instances in rotation, keyed by their stable ids.
#[derive(Clone, Debug, Default)]
pub struct Ring {
    /// `(position, instance)`, sorted.
    points: Vec<(u64, u32)>,
    /// The hash of the service's name, and the points per instance.
    salt: u64,
    vnodes: u32,
}

impl Ring {
    /// The ring of service `service`: `vnodes` points for each of its
    /// `instances`.
    pub fn new(service: &str, instances: u32, vnodes: u32) -> Ring {
        let mut ring = Ring {
            points: Vec::new(),
            salt: fnv1a(service.as_bytes()),
            vnodes,
        };
        let points: Vec<(u64, u32)> = (0..instances).flat_map(|i| ring.points_of(i)).collect();
        ring.points = points;
        ring.points.sort_unstable();
        ring
    }

    /// The `vnodes` points of instance `i`, from its id alone.
    fn points_of(&self, i: u32) -> impl Iterator<Item = (u64, u32)> {
        let base = splitmix(self.salt ^ splitmix(u64::from(i)));
        (0..self.vnodes).map(move |v| (splitmix(base ^ u64::from(v)), i))
    }

    /// Adds the points of instance `i`.
    fn add(&mut self, i: u32) {
        let points: Vec<(u64, u32)> = self.points_of(i).collect();
        self.points.extend(points);
        self.points.sort_unstable();
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

    /// The instance of each key in `0..keys` on `ring`.
    fn owners(ring: &Ring, keys: u64, eligible: &[bool]) -> Vec<u32> {
        (0..keys).map(|k| ring.owner(k, eligible)).collect()
    }

    #[test]
    fn losing_an_instance_moves_only_its_own_keys() {
        // An instance's share of the ring is the sum of the `V` arcs ending
        // at its points; with `N·V` points spread uniformly those arcs are
        // nearly independent exponentials of mean 1/(N·V), so the share is
        // about Gamma(V): mean 1/N, standard deviation 1/(N·sqrt(V)) — 0.01
        // for N = 10, V = 100. 100,000 keys add sqrt(0.1·0.9/1e5) ≈ 0.001 of
        // sampling noise. Four standard deviations: within 0.04 of 0.1.
        let (n, vnodes, keys) = (10u32, 100, 100_000u64);
        let ring = Ring::new("db", n, vnodes);
        let all = vec![true; n as usize];
        let before = owners(&ring, keys, &all);
        for lost in 0..n {
            let mut eligible = all.clone();
            eligible[lost as usize] = false;
            let after = owners(&ring, keys, &eligible);
            let mut heirs = std::collections::BTreeSet::new();
            let mut moved = 0u64;
            for (b, a) in before.iter().zip(&after) {
                if *b == lost {
                    moved += 1;
                    heirs.insert(*a);
                } else {
                    assert_eq!(a, b, "a key of another instance moved");
                }
            }
            let share = moved as f64 / keys as f64;
            assert!((share - 0.1).abs() < 0.04, "#{lost} held {share}");
            // Its 100 points hand their keys to the next points' owners:
            // every other instance takes some (one is missed with
            // probability 9·(8/9)^100 < 1e-4).
            assert_eq!(heirs.len(), n as usize - 1, "#{lost}: {heirs:?}");
        }
    }

    #[test]
    fn more_vnodes_balance_more_evenly_and_the_ring_is_fixed() {
        // The largest share of 10 instances: with one point each the arcs
        // are exponential and the largest is typically 2-3 times 1/N; with
        // 1000 points the relative spread is 1/sqrt(1000) ≈ 3%.
        let largest = |vnodes| {
            let ring = Ring::new("db", 10, vnodes);
            let mut count = [0u32; 10];
            for i in owners(&ring, 100_000, &[true; 10]) {
                count[i as usize] += 1;
            }
            f64::from(*count.iter().max().unwrap()) / 100_000.0
        };
        assert!(largest(1) > 0.15, "one point each");
        assert!(largest(1000) < 0.115, "a thousand points each");
        let a = Ring::new("db", 5, 100);
        let b = Ring::new("db", 5, 100);
        assert_eq!(owners(&a, 1000, &[true; 5]), owners(&b, 1000, &[true; 5]));
        let other = Ring::new("cache", 5, 100);
        assert_ne!(
            owners(&a, 1000, &[true; 5]),
            owners(&other, 1000, &[true; 5])
        );
    }

    #[test]
    fn a_new_slot_takes_only_its_own_keys() {
        // Slot 4 added to a ring of 4: until it serves nothing moves; once
        // it does, every key that moves goes to it, and the grown ring is
        // the ring of 5 built at once (points from the id alone).
        let mut p = picker(Balancer::Hash { vnodes: 100 });
        let before: Vec<u32> = (0..10_000)
            .map(|k| p.pick(&[0; 4], &[true; 4], k))
            .collect();
        p.add_slot(4);
        let mut took = 0;
        for (k, b) in (0..10_000).zip(&before) {
            assert_eq!(p.pick(&[0; 5], &[true, true, true, true, false], k), *b);
            let now = p.pick(&[0; 5], &[true; 5], k);
            if now != *b {
                assert_eq!(now, 4, "key {k} moved from #{b} to another old instance");
                took += 1;
            }
        }
        // About a fifth (2,000; see the share's spread above).
        assert!((1_200..2_800).contains(&took), "{took}");
        let whole = Ring::new("test", 5, 100);
        assert_eq!(
            owners(&p.ring, 10_000, &[true; 5]),
            owners(&whole, 10_000, &[true; 5])
        );
    }

    #[test]
    fn hash_sends_a_key_to_one_instance_whatever_the_load() {
        let mut p = picker(Balancer::Hash { vnodes: 100 });
        for key in 0..50 {
            let first = p.pick(&[0; 4], &[true; 4], key);
            assert_eq!(p.pick(&[9, 0, 9, 0], &[true; 4], key), first);
        }
    }
}
