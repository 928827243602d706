//! The names of services, endpoints, clients, queues, caches and sagas, and resolving
//! references to them.
//!
//! Names are gathered from the tree before anything is checked, so that a
//! reference can be resolved (or a near miss suggested) wherever it appears,
//! whatever the order of the sections.

use super::model::{CacheId, ClientId, EndpointId, NodeId, QueueId, SagaId, ServiceId, Target};
use super::problems::{At, Problems};
use super::tree::{Node, Value};
use crate::limits;
use crate::suggest::closest;
use crate::text::quote;

/// The endpoint a service has when it declares none.
pub(crate) const DEFAULT_ENDPOINT: &str = "default";

/// Every name the file gives, indexed like the arrays that declare them.
pub(crate) struct Names<'a> {
    services: Vec<ServiceNames<'a>>,
    clients: Vec<Option<&'a str>>,
    queues: Vec<Option<&'a str>>,
    caches: Vec<Option<&'a str>>,
    sagas: Vec<Option<&'a str>>,
}

/// A service's name and its declared endpoints' names (empty: only `default`).
struct ServiceNames<'a> {
    name: Option<&'a str>,
    endpoints: Vec<Option<&'a str>>,
}

impl<'a> Names<'a> {
    /// Gathers names from the document, ignoring anything malformed (the
    /// loader reports that when it reads the same places).
    pub fn collect(root: &'a Node) -> Self {
        let services = elements(root, "service")
            .iter()
            .map(|s| ServiceNames {
                name: name_of(s),
                endpoints: elements(s, "endpoint").iter().map(name_of).collect(),
            })
            .collect();
        let clients = elements(root, "client").iter().map(name_of).collect();
        let queues = elements(root, "queue").iter().map(name_of).collect();
        let caches = elements(root, "cache").iter().map(name_of).collect();
        let sagas = elements(root, "saga").iter().map(name_of).collect();
        Names {
            services,
            clients,
            queues,
            caches,
            sagas,
        }
    }

    /// The first service called `name`.
    pub fn service(&self, name: &str) -> Option<ServiceId> {
        position(self.services.iter().map(|s| s.name), name).map(ServiceId)
    }

    /// The first client called `name`.
    pub fn client(&self, name: &str) -> Option<ClientId> {
        position(self.clients.iter().copied(), name).map(ClientId)
    }

    /// The first queue called `name`.
    pub fn queue(&self, name: &str) -> Option<QueueId> {
        position(self.queues.iter().copied(), name).map(QueueId)
    }

    /// The first cache called `name`.
    pub fn cache(&self, name: &str) -> Option<CacheId> {
        position(self.caches.iter().copied(), name).map(CacheId)
    }

