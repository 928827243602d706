//! Time-weighted averages of a level (busy workers) over a span of time,
//! and utilization: busy workers over the workers that existed at each
//! moment, as instances come and go.

use crate::time::SimTime;

/// Integrates a piecewise-constant level over `[from, to)`.
#[derive(Clone, Debug)]
pub struct Integrator {
    from: SimTime,
    to: SimTime,
    last: SimTime,
    level: u64,
    area: u128,
}

impl Integrator {
    /// Integrates only inside `[from, to)`.
    pub fn new(from: SimTime, to: SimTime) -> Integrator {
        Integrator {
            from,
            to,
            last: SimTime::ZERO,
            level: 0,
            area: 0,
        }
    }

    /// Accumulates the current level up to `now`.
    fn advance(&mut self, now: SimTime) {
        let start = self.last.max(self.from);
        let stop = now.min(self.to);
        if stop > start {
            self.area += u128::from(self.level) * u128::from((stop - start).0);
        }
        self.last = now;
    }

    /// The level changes to `level` at `now`.
    pub fn set(&mut self, now: SimTime, level: u64) {
        self.advance(now);
        self.level = level;
    }

    /// The level integrated over `[from, min(now, to))`.
    pub fn area(&mut self, now: SimTime) -> u128 {
        self.advance(now);
        self.area
    }

    /// Starts a new span `[now, to)` keeping the current level.
    pub fn restart(&mut self, now: SimTime, to: SimTime) {
        self.advance(now);
        self.from = now;
        self.to = to;
        self.area = 0;
    }
}

/// Busy workers over capacity (the workers that existed), both integrated
/// over the same span.
#[derive(Clone, Debug)]
pub struct Utilization {
    busy: Integrator,
    capacity: Integrator,
}

impl Utilization {
    /// Over `[from, to)`, starting with `capacity` workers.
    pub fn new(from: SimTime, to: SimTime, capacity: u64) -> Utilization {
        let mut u = Utilization {
            busy: Integrator::new(from, to),
            capacity: Integrator::new(from, to),
        };
        u.capacity.set(SimTime::ZERO, capacity);
        u
    }

    pub fn set_busy(&mut self, now: SimTime, level: u64) {
        self.busy.set(now, level);
    }

    pub fn set_capacity(&mut self, now: SimTime, level: u64) {
        self.capacity.set(now, level);
    }

    /// Busy worker-time over worker-time up to `now`; 0 when no worker existed.
    pub fn mean(&mut self, now: SimTime) -> f64 {
        let (busy, capacity) = (self.busy.area(now), self.capacity.area(now));
        if capacity == 0 {
            0.0
        } else {
            busy as f64 / capacity as f64
        }
    }

    /// Starts a new span `[now, to)` keeping the current levels.
    pub fn restart(&mut self, now: SimTime, to: SimTime) {
        self.busy.restart(now, to);
        self.capacity.restart(now, to);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_only_inside_the_span() {
        let mut i = Integrator::new(SimTime(10), SimTime(30));
        i.set(SimTime(0), 4); // before the span: ignored
        i.set(SimTime(20), 2); // 4 over [10, 20)
        assert_eq!(i.area(SimTime(40)), 4 * 10 + 2 * 10);
        i.restart(SimTime(40), SimTime(50));
        assert_eq!(i.area(SimTime(50)), 2 * 10);
    }

    #[test]
    fn utilization_is_over_the_capacity_of_each_moment() {
        let mut u = Utilization::new(SimTime(0), SimTime(100), 2);
        u.set_busy(SimTime(0), 2); // full: 2 of 2 over [0, 50)
        u.set_capacity(SimTime(50), 6); // 2 of 6 over [50, 100)
        assert_eq!(
            u.mean(SimTime(100)),
            (2.0 * 50.0 + 2.0 * 50.0) / (2.0 * 50.0 + 6.0 * 50.0)
        );
    }
}
