//! Engine tests on scenarios built in code (the loader has its own tests).

use super::*;
use crate::dist::Dist;
use crate::scenario::model::*;

/// One client at `rate` per second into one service of `workers` workers.
pub(crate) fn single_queue(rate: f64, workers: u32, service_time: Dist, seconds: u64) -> Scenario {
    Scenario {
        name: "single queue".into(),
        description: String::new(),
        duration: SimDuration::from_secs(seconds),
        seed: 1,
        warmup: SimDuration::ZERO,
        expect: Vec::new(),
        network: crate::scenario::model::Network::default(),
        links: Vec::new(),
        clients: vec![Client {
            name: "users".into(),
            target: Target {
                service: ServiceId(0),
                endpoint: EndpointId(0),
            },
            load: Load::Open {
                arrivals: Arrivals::Poisson,
                schedule: vec![(SimTime::ZERO, rate)],
            },
            saga: None,
            keys: Keys::default(),
            policy: Policy::default(),
        }],
        services: vec![Service {
            name: "api".into(),
            instances: 1,
            balancer: Balancer::RoundRobin,
            workers,
            queue: None,
            discipline: Discipline::Fifo,
            protection: Protection::default(),
            dedup: None,
            lifecycle: Default::default(),
            new_version: None,
            endpoints: vec![Endpoint {
                name: "default".into(),
                service_time,
                error_rate: 0.0,
                calls: Vec::new(),
                parallel: false,
                blocking: true,
                effect: None,
                idempotent: false,
                publish: Vec::new(),
                consumes: None,
            }],
        }],
        queues: Vec::new(),
        caches: Vec::new(),
        sagas: Vec::new(),
        faults: Vec::new(),
        deploys: Vec::new(),
    }
}

#[test]
fn mm1_mean_response_time_is_close_to_theory() {
    let sc = single_queue(80.0, 1, Dist::Exp { mean: 1e7 }, 2000);
    let r = run(&sc, &RunOptions::default()).unwrap();
    let c = &r.clients["users"];
    assert_eq!(c.requests, c.succeeded + c.in_flight);
    let mean = c.latency_ms.mean;
    assert!((mean / 50.0 - 1.0).abs() < 0.08, "mean {mean}");
    let u = r.services["api"].utilization;
    assert!((u - 0.8).abs() < 0.02, "utilization {u}");
}