    /// Every cache name, for suggestions.
    pub fn cache_names(&self) -> Vec<&'a str> {
        self.caches.iter().copied().flatten().collect()
    }

    /// The name of cache `id`, or its index if it has none.
    pub fn cache_name(&self, id: CacheId) -> String {
        self.caches
            .get(id.0 as usize)
            .copied()
            .flatten()
            .map_or_else(|| format!("[{}]", id.0), quote)
    }

    /// The first saga called `name`.
    pub fn saga(&self, name: &str) -> Option<SagaId> {
        position(self.sagas.iter().copied(), name).map(SagaId)
    }

    /// What `name` names, "a client", "a service", "a queue", "a cache" or "a saga"
    /// (the first that matches), for messages about a reference of the
    /// wrong kind.
    pub fn kind_of(&self, name: &str) -> Option<&'static str> {
        if self.client(name).is_some() {
            Some("a client")
        } else if self.service(name).is_some() {
            Some("a service")
        } else if self.queue(name).is_some() {
            Some("a queue")
        } else if self.cache(name).is_some() {
            Some("a cache")
        } else {
            self.saga(name).map(|_| "a saga")
        }
    }

    /// Every saga name, for suggestions.
    pub fn saga_names(&self) -> Vec<&'a str> {
        self.sagas.iter().copied().flatten().collect()
    }

    /// Every queue name, for suggestions.
    pub fn queue_names(&self) -> Vec<&'a str> {
        self.queues.iter().copied().flatten().collect()
    }

    /// The name of service `id`, or its index if it has none.
    pub fn service_name(&self, id: ServiceId) -> String {
        self.services
            .get(id.0 as usize)
            .and_then(|s| s.name)
            .map_or_else(|| format!("[{}]", id.0), quote)
    }

    /// The name of client `id`, or its index if it has none.
    pub fn client_name(&self, id: ClientId) -> String {
        self.clients
            .get(id.0 as usize)
            .copied()
            .flatten()
            .map_or_else(|| format!("[{}]", id.0), quote)
    }

    /// The name of queue `id`, or its index if it has none.
    pub fn queue_name(&self, id: QueueId) -> String {
        self.queues
            .get(id.0 as usize)
            .copied()
            .flatten()
            .map_or_else(|| format!("[{}]", id.0), quote)
    }

    /// The name of saga `id`, or its index if it has none.
    pub fn saga_name(&self, id: SagaId) -> String {
        self.sagas
            .get(id.0 as usize)
            .copied()
            .flatten()
            .map_or_else(|| format!("[{}]", id.0), quote)
    }

    /// The name of a node, quoted.
    pub fn node_name(&self, node: NodeId) -> String {
        match node {
            NodeId::Service(s) => self.service_name(s),
            NodeId::Client(c) => self.client_name(c),
            NodeId::Queue(q) => self.queue_name(q),
            NodeId::Saga(s) => self.saga_name(s),
            NodeId::Cache(c) => self.cache_name(c),
        }
    }

    /// How a target is written: `api` for a service without declared
    /// endpoints, `api.charge` otherwise.
    pub fn label(&self, t: Target) -> String {
        let service = self.service_name(t.service);
        match self
            .services
            .get(t.service.0 as usize)
            .and_then(|s| s.endpoints.get(t.endpoint.0 as usize))
        {
            Some(endpoint) => format!("{service}.{}", quote(endpoint.unwrap_or("?"))),
            None => service,
        }
    }

    /// Resolves `"service"` or `"service.endpoint"`. A bare service means its
    /// `default` endpoint if it has one, else its first declared endpoint.
    /// `role` says where the reference is, like "`target` of [[client]] `users`".
    pub fn target(&self, text: &str, at: At, role: &str, p: &mut Problems) -> Option<Target> {
        let (service_name, endpoint_name) = match text.split_once('.') {
            Some((s, e)) => (s, Some(e)),
            None => (text, None),
        };
        let service = self.service_ref(service_name, at, role, p)?;
        let declared = self
            .services
            .get(service.0 as usize)
            .map_or(&[][..], |s| &s.endpoints[..]);
        let endpoint = match (endpoint_name, declared.is_empty()) {
            (None, true) | (Some(DEFAULT_ENDPOINT), true) => 0,
            (None, false) => match declared.iter().position(|n| *n == Some(DEFAULT_ENDPOINT)) {
                Some(i) => i,
                None => {
                    if declared.len() > 1 {
                        warn_first_endpoint(service_name, declared, at, role, p);
                    }
                    0
                }
            },
            (Some(wanted), _) => match declared.iter().position(|n| *n == Some(wanted)) {
                Some(i) => i,
                None => {
                    let names: Vec<&str> = if declared.is_empty() {
                        vec![DEFAULT_ENDPOINT]
                    } else {
                        declared.iter().flatten().copied().collect()
                    };
                    p.hinted(
                        at,
                        format!(
                            "service `{}` has no endpoint `{}` for {role}",
                            quote(service_name),
                            quote(wanted)
                        ),
                        Some(match closest(wanted, &names) {
                            Some(c) => format!("did you mean `{c}`?"),
                            None => format!("its endpoints: {}", names.join(", ")),
                        }),
                    );
                    return None;
                }
            },
        };
        let endpoint = u32::try_from(endpoint).ok()?;
        Some(Target {
            service,
            endpoint: EndpointId(endpoint),
        })
    }

    /// Resolves the name of a service (not a target: no endpoint). `role`
    /// says where the reference is, like "`service` of [[deploy]] [0]".
    pub fn service_ref(
        &self,
        name: &str,
        at: At,
        role: &str,
        p: &mut Problems,
    ) -> Option<ServiceId> {
        if let Some(service) = self.service(name) {
            return Some(service);
        }
        let hint = match (self.client(name), self.queue(name)) {
            (Some(_), _) => Some(format!("`{}` is a client; requests go to services", quote(name))),
            (None, Some(_)) => Some(format!(
                "`{name}` is a queue; requests go to services, messages to queues with `publish = [{{ to = \"{name}\" }}]`",
                name = quote(name)
            )),
            (None, None) => self.suggest_service(name),
        };
        p.hinted(at, format!("no service `{}` for {role}", quote(name)), hint);
        None
    }

    /// Resolves the name of a client, a service, a queue, a cache or a
    /// saga's orchestrator (a node of the network). A queue, a cache or a
    /// saga named like a client or a service is refused where it is
    /// declared, so a name that is both resolves to the other.
    pub fn node(&self, name: &str, at: At, role: &str, p: &mut Problems) -> Option<NodeId> {
        match (self.client(name), self.service(name)) {
            (Some(c), None) => Some(NodeId::Client(c)),
            (None, Some(s)) => Some(NodeId::Service(s)),
            (Some(_), Some(_)) => {
                ambiguous(name, at, p);
                None
            }
            (None, None) => {
                if let Some(q) = self.queue(name) {
                    return Some(NodeId::Queue(q));
                }
                if let Some(c) = self.cache(name) {
                    return Some(NodeId::Cache(c));
                }
                if let Some(g) = self.saga(name) {
                    return Some(NodeId::Saga(g));
                }
                let all: Vec<&str> = self.all_names().collect();
                p.hinted(
                    at,
                    format!(
                        "no client, service, queue, cache or saga `{}` for {role}",
                        quote(name)
                    ),
                    closest(name, &all).map(|c| format!("did you mean `{c}`?")),
                );
                None
            }
        }
    }

    /// Resolves the name of a declared queue. `role` says where the
    /// reference is, like "`consumes` of [[service]] `worker`".
    pub fn queue_ref(&self, name: &str, at: At, role: &str, p: &mut Problems) -> Option<QueueId> {
        if let Some(q) = self.queue(name) {
            return Some(q);
        }
        let hint = if self.service(name).is_some() {
            Some(format!(
                "`{}` is a service: messages are published to queues and consumed from them, calls go to services",
                quote(name)
            ))
        } else {
            let declare = format!("[[queue]] with name = \"{}\"", quote(name));
            Some(undeclared_hint(
                name,
                &self.queue_names(),
                "queues",
                &declare,
            ))
        };
        p.hinted(at, format!("no queue `{}` for {role}", quote(name)), hint);
        None
    }

    /// Every client, service, queue, cache and saga name, for suggestions.
    pub fn all_names(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.clients
            .iter()
            .copied()
            .chain(self.services.iter().map(|s| s.name))
            .chain(self.queues.iter().copied())
            .chain(self.caches.iter().copied())
            .chain(self.sagas.iter().copied())
            .flatten()
    }

    /// "did you mean" among service names.
    pub fn suggest_service(&self, name: &str) -> Option<String> {
        let services: Vec<&str> = self.services.iter().filter_map(|s| s.name).collect();
        closest(name, &services).map(|c| format!("did you mean `{c}`?"))
    }
}

