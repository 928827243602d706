//! Loader tests of the keys' balancer and limits: `balancer = "hash"` with
//! its `vnodes`, and `limit.per`; each value read exactly, each problem with
//! its message and place, and `--set` reaching them.

use super::limits_tests::{place, warnings};
use super::model::Balancer;
use super::policy::LimitScope;
use super::tests::{errors_with, hint, ok, only, set, BASE};
use crate::limits;

/// `BASE` with `lines` added to its last service, `db`.
fn db(lines: &str) -> String {
    format!("{BASE}{lines}\n")
}

#[test]
fn hash_takes_vnodes_and_defaults_to_100() {
    let sc = ok(&db("instances = 4\nbalancer = \"hash\"\nvnodes = 7"));
    assert_eq!(sc.services[1].balancer, Balancer::Hash { vnodes: 7 });
    let sc = ok(&db("balancer = \"hash\""));
    assert_eq!(sc.services[1].balancer, Balancer::Hash { vnodes: 100 });
}

#[test]
fn vnodes_out_of_range_are_refused_where_written() {
    for (v, message) in [
        ("0", "`vnodes` must be at least 1, got 0".to_string()),
        (
            "1001",
            format!(
                "`vnodes` = 1001 is above the limit of {} per instance",
                limits::MAX_VNODES
            ),
        ),
    ] {
        let text = db(&format!("balancer = \"hash\"\nvnodes = {v}"));
        let (line, column) = place(&text, &format!("= {v}"));
        let (l, c, m, _) = only(&text);
        assert_eq!((l, c, m), (line, column + 2, message));
    }
}

#[test]
fn ring_points_over_all_services_are_bounded() {
    // 10,000 instances of 1,000 points are the whole budget: one more
    // service's ring passes it, and the error is placed at its `vnodes`.
    let big = "instances = 10000\nbalancer = \"hash\"\nvnodes = 1000";
    let text = format!(
        "{}\n[[service]]\nname = \"c\"\nservice_time = \"1ms\"\nbalancer = \"hash\"\nvnodes = 2\n",
        db(big)
    );
    let (line, column) = place(&text, "vnodes = 2");
    let (l, c, m, h) = only(&text);
    assert_eq!((l, c), (line, column + 9));
    assert_eq!(
        m,
        "`instances` × `vnodes` over all `hash` services come to 10000002, above the limit of 10000000 ring points in all"
    );
    assert!(h.unwrap().contains("1/sqrt(vnodes)"));
}

#[test]
fn vnodes_without_hash_is_warned_of() {
    let text = db("balancer = \"p2c\"\nvnodes = 50");
    let w = warnings(&text, &[]);
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!((w[0].line, w[0].column), place(&text, "50"));
    assert_eq!(
        w[0].message,
        "`vnodes` in [[service]] `db` is read only by a `hash` balancer, and it balances otherwise"
    );
    assert_eq!(
        w[0].hint,
        hint("add `balancer = \"hash\"`, or remove `vnodes`")
    );
    assert_eq!(ok(&text).services[1].balancer, Balancer::P2c);
}

#[test]
fn hash_without_client_keys_is_warned_of() {
    let text = db("instances = 3\nbalancer = \"hash\"");
    let w = warnings(&text, &[]);
    assert_eq!(w.len(), 1, "{w:#?}");
    assert_eq!((w[0].line, w[0].column), place(&text, "\"hash\""));
    assert_eq!(
        w[0].message,
        "`hash` sends each key to one instance of `db`, and no client has `keys`: every request carries key 0, so one instance takes them all"
    );
    // Keys on a client, or one instance, leave nothing to warn of.
    assert!(warnings(&text, &[set("client.users.keys={ count = 10 }")]).is_empty());
    assert!(warnings(&db("balancer = \"hash\""), &[]).is_empty());
}

#[test]
fn limit_per_reads_key_and_all_and_suggests_the_word() {
    let sc = ok(&db("limit = { rate = 10, burst = 20, per = \"key\" }"));
    let limit = sc.services[1].protection.limit.clone().unwrap();
    assert_eq!(
        (limit.rate, limit.burst, limit.per),
        (10.0, 20, LimitScope::Key)
    );
    let sc = ok(&db("limit = { rate = 10, per = \"all\" }"));
    assert_eq!(
        sc.services[1].protection.limit.as_ref().unwrap().per,
        LimitScope::All
    );
    let sc = ok(&db("limit = { rate = 10 }"));
    assert_eq!(
        sc.services[1].protection.limit.as_ref().unwrap().per,
        LimitScope::All
    );
    let text = db("limit = { rate = 10, per = \"keys\" }");
    let (line, column) = place(&text, "\"keys\"");
    assert_eq!(
        only(&text),
        (
            line,
            column,
            "unknown per `keys`: expected all, key".to_string(),
            hint("did you mean `key`?")
        )
    );
}

#[test]
fn overrides_reach_the_balancer_vnodes_and_per() {
    let sets = [
        set("service.db.balancer=\"hash\""),
        set("service.db.vnodes=10"),
        set("service.db.limit={ rate = 5, per = \"key\" }"),
        set("client.users.limit={ rate = 5 }"),
        set("client.users.limit.per=\"key\""),
    ];
    let sc = super::load(BASE, "t.toml", &sets).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(sc.services[1].balancer, Balancer::Hash { vnodes: 10 });
    let per = |l: &Option<super::policy::TokenBucket>| l.as_ref().unwrap().per;
    assert_eq!(per(&sc.services[1].protection.limit), LimitScope::Key);
    assert_eq!(per(&sc.clients[0].policy.limit), LimitScope::Key);
    let bad = errors_with(BASE, &[set("service.db.balancer=\"hashed\"")]);
    assert_eq!(bad[0].hint, hint("did you mean `hash`?"));
}

#[test]
fn balancers_and_scopes_name_themselves_as_files_write_them() {
    for (word, b) in super::services::BALANCERS {
        assert_eq!(b.name(), *word);
    }
    assert_eq!(Balancer::Hash { vnodes: 3 }.name(), "hash");
    for (word, s) in super::policies::SCOPES {
        assert_eq!(s.name(), *word);
    }
}
