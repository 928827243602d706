//! Time-weighted averages of a level (busy workers) over a span of time.

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

    /// The average level over `[from, min(now, to))`, 0 for an empty span.
    pub fn mean(&mut self, now: SimTime) -> f64 {
        self.advance(now);
        let span = now.min(self.to).since(self.from).0;
        if span == 0 {
            0.0
        } else {
            self.area as f64 / span as f64
        }
    }

    /// Starts a new span `[now, to)` keeping the current level.
    pub fn restart(&mut self, now: SimTime, to: SimTime) {
        self.advance(now);
        self.from = now;
        self.to = to;
        self.area = 0;
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
        assert_eq!(i.mean(SimTime(40)), (4.0 * 10.0 + 2.0 * 10.0) / 20.0);
        i.restart(SimTime(40), SimTime(50));
        assert_eq!(i.mean(SimTime(50)), 2.0);
    }
}