/// The hint for `name`, a reference to none of the `declared` names of
/// some `kind` (plural): a near miss, how to declare one when there is
/// none, or the list of them.
pub(crate) fn undeclared_hint(name: &str, declared: &[&str], kind: &str, declare: &str) -> String {
    match closest(name, declared) {
        Some(c) => format!("did you mean `{c}`?"),
        None if declared.is_empty() => format!("declare it: {declare}"),
        None => {
            let quoted: Vec<String> = declared.iter().map(|d| quote(d)).collect();
            format!("the {kind}: {}", quoted.join(", "))
        }
    }
}

/// Warns that a bare service name with several endpoints, none `default`,
/// takes the first of them.
fn warn_first_endpoint(
    service: &str,
    declared: &[Option<&str>],
    at: At,
    role: &str,
    p: &mut Problems,
) {
    let service = quote(service);
    let full: Vec<String> = declared
        .iter()
        .flatten()
        .map(|e| format!("`{service}.{}`", quote(e)))
        .collect();
    let first = full.first().cloned().unwrap_or_default();
    p.warn(
        at,
        format!(
            "`{service}` has {} endpoints and none is `default`: {role} takes the first, {first}",
            declared.len()
        ),
        Some(format!("name the endpoint: {}", full.join(", "))),
    );
}

