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
    assert_eq!((d.steps.clone(), d.batch), (vec![0.1, 1.0], 1));
    let new = sc.services[1].new_version.as_ref().unwrap();
    assert_eq!(
        (new[0].error_rate, &new[0].service_time),
        (0.5, &sc.services[1].endpoints[0].service_time)
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
    assert!(sc.services[0].new_version.is_none());
    let twice = errors(&format!("{BASE}{deploy}{deploy}"));
    assert_eq!(twice.len(), 1, "{twice:?}");
    assert_eq!(twice[0].message, "a second [[deploy]] of this service");
    assert_eq!((twice[0].line, twice[0].column), (28, 11));
}

/// BASE with a second endpoint on `api`, a queue, and a deployment of
/// `api` whose `version` is `version`.
fn deployed(version: &str) -> String {
    let base = BASE.replace("target = \"api\"", "target = \"api.a\"").replace(
        "calls = [\"db\"]",
        "calls = [\"db\"]\neffect = \"charge\"\n[[service.endpoint]]\nname = \"a\"\n[[service.endpoint]]\nname = \"b\"\nservice_time = \"1ms\"\nblocking = false",
    );
    format!(
        "{base}\n[[queue]]\nname = \"q\"\n\n[[service]]\nname = \"worker\"\nservice_time = \"1ms\"\nconsumes = \"q\"\n\n[[deploy]]\nservice = \"api\"\nat = \"1s\"\nversion = {version}\n"
    )
}

#[test]
fn a_version_overrides_its_keys_on_every_endpoint_and_keeps_the_rest() {
    let sc = ok(&deployed(
        r#"{ calls = ["db", "worker"], parallel = true, idempotent = true, effect = "refund", publish = [{ to = "q", outbox = true }] }"#,
    ));
    let api = &sc.services[0];
    let new = api.new_version.as_ref().unwrap();
    assert_eq!(new.len(), api.endpoints.len());
    for (old, new) in api.endpoints.iter().zip(new) {
        assert_eq!(new.name, old.name);
        let to: Vec<ServiceId> = new.calls.iter().map(|c| c.to.service).collect();
        assert_eq!(to, [ServiceId(1), ServiceId(2)]);
        assert_eq!((new.parallel, new.idempotent), (true, true));
        assert_eq!(new.effect.as_deref(), Some("refund"));
        assert_eq!(
            new.publish,
            [Publish {
                to: QueueId(0),
                outbox: true
            }]
        );
        // What the version does not set stays each endpoint's own.
        assert_eq!(
            (&new.service_time, new.blocking),
            (&old.service_time, old.blocking)
        );
        assert_eq!(
            (new.error_rate, new.consumes),
            (old.error_rate, old.consumes)
        );
    }
    assert!(!api.endpoints[1].blocking);
    assert_eq!(api.endpoints[0].calls.len(), 1);
    // Without a `version`, the new version is the old one.
    let same = ok(&deployed("{}"));
    assert_eq!(
        same.services[0].new_version.as_deref(),
        Some(&same.services[0].endpoints[..])
    );
}

#[test]
fn a_versions_references_are_checked_where_they_are_written() {
    let (line, column, message, h) = only(&deployed(r#"{ calls = ["dbb"] }"#));
    assert_eq!((line, column), (37, 22));
    assert!(message.contains("no service `dbb`"), "{message}");
    assert_eq!(h, hint("did you mean `db`?"));
    let (line, column, message, _) = only(&deployed(r#"{ consumes = "q" }"#));
    assert_eq!((line, column), (37, 13));
    assert!(
        message.starts_with("unknown key `consumes` in `version` of [[deploy]] [0]"),
        "{message}"
    );
    let (_, _, message, _) = only(&deployed(r#"{ publish = [{ to = "qq" }] }"#));
    assert!(message.contains("no queue `qq`"), "{message}");
    // A call of the new version can close a cycle the old one does not.
    let text = deployed("{}").replace("service = \"api\"\nat", "service = \"db\"\nat");
    let cyclic = text.replace("version = {}", r#"version = { calls = ["api.a"] }"#);
    let (line, _, message, _) = only(&cyclic);
    assert_eq!(line, 37, "{message}");
    assert!(message.contains("cycle"), "{message}");
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
