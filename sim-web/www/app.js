// The dsim visualizer: pick or edit a scenario, run it in a Web Worker,
// play it back over the topology and the charts, turn a knob and run again
// with the same seed, pin a run as A to compare, share a link.
//
// Every number shown comes from sim-core (snapshots and the summary); the
// page only draws them and takes differences between snapshots to animate.

import init, { run } from "./pkg/sim_web.js";
import { renderMarkdown } from "./markdown.js";
import { drawChart } from "./charts.js";
import { TopologyView } from "./topology.js";
import { drawTimeline, runLabel } from "./timeline.js";

const $ = (id) => document.getElementById(id);

// ---- the worker, as promises -------------------------------------------

const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
let nextId = 0;
const pending = new Map();
worker.onmessage = ({ data }) => {
  const { resolve, reject } = pending.get(data.id);
  pending.delete(data.id);
  if (data.ok) resolve(data.result);
  else reject(new Error(data.error));
};
function call(type, payload = {}) {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, type, ...payload });
  });
}

// ---- state ----------------------------------------------------------------

const state = {
  builtins: [],
  sets: [],
  run: null, // { topology, frames, summary }
  pinned: null, // { summary, label }
  frame: 0,
  playing: false,
  started: 0, // runs asked for
  finished: 0, // runs over
  saga: null, // the saga whose runs the timeline shows
  sagaRun: "", // the run it shows ("": the last to end by the frame shown)
};
const view = new TopologyView($("topology"), (name) => {
  state.saga = name;
  state.sagaRun = "";
  sagaPanel();
  $("saga-panel").scrollIntoView({ block: "nearest" });
});

function status(text, error = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", error);
  $("status").dataset.state = error ? "error" : text;
}

// ---- share links: scenario text, seed and knobs in the fragment ---------