/// Refuses a cache at an end of a link (`role` says where): lookups do not
/// travel over links.
pub(crate) fn no_cache_link(node: NodeId, at: At, role: &str, p: &mut Problems) -> Option<NodeId> {
    if let NodeId::Cache(_) = node {
        p.hinted(
            at,
            format!("{role} is a cache, and lookups do not travel over links"),
            Some("a cache's `hit_time` is its round trip; to fail it, target the cache itself with a crash or a pause".to_string()),
        );
        return None;
    }
    Some(node)
}

/// The kinds of named elements, in the order their clashes are reported: a
/// name that an earlier kind holds is refused where a later kind declares it.
const KINDS: [&str; 5] = ["client", "service", "queue", "cache", "saga"];

/// Refuses a `kind` (queue, cache or saga) named like an element of an
/// earlier kind: services, queues, caches and sagas share one namespace,
/// and links and fault targets name clients too. Each clash is reported
/// once, at the later declaration.
pub(crate) fn own_name(kind: &str, name: &str, at: At, names: &Names, p: &mut Problems) -> bool {
    let holds = |other: &&&str| match **other {
        "client" => names.client(name).is_some(),
        "service" => names.service(name).is_some(),
        "queue" => names.queue(name).is_some(),
        "cache" => names.cache(name).is_some(),
        _ => names.saga(name).is_some(),
    };
    let Some(other) = KINDS.iter().take_while(|k| **k != kind).find(holds) else {
        return true;
    };
    let hint = if *other == "client" {
        format!("links and fault targets name clients and {kind}s alike")
    } else {
        format!("{kind}s and {other}s share one namespace")
    };
    p.hinted(
        at,
        format!("{kind} `{}` has the name of a {other}", quote(name)),
        Some(format!("{hint}: rename one of them")),
    );
    false
}

/// Reports a name that is both a client's and a service's where it must name one.
pub(crate) fn ambiguous(name: &str, at: At, p: &mut Problems) {
    p.hinted(
        at,
        format!("`{}` names both a client and a service", quote(name)),
        Some("rename one of them".to_string()),
    );
}

/// Checks that a name can be written in targets and `--set` paths: letters,
/// digits, `_` and `-` (`.` separates a service from its endpoint), at most
/// [`limits::MAX_NAME_CHARS`] of them.
pub(crate) fn check_name(name: &str, at: At, p: &mut Problems) -> bool {
    let chars = name.chars().count();
    if chars > limits::MAX_NAME_CHARS {
        p.hinted(
            at,
            format!(
                "the name `{}` is {chars} characters long, above the limit of {}",
                quote(name),
                limits::MAX_NAME_CHARS
            ),
            Some("names appear in every line of a report: keep them short".to_string()),
        );
        return false;
    }
    let hint = "use letters, digits, `_` and `-`: `.` separates a service from its endpoint";
    if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        p.hinted(
            at,
            format!(
                "the name `{}` holds a space or a control character",
                quote(name)
            ),
            Some(hint.to_string()),
        );
        return false;
    }
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if !ok {
        p.hinted(
            at,
            format!("`{}` is not a valid name", quote(name)),
            Some(hint.to_string()),
        );
    }
    ok
}

/// The elements of the array of tables `key` of a table node (empty if none).
fn elements<'a>(node: &'a Node, key: &str) -> &'a [Node] {
    match &node.value {
        Value::Table(t) => match t.get(key).map(|e| &e.node.value) {
            Some(Value::Array(items)) => items,
            _ => &[],
        },
        _ => &[],
    }
}

/// The `name` string of a table node.
fn name_of(node: &Node) -> Option<&str> {
    match &node.value {
        Value::Table(t) => match t.get("name").map(|e| &e.node.value) {
            Some(Value::String(s)) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

fn position<'a>(names: impl Iterator<Item = Option<&'a str>>, name: &str) -> Option<u32> {
    names
        .enumerate()
        .find(|(_, n)| *n == Some(name))
        .and_then(|(i, _)| u32::try_from(i).ok())
}
