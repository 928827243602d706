//! A horizontal autoscaler with Kubernetes' HPA arithmetic: every
//! `interval`, desired = ceil(current × observed / target) within
//! `min..max`. New instances pay `startup` (so scaling lags a spike by at
//! least that); scale-in waits `cooldown` after the last change and drains
//! the old version of a deployment first, then the highest ids.

use super::event::Event;
use super::integrator::Utilization;
use super::service::{Instance, Life};
use super::Simulation;
use crate::scenario::model::{ScaleMetric, Service};
use crate::time::SimTime;

/// Relative slack under which a ratio counts as exact: `0.7 / 0.7` may come
/// out a hair above 1 in floating point, which must not add an instance.
const SLACK: f64 = 1e-9;

/// The state of one service's autoscaler.
#[derive(Clone, Debug)]
pub struct Scaler {
    /// Busy workers over capacity since the last decision.
    pub busy: Utilization,
    /// When the instance count last changed.
    last_change: SimTime,
}

impl Scaler {
    /// The scaler of `s`, if it has one.
    pub fn new(s: &Service) -> Option<Scaler> {
        s.lifecycle.autoscale.as_ref()?;
        let workers = u64::from(s.workers) * u64::from(s.instances);
        Some(Scaler {
            busy: Utilization::new(SimTime::ZERO, SimTime::MAX, workers),
            last_change: SimTime::ZERO,
        })
    }
}

/// Desired instances: `ceil(current × observed / target)` within `min..max`.
pub fn desired(current: u32, observed: f64, target: f64, min: u32, max: u32) -> u32 {
    let exact = f64::from(current) * observed / target;
    let wanted = libm::ceil(exact * (1.0 - SLACK));
    (wanted.max(0.0) as u32).clamp(min, max)
}

impl Simulation {
    /// An autoscaler decision for service `s`; schedules the next.
    pub(super) fn on_autoscale(&mut self, s: usize) {
        let Some(a) = self.sc.services[s].lifecycle.autoscale.clone() else {
            return;
        };
        self.schedule(self.now + a.interval, Event::Autoscale(s as u32));
        let now = self.now;
        let Some(scaler) = &mut self.scalers[s] else {
            return;
        };
        let utilization = scaler.busy.mean(now);
        scaler.busy.restart(now, SimTime::MAX);
        let last_change = scaler.last_change;
        let state = &self.services[s];
        let serving = state
            .instances
            .iter()
            .filter(|x| x.life == Life::Serving)
            .count() as u32;
        let current = state
            .instances
            .iter()
            .filter(|x| matches!(x.life, Life::Starting | Life::Serving))
            .count() as u32;
        // With nothing serving there is nothing to measure: hold the
        // count, within `min`.
        let want = if serving == 0 {
            current.max(a.min)
        } else {
            let per_instance = |n: u64| n as f64 / f64::from(serving);
            let observed = match a.metric {
                ScaleMetric::Utilization => utilization,
                ScaleMetric::Queue => per_instance(state.queued()),
                ScaleMetric::InFlight => per_instance(state.queued() + state.busy()),
            };
            desired(current, observed, a.target, a.min, a.max)
        };
        if want > current {
            for _ in current..want {
                self.start_instance(s);
            }
        } else if want < current && now.since(last_change) >= a.cooldown {
            for _ in want..current {
                // The old version of a deployment in progress goes first
                // (it is on its way out), then the highest ids.
                let instances = &self.services[s].instances;
                let live = |x: &Instance| matches!(x.life, Life::Starting | Life::Serving);
                let highest = instances
                    .iter()
                    .rposition(|x| live(x) && !x.version)
                    .or_else(|| instances.iter().rposition(live));
                if let Some(i) = highest {
                    self.drain(s, i as u32);
                }
            }
        } else {
            return;
        }
        if let Some(scaler) = &mut self.scalers[s] {
            scaler.last_change = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::desired;

    #[test]
    fn hpa_arithmetic() {
        // 4 instances at 90% for a 70% target: ceil(4 × 0.9 / 0.7) = ceil(5.14) = 6.
        assert_eq!(desired(4, 0.9, 0.7, 1, 20), 6);
        // At the target exactly: no change, despite rounding.
        assert_eq!(desired(4, 0.7, 0.7, 1, 20), 4);
        // Within min..max.
        assert_eq!(desired(4, 0.0, 0.7, 2, 20), 2);
        assert_eq!(desired(10, 5.0, 0.5, 1, 20), 20);
    }
}