async function compress(text) {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function decompress(encoded) {
  const base64 = encoded.replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Response(stream).text();
}

async function shareLink() {
  const params = new URLSearchParams();
  params.set("s", await compress($("editor").value));
  params.set("seed", $("seed").value);
  if (state.sets.length) params.set("set", JSON.stringify(state.sets));
  return `${location.origin}${location.pathname}#${params}`;
}

async function fromLink() {
  const params = new URLSearchParams(location.hash.slice(1));
  if (!params.has("s")) return false;
  $("editor").value = await decompress(params.get("s"));
  if (params.has("seed")) $("seed").value = params.get("seed");
  state.sets = params.has("set") ? JSON.parse(params.get("set")) : [];
  $("picker").value = "";
  return true;
}

// ---- the editor's diagnostics ------------------------------------------

/** Selects line `n` (1-based) of the editor and scrolls to it. */
function selectLine(n) {
  const editor = $("editor");
  const lines = editor.value.split("\n");
  const start = lines.slice(0, n - 1).reduce((acc, l) => acc + l.length + 1, 0);
  editor.focus();
  editor.setSelectionRange(start, start + (lines[n - 1] ?? "").length);
  const lineHeight = editor.scrollHeight / Math.max(lines.length, 1);
  editor.scrollTop = Math.max(0, (n - 3) * lineHeight);
}

async function showErrors() {
  const problems = await call("validate", { text: $("editor").value });
  const list = $("errors");
  list.replaceChildren();
  for (const p of problems) {
    const li = document.createElement("li");
    const where = p.line > 0 ? `line ${p.line}, column ${p.column}: ` : "";
    const warning = p.severity === "warning";
    li.textContent = (warning ? "warning: " : "") + where + p.message + (p.hint ? ` (${p.hint})` : "");
    li.classList.toggle("warning", warning);
    li.dataset.line = p.line;
    li.title = "select this line in the editor";
    li.addEventListener("click", () => selectLine(p.line));
    list.append(li);
  }
  // Warnings are shown; only errors stop the run.
  return !problems.some((p) => p.severity !== "warning");
}

// ---- knobs: the settings that matter in this scenario, as --set paths ---

function knob(label, input, onChange) {
  const row = document.createElement("label");
  row.append(document.createTextNode(label), input);
  input.addEventListener("change", onChange);
  $("knobs").append(row);
  return row;
}

/** Ack timeouts a queue's slider offers, in seconds, besides its own. */
const ACK_TIMEOUTS_S = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

/** A duration of `s` seconds as the scenario format writes it. */
function duration(s) {
  if (s < 1) return `${Math.round(s * 1000)}ms`;
  return s < 60 || s % 60 !== 0 ? `${s}s` : `${s / 60}m`;
}

/** Health-check intervals a service's slider offers, in seconds, besides its own. */
const INTERVALS_S = [1, 2, 5, 10, 30];

/** Canary plans the steps knob offers, besides the deployment's own: from a
 *  careful ramp to a big bang (all the traffic at once). */
const STEP_PLANS = [[0.01, 0.1, 1], [0.05, 0.25, 1], [0.25, 0.5, 1], [0.5, 1], [1]];

/** Startup times a service's slider offers, in seconds, besides its own. */
const STARTUPS_S = [0, 1, 5, 10, 20, 30, 60];

/** Time to live a cache's slider offers, besides its own. */
const TTLS = ["100ms", "500ms", "1s", "2s", "5s", "10s", "30s", "1m", "5m", "uniform(4s, 6s)", "uniform(50s, 70s)"];

/** Capacities a cache's slider offers, in keys, besides its own. */
const CAPACITIES = [10, 100, 1000, 10000, 100000];

/** The balancers a service's balancer knob offers, as the format names them. */
const BALANCERS = ["round_robin", "random", "least_outstanding", "p2c", "hash"];

/** The dedup table the dedup knob gives a consumer: keys for an hour. */
const DEDUP = '{ ttl = "1h", capacity = 100000 }';

function buildKnobs(topology) {
  $("knobs").replaceChildren();
  const rerun = () => start();
  /** A range input at `attrs.value` whose output shows `show(value)`. */
  const range = (label, attrs, path, show) => {
    const input = Object.assign(document.createElement("input"), { type: "range", ...attrs });
    const out = document.createElement("output");
    const refresh = () => (out.textContent = show(input.value));
    refresh();
    input.addEventListener("input", refresh);
    Object.assign(input.dataset, { path, initial: String(attrs.value) });
    knob(label, input, rerun).append(out);
    return input;
  };
  const slider = (label, min, max, step, value, path) => {
    range(label, { min, max, step, value }, path, (v) => v).dataset.kind = "slider";
  };
  /** A slider over `choices` (strings set quoted, arrays as arrays), starting at `value`. */
  const choice = (label, choices, value, path) => {
    const show = (i) => (Array.isArray(choices[i]) ? choices[i].join(" → ") : choices[i]);
    const input = range(label, { min: 0, max: choices.length - 1, step: 1, value: choices.indexOf(value) }, path, show);
    Object.assign(input.dataset, { kind: "choice", choices: JSON.stringify(choices) });
  };
  const check = (label, path, value) => {
    const input = Object.assign(document.createElement("input"), { type: "checkbox" });
    Object.assign(input.dataset, { kind: "check", path, value });
    knob(label, input, rerun).classList.add("check");
  };
  /** A `limit` shared by every request gets a per-key knob, and the reverse. */
  const limitScope = (name, per, path) => {
    if (per === "all") check(`${name}: limit per key`, `${path}.limit.per`, '"key"');
    if (per === "key") check(`${name}: one shared limit`, `${path}.limit.per`, '"all"');
  };
  for (const c of topology.clients) {
    if (c.rate != null) {
      slider(`${c.name}: rate /s`, Math.max(1, Math.round(c.rate / 4)), Math.round(c.rate * 2), 1, c.rate, `client.${c.name}.rate`);
    }
    // A saga client's requests are saga runs: caller policies are the steps'.
    if (c.saga) continue;
    if (c.retry != null) {
      slider(`${c.name}: max attempts`, 1, 6, 1, c.retry, `client.${c.name}.retry.max_attempts`);
      check(`${c.name}: full jitter`, `client.${c.name}.retry.jitter`, '"full"');
      if (!c.budget) check(`${c.name}: retry budget`, `client.${c.name}.budget`, "{ max_tokens = 10, token_ratio = 0.1 }");
    }
    if (c.timeout && !c.deadline) check(`${c.name}: deadline`, `client.${c.name}.deadline`, "true");
    if (!c.breaker) {
      check(`${c.name}: breaker`, `client.${c.name}.breaker`, '{ window = "count", size = 20, min_calls = 10, failure_rate = 0.5, open_for = "5s", half_open_calls = 3 }');
    }
    limitScope(c.name, c.limit, `client.${c.name}`);
  }
  for (const s of topology.services) {
    slider(`${s.name}: workers`, 1, s.workers * 2, 1, s.workers, `service.${s.name}.workers`);
    // Instances that come and go: their cold start and health checks.
    if (s.startup_s > 0 || s.health || s.slots > s.instances) {
      const starts = [...STARTUPS_S.filter((t) => t !== s.startup_s), s.startup_s].sort((a, b) => a - b);
      choice(`${s.name}: startup`, starts.map(duration), duration(s.startup_s), `service.${s.name}.startup`);
    }
    if (s.health) {
      choice(`${s.name}: health action`, ["remove", "restart"], s.health.action, `service.${s.name}.health.action`);
      if (!s.health.deep) check(`${s.name}: deep health probes`, `service.${s.name}.health.deep`, "true");
      const every = [...new Set([...INTERVALS_S, s.health.interval_s])].sort((a, b) => a - b);
      choice(`${s.name}: health interval`, every.map(duration), duration(s.health.interval_s), `service.${s.name}.health.interval`);
    }
    if (s.slots > 1) choice(`${s.name}: balancer`, BALANCERS, s.balancer, `service.${s.name}.balancer`);
    if (s.vnodes != null && s.slots > 1) slider(`${s.name}: vnodes`, 1, Math.max(200, 2 * s.vnodes), 1, s.vnodes, `service.${s.name}.vnodes`);
    limitScope(s.name, s.limit, `service.${s.name}`);
  }
  topology.deploys.forEach((d, i) => {
    choice(`deploy ${d.service}: strategy`, ["rolling", "canary", "blue_green"], d.strategy, `deploy.${i}.strategy`);
    if (d.strategy === "canary") {
      const own = STEP_PLANS.find((p) => JSON.stringify(p) === JSON.stringify(d.steps)) ?? d.steps;
      const plans = STEP_PLANS.includes(own) ? STEP_PLANS : [...STEP_PLANS, own];
      choice(`deploy ${d.service}: canary steps`, plans, own, `deploy.${i}.steps`);
    }
  });
  const dedupFor = new Set();
  for (const q of topology.queues) {
    // Only an at-least-once queue redelivers, and only to a consumer.
    if (q.delivery === "at_least_once" && q.consumers.length > 0) {
      const timeouts = [...ACK_TIMEOUTS_S.filter((s) => s !== q.ack_timeout_s), q.ack_timeout_s].sort((a, b) => a - b);
      const choices = timeouts.map((s) => (s === q.ack_timeout_s ? q.ack_timeout : duration(s)));
      choice(`${q.name}: ack timeout`, choices, q.ack_timeout, `queue.${q.name}.ack_timeout`);
      for (const c of q.consumers) dedupFor.add(c.service);
    }
    for (const p of q.publishers.filter((p) => !p.outbox)) {
      const who = p.endpoint ? `${p.service}.${p.endpoint}` : p.service;
      check(`${who} → ${q.name}: outbox`, p.outbox_path, "true");
    }
  }
  for (const s of topology.services.filter((s) => dedupFor.has(s.name) && !s.dedup)) {
    check(`${s.name}: dedup`, `service.${s.name}.dedup`, DEDUP);
  }
  for (const c of topology.caches ?? []) {
    const ttls = [...new Set([...TTLS, c.ttl])];
    choice(`${c.name}: ttl`, ttls, c.ttl, `cache.${c.name}.ttl`);
    // An unlimited cache starts at "unlimited", the last choice: only a
    // move off it sets a capacity.
    const own = c.capacity ?? "unlimited";
    const sizes = [...new Set([...CAPACITIES, ...(c.capacity == null ? [] : [c.capacity])])].sort((a, b) => a - b);
    choice(`${c.name}: capacity (keys)`, c.capacity == null ? [...sizes, own] : sizes, own, `cache.${c.name}.capacity`);
    if (!c.single_flight) check(`${c.name}: single flight`, `cache.${c.name}.single_flight`, "true");
  }
}

/** The --set strings of the knobs that differ from the scenario. */
function knobSets() {
  const sets = [];
  for (const input of $("knobs").querySelectorAll("input")) {
    if (input.dataset.kind === "slider" && input.value !== input.dataset.initial) {
      sets.push(`${input.dataset.path}=${input.value}`);
    }
    if (input.dataset.kind === "choice" && input.value !== input.dataset.initial) {
      sets.push(`${input.dataset.path}=${JSON.stringify(JSON.parse(input.dataset.choices)[input.value])}`);
    }
    if (input.dataset.kind === "check" && input.checked) {
      sets.push(`${input.dataset.path}=${input.dataset.value}`);
    }
  }
  return sets;
}

// ---- running and playing back -------------------------------------------

async function start() {
  // Counted before anything else, so `idle()` is false from the moment a
  // run is asked for.
  const token = ++state.started;
  try {
    await runOnce(token);
  } finally {
    state.finished++;
  }
}

/** Validates and runs the editor's scenario; shows it if no later run was asked for. */
async function runOnce(token) {
  state.playing = false;
  $("play").textContent = "Play";
  if (!(await showErrors())) {
    status("the scenario has errors: see Scenario text", true);
    $("editor").closest("details").open = true;
    const first = $("errors").querySelector("li[data-line]:not([data-line='0'])");
    if (first) selectLine(Number(first.dataset.line));
    return;
  }
  const text = $("editor").value;
  const seed = Number($("seed").value);
  const sets = [...new Set([...state.sets, ...knobSets()])];
  status("running…");
  let result;
  try {
    result = await call("run", { text, seed, sets });
  } catch (e) {
    if (token === state.started) status(e.message, true);
    return;
  }
  // A later run was asked for meanwhile: it shows, not this one.
  if (token !== state.started) return;
  state.run = { ...result, summary: JSON.parse(result.summary), text: result.summary };
  state.lastSets = sets;
  window.dsim.lastSummary = result.summary;
  renderMarkdown($("notes"), result.topology.description);
  if (state.knobsFor !== text) {
    state.knobsFor = text;
    buildKnobs(result.topology);
  }
  view.draw(result.topology, result.frames);
  $("scrubber").max = result.frames.length - 1;
  // The whole run at once; Play replays it from the start.
  show(result.frames.length - 1);
  totals();
  compare();
  status(`done: ${result.events} events`);
}

function show(i) {
  const frames = state.run.frames;
  state.frame = Math.max(0, Math.min(i, frames.length - 1));
  $("scrubber").value = state.frame;
  const now = frames[state.frame];
  const ms = 1000 / 24 / Number($("speed").value);
  view.update(now, state.frame > 0 ? frames[state.frame - 1] : null, state.playing ? ms * 4 : 0);
  $("clock").textContent = `${now.t.toFixed(1)} s`;
  charts(now.t);
  sagaPanel(now.t);
}

function tick() {
  if (!state.playing) return;
  const last = state.run.frames.length - 1;
  if (state.frame >= last) {
    state.playing = false;
    $("play").textContent = "Play";
    status("played to the end");
    return;
  }
  show(state.frame + 1);
  setTimeout(tick, 1000 / 24 / Number($("speed").value) * 4);
}

// ---- charts from the summary's timeseries -------------------------------

function sum(map, key) {
  const all = Object.values(map);
  if (all.length === 0) return [];
  return all[0][key].map((_, k) => all.reduce((acc, s) => acc + s[key][k], 0));
}

/** The charts of a summary's timeseries: `[title, [[label, values]]]`,
 * the broker queues' only when the scenario has queues. */
function series(summary) {
  const ts = summary.timeseries;
  const first = Object.values(ts.clients)[0];
  const charts = [
    ["Offered load and goodput (per window)", [["offered", sum(ts.clients, "requests")], ["goodput", sum(ts.clients, "succeeded")], ["degraded", sum(ts.clients, "degraded")]]],
    ["Attempts (per window)", [["attempts", sum(ts.clients, "attempts")], ["failed", sum(ts.clients, "failed")]]],
    ["Latency (ms)", [["p50", first?.p50_ms ?? []], ["p99", first?.p99_ms ?? []]]],
    ["Queue length (at window end)", [["queue", sum(ts.services, "queue")]]],
  ];
  const queues = Object.entries(ts.queues ?? {});
  if (queues.length) {
    charts.push(
      ["Broker queue depth (messages at window end)", queues.map(([name, q]) => [name, q.depth])],
      ["Oldest unacked message age (s, at window end)", queues.map(([name, q]) => [name, q.age_s])],
      ["Messages delivered / acked / lost / dead-lettered (per window)", [["delivered", sum(ts.queues, "delivered")], ["acked", sum(ts.queues, "acked")], ["lost", sum(ts.queues, "lost")], ["dead-lettered", sum(ts.queues, "dead_lettered")]]],
    );
  }
  const caches = Object.entries(ts.caches ?? {});
  if (caches.length) {
    charts.push(
      ["Cache hit ratio (per window)", caches.map(([name, c]) => [name, held(c.hit_ratio)])],
      ["Calls behind the caches: the database's load (per window)", caches.map(([name, c]) => [name, c.fills])],
    );
  }
  if (Object.keys(ts.sagas ?? {}).length) {
    const key = (k) => sum(ts.sagas, k);
    charts.push(["Sagas (runs per window; in flight at window end)", [["started", key("started")], ["completed", key("completed")], ["compensated", key("compensated")], ["inconsistent", key("inconsistent")], ["in flight", key("in_flight")]]]);
  }
  return { windows: { step: ts.window_s, start: ts.start_s }, faults: ts.faults, charts };
}

/** `values` with each missing one (a window without lookups has no hit
 * ratio) replaced by the one before it, 0 at the start. */
function held(values) {
  let last = 0;
  return values.map((v) => (last = v ?? last));
}

function charts(until) {
  const box = $("charts");
  const cur = series(state.run.summary);
  const pinned = state.pinned ? series(state.pinned.summary) : null;
  const titles = cur.charts.map(([title]) => title);
  if ([...box.children].map((div) => div.dataset.title).join("\n") !== titles.join("\n")) {
    box.replaceChildren();
    for (const title of titles) {
      const div = document.createElement("div");
      div.className = "chart";
      div.dataset.title = title;
      const h = document.createElement("h3");
      h.textContent = title;
      div.append(h, document.createElement("canvas"));
      box.append(div);
    }
  }
  cur.charts.forEach(([title, lines], i) => {
    const all = lines.map(([label, values]) => ({ label: pinned ? `B ${label}` : label, values }));
    // A's chart of the same title, if A has one (A may have no queues),
    // dashed, each line in the colour of B's line of the same label.
    for (const [label, values] of pinned?.charts.find(([t]) => t === title)?.[1] ?? []) {
      const same = lines.findIndex(([l]) => l === label);
      all.push({ label: `A ${label}`, values, dashed: true, colour: same >= 0 ? same : all.length });
    }
    const end = state.run.summary.sim_time_s;
    drawChart(box.children[i].querySelector("canvas"), all, cur.windows, cur.faults, until, end);
  });
}

/** Appends a row of `cells` (text) to `table`; `warn` marks it. */
function addRow(table, cells, tag = "td", warn = false) {
  const tr = document.createElement("tr");
  if (warn) tr.className = "warn";
  for (const c of cells) {
    const td = document.createElement(tag);
    td.textContent = c;
    tr.append(td);
  }
  table.append(tr);
}

const pct = (x) => `${(x * 100).toFixed(2)}%`;

/** Above this share of unfinished requests the rates describe an unfinished
 * run, as the CLI's table warns. */
const UNFINISHED_WARNING = 0.01;

/** The busiest and the quietest instance of service `s` (of several, with
 * arrivals), by arrivals, ties to the lowest index as the CLI's table. */
function spread(s) {
  const per = s.per_instance;
  if (per.length < 2 || s.arrivals === 0) return null;
  let [busiest, quietest] = [0, 0];
  per.forEach((x, i) => {
    if (x.arrivals > per[busiest].arrivals) busiest = i;
    if (x.arrivals < per[quietest].arrivals) quietest = i;
  });
  const show = (i) => `#${i}: ${pct(per[i].arrivals / s.arrivals)} of arrivals, util ${pct(per[i].utilization)}, max queue ${per[i].max_queue}`;
  return { busiest: show(busiest), quietest: show(quietest), share: pct(per[busiest].arrivals / s.arrivals) };
}

/** What each client's requests did: successes, degraded and failed
 * answers, and those unfinished when the run ended — none of the last three
 * is a success. Then how evenly each service of several instances spread
 * its load, what each queue's messages did (a queue that lost messages is
 * marked), what each cache's lookups did and what each saga's runs did. */
function totals() {
  const table = $("totals");
  table.replaceChildren();
  addRow(table, ["client", "requests", "success", "degraded", "failed", "unfinished"], "th");
  for (const [name, c] of Object.entries(state.run.summary.clients)) {
    const warn = c.in_flight_rate > UNFINISHED_WARNING;
    addRow(table, [name, c.requests, pct(c.success_rate), pct(c.degraded_rate), pct(c.failure_rate), `${c.in_flight} (${pct(c.in_flight_rate)})`], "td", warn);
  }
  const spreads = Object.entries(state.run.summary.services).map(([name, s]) => [name, spread(s)]).filter(([, x]) => x);
  if (spreads.length > 0) addRow(table, ["service", "busiest instance", "quietest instance"], "th");
  for (const [name, x] of spreads) addRow(table, [name, x.busiest, x.quietest], "td");
  const queues = Object.entries(state.run.summary.queues ?? {});
  if (queues.length) {
    addRow(table, ["queue", "published", "acked", "dead letters", "lost", "remaining", "max depth", "max age s"], "th");
    for (const [name, q] of queues) {
      addRow(table, [name, q.published, q.acked, q.dead_lettered, q.lost, q.remaining, q.max_depth, q.max_age_s], "td", q.lost > 0);
    }
  }
  const caches = Object.entries(state.run.summary.caches ?? {});
  if (caches.length > 0) {
    addRow(table, ["cache", "hits", "misses", "hit ratio", "expired", "evicted", "fills", "max concurrent misses"], "th");
    for (const [name, c] of caches) {
      addRow(table, [name, c.hits, c.misses, pct(c.hit_ratio), c.expired, c.evicted, c.fills, c.max_concurrent_misses]);
    }
  }
  const sagas = Object.entries(state.run.summary.sagas ?? {});
  if (sagas.length) {
    addRow(table, ["saga", "started", "completed", "compensated", "in flight", "inconsistent", "no-op undos"], "th");
    for (const [name, g] of sagas) {
      addRow(table, [name, g.started, g.completed, g.compensated, g.in_flight, g.inconsistent, g.compensations_without_effect], "td", g.inconsistent > 0);
    }
  }
}

// ---- a saga run's timeline ----------------------------------------------

/** Fills `select` with `[value, label]` options, keeping `value` chosen. */
function options(select, entries, value) {
  select.replaceChildren();
  for (const [v, label] of entries) {
    const option = document.createElement("option");
    option.value = v;
    option.textContent = label;
    select.append(option);
  }
  select.value = value;
}

/** Runs a timeline offers at most: the last ones to end by the frame shown. */
const RUNS_LISTED = 20;

/** The saga panel at time `t`: the chosen saga's runs that ended by then,
 * the last first, and the chosen run's timeline — by default the last to
 * end, which follows the playback. Hidden when the scenario has no saga. */
function sagaPanel(t = state.run.frames[state.frame].t) {
  const timelines = state.run.timelines ?? {};
  const names = Object.keys(timelines);
  $("saga-panel").hidden = names.length === 0;
  if (names.length === 0) return;
  if (!names.includes(state.saga)) state.saga = names[0];
  options($("saga-pick"), names.map((n) => [n, n]), state.saga);
  const ended = timelines[state.saga].filter((r) => r.ended_s <= t + 1e-9);
  const listed = ended.slice(-RUNS_LISTED).reverse();
  const chosen = listed.find((r) => String(r.run) === state.sagaRun);
  const entries = [["", "the last to end"], ...listed.map((r) => [String(r.run), runLabel(r)])];
  options($("saga-run"), entries, chosen ? state.sagaRun : "");
  drawTimeline($("saga-timeline"), chosen ?? listed[0]);
}

function compare() {
  const table = $("compare");
  table.replaceChildren();
  if (!state.pinned) return;
  const row = (cells, tag = "td") => addRow(table, cells, tag);
  row(["", `A: ${state.pinned.label}`, `B: ${(state.lastSets ?? []).join(" ") || "as written"}`], "th");
  for (const name of Object.keys(state.run.summary.clients)) {
    const a = state.pinned.summary.clients[name];
    const b = state.run.summary.clients[name];
    if (!a || !b) continue;
    row([`${name} success`, pct(a.success_rate), pct(b.success_rate)]);
    row([`${name} degraded`, pct(a.degraded_rate), pct(b.degraded_rate)]);
    row([`${name} failed`, pct(a.failure_rate), pct(b.failure_rate)]);
    row([`${name} attempts`, a.attempts, b.attempts]);
    row([`${name} p99 ms`, a.latency_ms.p99, b.latency_ms.p99]);
  }
  for (const name of Object.keys(state.run.summary.sagas ?? {})) {
    const a = state.pinned.summary.sagas?.[name];
    const b = state.run.summary.sagas[name];
    if (!a) continue;
    row([`${name} completed`, a.completed, b.completed]);
    row([`${name} compensated`, a.compensated, b.compensated]);
    row([`${name} inconsistent`, a.inconsistent, b.inconsistent]);
    row([`${name} in flight`, a.in_flight, b.in_flight]);
  }
  for (const [name, b] of Object.entries(state.run.summary.services)) {
    const a = state.pinned.summary.services[name];
    const [sa, sb] = [a && spread(a), spread(b)];
    if (sa && sb) row([`${name} busiest instance`, sa.share, sb.share]);
  }
  for (const name of Object.keys(state.run.summary.queues ?? {})) {
    const a = state.pinned.summary.queues?.[name];
    const b = state.run.summary.queues[name];
    if (!a) continue;
    row([`${name} lost`, a.lost, b.lost]);
    row([`${name} dead letters`, a.dead_lettered, b.dead_lettered]);
    row([`${name} redelivered`, a.redelivered, b.redelivered]);
    row([`${name} max depth`, a.max_depth, b.max_depth]);
  }
  for (const name of Object.keys(state.run.summary.caches ?? {})) {
    const a = state.pinned.summary.caches?.[name];
    const b = state.run.summary.caches[name];
    if (!a) continue;
    row([`${name} hit ratio`, pct(a.hit_ratio), pct(b.hit_ratio)]);
    row([`${name} calls behind it`, a.fills, b.fills]);
    row([`${name} max concurrent misses`, a.max_concurrent_misses, b.max_concurrent_misses]);
  }
}

// ---- wiring -------------------------------------------------------------

function pick(name) {
  const b = state.builtins.find((x) => x.name === name);
  if (!b) return;
  $("editor").value = b.text;
  state.sets = [];
  state.pinned = null;
  // The last scenario's knobs name its nodes, and a picked scenario starts
  // from its own values: the knobs are built again after the run.
  $("knobs").replaceChildren();
  state.knobsFor = null;
  history.replaceState(null, "", location.pathname);
  start();
}

async function main() {
  const wasm = init();
  window.dsim = {
    ready: null,
    lastSummary: null,
    /** The summary JSON of `text` run with `seed`: what `dsim run --format json` prints. */
    run: (text, seed) => run(text, seed),
    /** Whether every run asked for is over (the last one is shown). */
    idle: () => state.started === state.finished,
  };
  window.dsim.ready = (async () => {
    await wasm;
    state.builtins = await call("list");
    for (const b of state.builtins) {
      const option = document.createElement("option");
      option.value = option.textContent = b.name;
      $("picker").append(option);
    }
    const blank = document.createElement("option");
    blank.value = "";
    blank.textContent = "(edited)";
    $("picker").prepend(blank);
    if (await fromLink()) {
      await start();
    } else {
      $("picker").value = state.builtins.some((b) => b.name === "retry-storm") ? "retry-storm" : state.builtins[0].name;
      pick($("picker").value);
    }
  })();
  $("picker").addEventListener("change", () => pick($("picker").value));
  $("run").addEventListener("click", () => start());
  $("seed").addEventListener("change", () => start());
  let typing;
  $("editor").addEventListener("input", () => {
    $("picker").value = "";
    clearTimeout(typing);
    typing = setTimeout(showErrors, 300);
  });
  $("play").addEventListener("click", () => {
    if (!state.run) return;
    state.playing = !state.playing;
    $("play").textContent = state.playing ? "Pause" : "Play";
    if (state.playing) {
      if (state.frame >= state.run.frames.length - 1) show(0);
      status("playing…");
      tick();
    }
  });
  $("saga-pick").addEventListener("change", () => {
    state.saga = $("saga-pick").value;
    state.sagaRun = "";
    sagaPanel();
  });
  $("saga-run").addEventListener("change", () => {
    state.sagaRun = $("saga-run").value;
    sagaPanel();
  });
  $("step").addEventListener("click", () => state.run && show(state.frame + 1));
  $("restart").addEventListener("click", () => state.run && show(0));
  $("scrubber").addEventListener("input", () => state.run && show(Number($("scrubber").value)));
  $("pin").addEventListener("click", () => {
    if (!state.run) return;
    state.pinned = { summary: state.run.summary, label: (state.lastSets ?? []).join(" ") || "as written" };
    compare();
    charts(state.run.frames[state.frame].t);
  });
  $("share").addEventListener("click", async () => {
    const link = await shareLink();
    history.replaceState(null, "", link);
    await navigator.clipboard?.writeText(link).catch(() => {});
    status("link copied to the address bar");
  });
}

main();
