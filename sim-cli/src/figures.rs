//! The main figures of a run, named like `client.users.p99_ms`: the
//! columns of a sweep's CSV, the rows of `dsim compare`.

use sim_core::report::{
    CacheReport, ClientReport, DeployReport, LifeReport, QueueReport, Report, SagaReport,
    ServiceReport,
};
use sim_core::Scenario;

/// A figure of one element of a report, by its name in the CSV.
type Figure<R> = (&'static str, fn(&R) -> f64);

/// Figures written for each client, after the `client.NAME.` prefix.
const CLIENT_FIGURES: &[Figure<ClientReport>] = &[
    ("requests", |r| r.requests as f64),
    ("succeeded", |r| r.succeeded as f64),
    ("failed", |r| r.failed as f64),
    ("attempts", |r| r.attempts as f64),
    ("success_rate", |r| r.success_rate),
    ("p50_ms", |r| r.latency_ms.p50),
    ("p99_ms", |r| r.latency_ms.p99),
];

/// Figures written for each service, after the `service.NAME.` prefix.
const SERVICE_FIGURES: &[Figure<ServiceReport>] = &[
    ("utilization", |r| r.utilization),
    ("max_queue", |r| r.max_queue as f64),
];

/// Figures written for each service whose instances come and go (with
/// `startup`, `health` or `autoscale`), after the `service.NAME.` prefix.
const LIFE_FIGURES: &[Figure<LifeReport>] = &[
    ("max_instances", |r| f64::from(r.counts.max_instances)),
    ("instances_at_end", |r| f64::from(r.instances_at_end)),
    ("restarted", |r| r.counts.restarted as f64),
];

/// Figures written for each deployment, after the `deploy.SERVICE.` prefix.
const DEPLOY_FIGURES: &[Figure<DeployReport>] = &[
    ("steps_done", |r| f64::from(r.steps_done)),
    ("rolled_back", |r| {
        f64::from(u8::from(r.rolled_back_at_s.is_some()))
    }),
    ("new_failures", |r| r.new.failures as f64),
];

/// Figures written for each queue, after the `queue.NAME.` prefix.
const QUEUE_FIGURES: &[Figure<QueueReport>] = &[
    ("lost", |r| r.lost as f64),
    ("dead_lettered", |r| r.dead_lettered as f64),
    ("max_depth", |r| r.max_depth as f64),
];

/// Figures written for each cache, after the `cache.NAME.` prefix: how well
/// it answers and its worst stampede.
const CACHE_FIGURES: &[Figure<CacheReport>] = &[
    ("hit_ratio", |r| r.hit_ratio),
    ("misses", |r| r.misses as f64),
    ("max_concurrent_misses", |r| r.max_concurrent_misses as f64),
];

/// Figures written for each saga, after the `saga.NAME.` prefix.
const SAGA_FIGURES: &[Figure<SagaReport>] = &[
    ("completed", |r| r.completed as f64),
    ("compensated", |r| r.compensated as f64),
    ("inconsistent", |r| r.inconsistent as f64),
];

/// The figures of one run, named `client.users.p99_ms`, in the scenario's
/// order; each value is `None` when the run has no report (it was stopped).
pub fn figures(sc: &Scenario, report: Option<&Report>) -> Vec<(String, Option<f64>)> {
    /// The figures of the elements `names` of one kind, `prefix.NAME.figure`.
    fn of<'a, R: 'a>(
        prefix: &str,
        names: impl Iterator<Item = &'a String>,
        figures: &[Figure<R>],
        get: impl Fn(&str) -> Option<&'a R>,
    ) -> Vec<(String, Option<f64>)> {
        names
            .flat_map(|name| {
                let r = get(name);
                figures
                    .iter()
                    .map(move |(f, value)| (format!("{prefix}.{name}.{f}"), r.map(value)))
            })
            .collect()
    }
    let mut out = of(
        "client",
        sc.clients.iter().map(|c| &c.name),
        CLIENT_FIGURES,
        |n| report.and_then(|r| r.clients.get(n)),
    );
    out.extend(of(
        "service",
        sc.services.iter().map(|c| &c.name),
        SERVICE_FIGURES,
        |n| report.and_then(|r| r.services.get(n)),
    ));
    let changing = sc
        .services
        .iter()
        .filter(|s| s.lifecycle != Default::default());
    out.extend(of(
        "service",
        changing.map(|s| &s.name),
        LIFE_FIGURES,
        |n| report.and_then(|r| r.services.get(n)?.lifecycle.as_ref()),
    ));
    out.extend(of(
        "deploy",
        sc.deploys.iter().map(|d| &sc.service(d.service).name),
        DEPLOY_FIGURES,
        |n| report.and_then(|r| r.deploys.get(n)),
    ));
    out.extend(of(
        "queue",
        sc.queues.iter().map(|c| &c.name),
        QUEUE_FIGURES,
        |n| report.and_then(|r| r.queues.get(n)),
    ));
    out.extend(of(
        "cache",
        sc.caches.iter().map(|c| &c.name),
        CACHE_FIGURES,
        |n| report.and_then(|r| r.caches.get(n)),
    ));
    out.extend(of(
        "saga",
        sc.sagas.iter().map(|c| &c.name),
        SAGA_FIGURES,
        |n| report.and_then(|r| r.sagas.get(n)),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deployment_and_changing_instances_have_their_figures() {
        let builtin = sim_core::library::find("canary-rollback").unwrap();
        let sc = sim_core::scenario::load(builtin.text, "canary-rollback.toml", &[]).unwrap();
        let report = sim_core::run(&sc, &sim_core::RunOptions::default()).unwrap();
        let all = figures(&sc, Some(&report));
        let get = |name: &str| all.iter().find(|(n, _)| n == name).and_then(|(_, v)| *v);
        // Its expectations: rolled back at the first step.
        assert_eq!(get("deploy.api.rolled_back"), Some(1.0));
        assert_eq!(get("deploy.api.steps_done"), Some(1.0));
        let life = report.services["api"].lifecycle.as_ref().unwrap();
        assert_eq!(
            get("service.api.max_instances"),
            Some(f64::from(life.counts.max_instances))
        );
        // A stopped run has every column, without values.
        let stopped = figures(&sc, None);
        assert_eq!(stopped.len(), all.len());
        assert!(stopped.iter().all(|(_, v)| v.is_none()));
    }
}
