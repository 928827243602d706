//! A circuit breaker with Resilience4j's semantics.
//!
//! Closed: every call is let through and recorded in a sliding window
//! (the last N calls, or the calls of the last span of time). Once the window
//! holds `min_calls` calls, the breaker opens when the failure rate reaches
//! `failure_rate` or the slow-call rate reaches `slow_call_rate` (a call is
//! slow when it took strictly longer than `slow_call`). Open: calls are
//! rejected at once and not recorded. After `open_for`, the first call moves
//! the breaker to half-open and is let through as a probe; half-open lets
//! `half_open_calls` probes through, rejects the rest, and when every probe
//! has answered it closes (with an empty window) or opens again by the same
//! rates. Answers of calls let through before the breaker opened are ignored
//! while it is open, as Resilience4j ignores them.

use crate::expect::BREAKER_STATES;
use crate::scenario::policy::{Breaker, BreakerWindow};
use crate::time::{SimDuration, SimTime};

/// The three states; the discriminant indexes [`BREAKER_STATES`], the names
/// reports and `expect` lines use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Closed = 0,
    Open = 1,
    HalfOpen = 2,
}

impl State {
    /// The state's name in reports and `expect` lines.
    pub fn name(self) -> &'static str {
        BREAKER_STATES[self as usize]
    }

    /// The code `expect` lines compare with.
    pub fn code(self) -> f64 {
        f64::from(self as u8)
    }
}

/// Calls, failures and slow calls counted together.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Tally {
    calls: u32,
    failures: u32,
    slow: u32,
}

impl Tally {
    fn add(&mut self, failed: bool, slow: bool) {
        self.calls += 1;
        self.failures += u32::from(failed);
        self.slow += u32::from(slow);
    }

    fn sub(&mut self, other: Tally) {
        self.calls -= other.calls;
        self.failures -= other.failures;
        self.slow -= other.slow;
    }

    /// Whether these calls trip the breaker by either rate.
    fn trips(&self, cfg: &Breaker) -> bool {
        let n = f64::from(self.calls);
        f64::from(self.failures) / n >= cfg.failure_rate
            || f64::from(self.slow) / n >= cfg.slow_call_rate
    }
}

/// Buckets a time window is cut into: it slides by a tenth of its span, as
/// Resilience4j's time window slides by one of its (default ten) seconds.
const BUCKETS: u64 = 10;

/// The sliding window of the closed state: fixed memory either way.
#[derive(Clone, Debug)]
enum Window {
    /// The last `size` outcomes as (failed, slow), oldest at `next`.
    Count {
        ring: Vec<(bool, bool)>,
        next: usize,
        total: Tally,
    },
    /// Per-bucket tallies; bucket `i` holds epoch `epochs[i]`.
    Time {
        width: u64,
        epochs: Vec<u64>,
        tallies: Vec<Tally>,
        total: Tally,
    },
}

impl Window {
    fn new(kind: BreakerWindow) -> Window {
        match kind {
            BreakerWindow::Count(size) => Window::Count {
                ring: Vec::with_capacity(size as usize),
                next: 0,
                total: Tally::default(),
            },
            BreakerWindow::Time(span) => Window::Time {
                width: span.0.div_ceil(BUCKETS).max(1),
                epochs: vec![u64::MAX; BUCKETS as usize],
                tallies: vec![Tally::default(); BUCKETS as usize],
                total: Tally::default(),
            },
        }
    }

    /// Records one outcome at `now`, dropping what slid out.
    fn record(&mut self, now: SimTime, failed: bool, slow: bool, size: usize) {
        match self {
            Window::Count { ring, next, total } => {
                if ring.len() < size {
                    ring.push((failed, slow));
                } else {
                    let (f, s) = ring[*next];
                    total.sub(Tally {
                        calls: 1,
                        failures: u32::from(f),
                        slow: u32::from(s),
                    });
                    ring[*next] = (failed, slow);
                    *next = (*next + 1) % size;
                }
                total.add(failed, slow);
            }
            Window::Time {
                width,
                epochs,
                tallies,
                total,
            } => {
                let epoch = now.0 / *width;
                let i = (epoch % BUCKETS) as usize;
                // Empty the buckets that slid out of the window ending now,
                // and this one if it last held an older epoch.
                for j in 0..BUCKETS as usize {
                    let stale = epochs[j] != u64::MAX
                        && (epochs[j] + BUCKETS <= epoch || (j == i && epochs[j] != epoch));
                    if stale {
                        total.sub(tallies[j]);
                        tallies[j] = Tally::default();
                        epochs[j] = u64::MAX;
                    }
                }
                epochs[i] = epoch;
                tallies[i].add(failed, slow);
                total.add(failed, slow);
            }
        }
    }

