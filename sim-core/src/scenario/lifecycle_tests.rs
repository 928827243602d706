//! Loader tests of `startup`, `health`, `autoscale` and `[[deploy]]`, and of
//! the expectations about them.

use super::model::*;
use super::tests::{errors, hint, ok, only, BASE};
use crate::expect::{parse_expectation, DeployStat, Metric};
use crate::time::{SimDuration, SimTime};

/// BASE with `keys` added to the `db` service.
fn db(keys: &str) -> String {
    BASE.replace(
        "service_time = \"2ms\"",
        &format!("service_time = \"2ms\"\n{keys}"),
    )
}

#[test]
fn reads_startup_health_and_autoscale_with_their_defaults() {
    let sc = ok(&db(r#"instances = 2
startup = "20s"
health = { action = "restart", deep = true }
autoscale = { max = 10, target = 0.7 }"#));
    let life = &sc.services[1].lifecycle;
    assert_eq!(life.startup, SimDuration::from_secs(20));
    let h = life.health.as_ref().unwrap();
    assert_eq!(
        (h.interval, h.timeout),
        (SimDuration::from_secs(10), SimDuration::from_secs(1))
    );
    assert_eq!(
        (h.unhealthy, h.healthy, h.action, h.deep),
        (3, 1, HealthAction::Restart, true)
    );
    let a = life.autoscale.as_ref().unwrap();
    assert_eq!(
        (a.min, a.max, a.metric, a.target),
        (1, 10, ScaleMetric::Utilization, 0.7)
    );
    assert_eq!(
        (a.interval, a.cooldown),
        (SimDuration::from_secs(15), SimDuration::from_secs(300))
    );
    assert_eq!(sc.services[1].max_instances(), 10);
}

#[test]
fn an_autoscaler_must_hold_the_starting_count() {
    let (line, column, message, h) = only(&db(
        "instances = 3\nautoscale = { min = 4, max = 10, target = 0.5 }",
    ));
    assert_eq!((line, column), (19, 21));
    assert_eq!(
        message,
        "`min` is 4, above the 3 `instances` the service starts with"
    );
    assert_eq!(h, hint("lower `min`, or start with `instances = 4`"));
    let (_, _, message, _) = only(&db("instances = 3\nautoscale = { max = 2, target = 0.5 }"));
    assert_eq!(
        message,
        "`max` is 2, below the 3 `instances` the service starts with"
    );
    let (_, _, message, _) = only(&db("autoscale = { max = 2, target = 0 }"));
    assert_eq!(message, "`target` must be more than 0");
    let (_, _, message, _) = only(&db("health = { action = \"reboot\" }"));
    assert_eq!(message, "unknown action `reboot`: expected remove, restart");
}

#[test]
fn reads_a_deploy_and_refuses_a_second_of_one_service() {
    let deploy =
        "\n[[deploy]]\nservice = \"db\"\nat = \"30s\"\nstrategy = \"canary\"\nsteps = [0.1, 1.0]\n\
                  version = { error_rate = 0.5 }\nrollback = { p99 = \"200ms\" }\n";
    let sc = ok(&format!("{BASE}{deploy}"));
    let d = &sc.deploys[0];
    assert_eq!(
        (d.service, d.at, d.strategy),
        (ServiceId(1), SimTime(30_000_000_000), Strategy::Canary)
    );
    assert_eq!(
        (d.steps.clone(), d.batch, d.version.error_rate),
        (vec![0.1, 1.0], 1, Some(0.5))
    );
    let r = d.rollback.as_ref().unwrap();
    assert_eq!(
        (r.error_rate, r.p99, r.window),
        (
            None,
            Some(SimDuration::from_millis(200)),
            SimDuration::from_secs(10)
        )
    );
    assert!(sc.services[1].lifecycle.deployed);
    let twice = errors(&format!("{BASE}{deploy}{deploy}"));
    assert_eq!(twice.len(), 1, "{twice:?}");
    assert_eq!(twice[0].message, "a second [[deploy]] of this service");
    assert_eq!((twice[0].line, twice[0].column), (28, 11));
}

#[test]
fn canary_steps_must_rise_to_all_the_traffic() {
    for steps in ["[0.5, 0.2, 1.0]", "[0.1, 0.5]", "[1.5]"] {
        let text = format!("{BASE}\n[[deploy]]\nservice = \"db\"\nat = \"1s\"\nsteps = {steps}\n");
        let (line, _, message, _) = only(&text);
        assert_eq!(line, 22, "{steps}: {message}");
    }
    let unknown = format!("{BASE}\n[[deploy]]\nservice = \"dbx\"\nat = \"1s\"\n");
    let (line, column, message, h) = only(&unknown);
    assert_eq!((line, column), (20, 11));
    assert!(message.contains("no service `dbx`"), "{message}");
    assert_eq!(h, hint("did you mean `db`?"));
}

#[test]
fn parses_the_lifecycle_expectations() {
    let e = parse_expectation("instances(api) at 90s >= 6").unwrap();
    assert_eq!(
        (e.metric, e.value),
        (Metric::Instances(SimTime(90_000_000_000)), 6.0)
    );
    let e = parse_expectation("max_instances(api) <= 20").unwrap();
    assert_eq!(e.metric, Metric::MaxInstances);
    let e = parse_expectation("deploy(api).rolled_back == true").unwrap();
    assert_eq!(
        (e.metric, e.value),
        (Metric::Deploy(DeployStat::RolledBack), 1.0)
    );
    let e = parse_expectation("deploy(api).steps_done >= 2").unwrap();
    assert_eq!(e.metric, Metric::Deploy(DeployStat::StepsDone));
    let bad = parse_expectation("deploy(api).rolled == true").unwrap_err();
    assert!(bad.contains("did you mean `rolled_back`?"), "{bad}");
    let bad = parse_expectation("deploy(api).rolled_back < true").unwrap_err();
    assert!(bad.contains("with == or !="), "{bad}");
    let bad = parse_expectation("instances(api) >= 6").unwrap_err();
    assert!(bad.contains("at an instant"), "{bad}");
    let text = BASE.replace(
        "duration = \"60s\"",
        "duration = \"60s\"\nexpect = [\"deploy(api).rolled_back == true\"]",
    );
    let (_, _, message, _) = only(&text);
    assert_eq!(
        message,
        "no deployment of `api` in `deploy(api).rolled_back == true`"
    );
}