    fn total(&self) -> Tally {
        match self {
            Window::Count { total, .. } | Window::Time { total, .. } => *total,
        }
    }
}

/// One breaker's state and history.
#[derive(Clone, Debug)]
pub struct CircuitBreaker {
    cfg: Breaker,
    state: State,
    window: Window,
    /// When the breaker last opened.
    opened_at: SimTime,
    /// Probes let through, and their answers, in half-open.
    probes: u32,
    probe_results: Tally,
    /// Times it opened, and time spent open before the current opening.
    pub opened: u64,
    time_open: SimDuration,
}

impl CircuitBreaker {
    pub fn new(cfg: &Breaker) -> CircuitBreaker {
        CircuitBreaker {
            cfg: cfg.clone(),
            state: State::Closed,
            window: Window::new(cfg.window),
            opened_at: SimTime::ZERO,
            probes: 0,
            probe_results: Tally::default(),
            opened: 0,
            time_open: SimDuration::ZERO,
        }
    }

    /// The state now (open stays open until a call arrives after `open_for`).
    pub fn state(&self) -> State {
        self.state
    }

    /// Time spent open up to `now`.
    pub fn time_open(&self, now: SimTime) -> SimDuration {
        match self.state {
            State::Open => self.time_open + now.since(self.opened_at),
            _ => self.time_open,
        }
    }

    /// Asks to make a call at `now`: true lets it through (and it must
    /// report its result), false rejects it fast.
    pub fn try_acquire(&mut self, now: SimTime) -> bool {
        match self.state {
            State::Closed => true,
            State::Open if now >= self.opened_at + self.cfg.open_for => {
                self.time_open = self.time_open + now.since(self.opened_at);
                self.state = State::HalfOpen;
                self.probes = 1;
                self.probe_results = Tally::default();
                true
            }
            State::Open => false,
            State::HalfOpen if self.probes < self.cfg.half_open_calls => {
                self.probes += 1;
                true
            }
            State::HalfOpen => false,
        }
    }

    /// A call let through at some point answered at `now` after `took`.
    pub fn on_result(&mut self, now: SimTime, failed: bool, took: SimDuration) {
        let slow = took > self.cfg.slow_call;
        match self.state {
            State::Closed => {
                let size = match self.cfg.window {
                    BreakerWindow::Count(n) => n as usize,
                    BreakerWindow::Time(_) => 0,
                };
                self.window.record(now, failed, slow, size);
                let total = self.window.total();
                let needed = match self.cfg.window {
                    BreakerWindow::Count(n) => self.cfg.min_calls.min(n),
                    BreakerWindow::Time(_) => self.cfg.min_calls,
                };
                if total.calls >= needed.max(1) && total.trips(&self.cfg) {
                    self.open(now);
                }
            }
            State::HalfOpen => {
                self.probe_results.add(failed, slow);
                if self.probe_results.calls >= self.cfg.half_open_calls {
                    if self.probe_results.trips(&self.cfg) {
                        self.open(now);
                    } else {
                        self.state = State::Closed;
                        self.window = Window::new(self.cfg.window);
                    }
                }
            }
            State::Open => {}
        }
    }

    fn open(&mut self, now: SimTime) {
        self.state = State::Open;
        self.opened_at = now;
        self.opened += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> SimTime {
        SimTime(n * 1_000_000)
    }

    /// The walk the issue names: count window 10, min_calls 5, 50%, 3 probes.
    fn breaker() -> CircuitBreaker {
        CircuitBreaker::new(&Breaker {
            window: BreakerWindow::Count(10),
            min_calls: 5,
            failure_rate: 0.5,
            slow_call: SimDuration::from_secs(1),
            slow_call_rate: 1.0,
            open_for: SimDuration::from_secs(5),
            half_open_calls: 3,
        })
    }

    /// Makes one call at `t` that answers `ok`, asserting it was let through.
    fn call(b: &mut CircuitBreaker, t: SimTime, ok: bool) {
        assert!(
            b.try_acquire(t),
            "call at {t} was rejected in {:?}",
            b.state
        );
        b.on_result(t, !ok, SimDuration::from_millis(10));
    }

    #[test]
    fn opens_at_sixty_percent_only_after_min_calls() {
        let mut b = breaker();
        for ok in [true, true, false, false] {
            call(&mut b, ms(1), ok);
        }
        assert_eq!(b.state(), State::Closed, "4 calls < min_calls 5");
        call(&mut b, ms(2), false);
        assert_eq!(b.state(), State::Open, "3 of 5 failed: 60% >= 50%");
        assert_eq!(b.opened, 1);
    }

    #[test]
    fn rejects_while_open_then_probes_and_closes() {
        let mut b = breaker();
        for ok in [true, true, false, false, false] {
            call(&mut b, ms(1), ok);
        }
        assert!(!b.try_acquire(ms(2)));
        assert!(!b.try_acquire(ms(5_000)), "open_for not yet passed");
        assert_eq!(b.state(), State::Open);
        assert!(b.try_acquire(ms(5_001)), "the first call after open_for");
        assert_eq!(b.state(), State::HalfOpen);
        b.on_result(ms(5_002), false, SimDuration::ZERO);
        call(&mut b, ms(5_003), false);
        assert!(b.try_acquire(ms(5_004)), "third probe");
        assert!(!b.try_acquire(ms(5_004)), "a fourth call in half-open");
        b.on_result(ms(5_005), false, SimDuration::ZERO);
        assert_eq!(b.state(), State::Closed, "S,F,S: 33% < 50%");
        assert_eq!(b.time_open(ms(6_000)), SimDuration::from_millis(5_000));
    }

    #[test]
    fn half_open_reopens_on_two_failures_of_three() {
        let mut b = breaker();
        for ok in [false; 5] {
            call(&mut b, ms(1), ok);
        }
        for ok in [true, false, false] {
            call(&mut b, ms(5_001), ok);
        }
        assert_eq!(b.state(), State::Open, "S,F,F: 67% >= 50%");
        assert_eq!(b.opened, 2);
        assert!(!b.try_acquire(ms(10_000)));
        assert!(b.try_acquire(ms(10_001)));
    }

    #[test]
    fn closing_starts_an_empty_window() {
        let mut b = breaker();
        for ok in [false; 5] {
            call(&mut b, ms(1), ok);
        }
        for ok in [true; 3] {
            call(&mut b, ms(5_001), ok);
        }
        assert_eq!(b.state(), State::Closed);
        for ok in [false; 4] {
            call(&mut b, ms(5_002), ok);
        }
        assert_eq!(b.state(), State::Closed, "only 4 calls since closing");
    }

    #[test]
    fn the_count_window_forgets_the_oldest_call() {
        let mut b = breaker();
        for ok in [false, false, false, false] {
            call(&mut b, ms(1), ok);
        }
        // min_calls is reached with a success: 4 of 5 failed, so it opens.
        call(&mut b, ms(1), true);
        assert_eq!(b.state(), State::Open);
        let mut b = breaker();
        for _ in 0..6 {
            call(&mut b, ms(1), true);
        }
        for ok in [false, false, false, false, true, true, true, true] {
            call(&mut b, ms(1), ok);
        }
        // The window now holds S,S,F,F,F,F,S,S,S,S: 40%.
        assert_eq!(b.state(), State::Closed);
        call(&mut b, ms(1), false);
        // S,F,F,F,F,S,S,S,S,F: 50% (over all 15 calls it would be 33%).
        assert_eq!(b.state(), State::Open);
    }

    #[test]
    fn slow_means_strictly_longer_than_slow_call() {
        let mut b = breaker();
        for _ in 0..5 {
            assert!(b.try_acquire(ms(1)));
            b.on_result(ms(1), false, SimDuration::from_secs(1));
        }
        assert_eq!(b.state(), State::Closed, "exactly slow_call is not slow");
        let mut b = breaker();
        for _ in 0..5 {
            assert!(b.try_acquire(ms(1)));
            b.on_result(ms(1), false, SimDuration(1_000_000_001));
        }
        assert_eq!(b.state(), State::Open, "100% slow >= slow_call_rate 1.0");
    }

    #[test]
    fn the_time_window_forgets_old_calls() {
        let mut b = CircuitBreaker::new(&Breaker {
            window: BreakerWindow::Time(SimDuration::from_secs(10)),
            min_calls: 4,
            ..breaker().cfg
        });
        for ok in [false, false, false] {
            call(&mut b, ms(0), ok);
        }
        // Ten seconds later those three have slid out of the window.
        for ok in [true, false, true] {
            call(&mut b, ms(10_000), ok);
        }
        assert_eq!(b.state(), State::Closed, "3 calls in the window < 4");
        call(&mut b, ms(10_500), false);
        assert_eq!(b.state(), State::Open, "2 of 4 within 10s: 50%");
    }
}
