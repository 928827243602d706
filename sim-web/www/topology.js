// The topology as SVG: clients on the left, services, queues and sagas in
// columns by depth (a queue between its publishers and its consumers, a
// saga's orchestrator between its clients and its steps' services), edges
// labelled with their policies, message edges (publish, consume, dead
// letters) dashed, lookup edges to caches, a saga's step edges solid teal
// and its compensation edges dashed orange beside them. Each frame recolours
// the instances (queue, busy workers, health), the breakers, the queues
// (depth, deliveries out, dead letters, lost, health), the caches (hit ratio,
// keys, health) and the sagas (runs started, in flight, completed,
// compensated, inconsistent, health), and sends dots along the edges for that
// frame's attempts, messages, lookups and saga starts, red for failures,
// losses and compensated sagas, orange for redeliveries and cache misses.

const NS = "http://www.w3.org/2000/svg";

/** Half the width of every node: edges start and end this far from a centre. */
const HALF = 50;

/** Dots sent along one edge per frame at most. */
const MAX_DOTS = 12;

const COLOR = { ok: "#2e9d4f", bad: "#d23c3c", warn: "#e09b1a", paused: "#2f6fd6", muted: "#99a", queue: "#8a4fd6", cache: "#1a8c8c", saga: "#1f8a8a" };

/** How far a compensation edge runs beside its step's edge. */
const BESIDE = 9;

/** The outline of a node or an instance in each health state. */
const HEALTH = {
  up: COLOR.muted, down: COLOR.bad, paused: COLOR.paused, ejected: COLOR.warn,
  unready: COLOR.warn, starting: COLOR.muted, draining: COLOR.muted, stopped: COLOR.muted,
};

/** The empty part of an instance's square: the old version, or a deployment's new one. */
const VERSION = { old: "#eee", new: "#dbe6fb" };

function el(name, attrs, parent) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  parent?.append(node);
  return node;
}

/** A centred text at (x, y); `content` is set as text, never parsed. */
function text(x, y, content, parent, cls) {
  const t = el("text", { x, y, "text-anchor": "middle", ...(cls ? { class: cls } : {}) }, parent);
  t.textContent = content;
  return t;
}

/** Columns by depth: clients 0, any other node one more than its deepest
 * predecessor along the edges (a cycle of messages stops deepening after as
 * many passes as there are nodes). */
function layout(topology, width, height) {
  const others = [...topology.services, ...topology.queues, ...(topology.caches ?? []), ...(topology.sagas ?? [])];
  const depth = new Map(topology.clients.map((c) => [c.name, 0]));
  for (let pass = 0; pass < others.length + 1; pass++) {
    for (const e of topology.edges) {
      const d = (depth.get(e.from) ?? 0) + 1;
      if ((depth.get(e.to) ?? 0) < d) depth.set(e.to, d);
    }
  }
  for (const n of others) if (!depth.has(n.name)) depth.set(n.name, 1);
  const columns = [];
  for (const [name, d] of depth) (columns[d] ??= []).push(name);
  const pos = new Map();
  const colWidth = width / Math.max(columns.length, 1);
  columns.forEach((names, d) => {
    (names ?? []).forEach((name, i) => {
      pos.set(name, {
        x: colWidth * d + colWidth / 2,
        y: (height * (i + 1)) / (names.length + 1),
      });
    });
  });
  return pos;
}

/** The edge's counts in frame `now`: `[sent, marked]`, where the marked
 * ones are drawn in the colour `flowColor` gives. A queue's or a cache's
 * counts are its own, not per publisher, consumer or caller, so they are
 * shared among its edges of the same kind: the dots show the flow, the
 * tables the numbers. */
function counts(edge, i, now) {
  if (isCall(edge)) return [now.edges[i].sent, now.edges[i].failed];
  if (edge.kind === "lookup") {
    const c = now.caches[edge.to];
    return [(c.hits + c.misses) / edge.siblings, c.misses / edge.siblings];
  }
  const share = (n) => n / edge.siblings;
  if (edge.kind === "start") {
    const g = now.sagas[edge.to];
    return [share(g.started), share(g.compensated)];
  }
  const q = now.queues[queueOf(edge)];
  if (edge.kind === "publish") return [share(q.published), share(q.lost)];
  if (edge.kind === "consume") return [share(q.delivered), share(q.redelivered)];
  return [q.dead_lettered, q.dead_lettered];
}

/** Whether an edge carries attempts of a policy site, counted per edge in
 * a snapshot's `edges`: a call, a saga's step or compensation. */
function isCall(edge) {
  return edge.kind === "call" || edge.kind === "step" || edge.kind === "compensate";
}

/** The node whose counts a shared edge shows: the queue of a message edge
 * (the one a publish edge goes to, the one the others come from), the cache
 * of a lookup edge, the saga a client starts. */
function queueOf(edge) {
  return ["publish", "lookup", "start"].includes(edge.kind) ? edge.to : edge.from;
}

/** Whether edges `a` and `b` share the counts of one queue, cache or saga. */
function sameQueue(a, b) {
  return a.kind === b.kind && !isCall(a) && queueOf(a) === queueOf(b);
}

/** The classes of an edge's line by its kind. */
function edgeClass(edge) {
  if (edge.kind === "call") return "edge";
  if (isCall(edge) || edge.kind === "start") return `edge saga ${edge.kind}`;
  return `edge message ${edge.kind}`;
}

/** The colour of an edge's marked dots: failed calls, lost or dead
 * messages and compensated sagas red, redeliveries and cache misses orange. */
function flowColor(edge) {
  return edge.kind === "consume" || edge.kind === "lookup" ? COLOR.warn : COLOR.bad;
}

export class TopologyView {
  /** `onSaga(name)` is called when a saga's node is clicked. */
  constructor(svg, onSaga = () => {}) {
    this.svg = svg;
    this.onSaga = onSaga;
  }

  /** Draws the static part of `topology`; `frames` scale the queues' fill
   * (full at a queue's deepest frame). */
  draw(topology, frames) {
    this.topology = topology;
    this.svg.replaceChildren();
    const width = 800;
    const height = 420;
    this.pos = layout(topology, width, height);
    const edgeLayer = el("g", {}, this.svg);
    this.dots = el("g", {}, this.svg);
    const nodeLayer = el("g", {}, this.svg);
    this.edges = topology.edges.map((e) => {
      // A compensation runs beside its step's edge.
      const off = e.kind === "compensate" ? BESIDE : 0;
      const a = { ...this.pos.get(e.from) };
      const b = { ...this.pos.get(e.to) };
      a.y += off;
      b.y += off;
      const line = el("line", { x1: a.x + HALF, y1: a.y, x2: b.x - HALF, y2: b.y, class: edgeClass(e) }, edgeLayer);
      // A compensation's label sits further along, clear of its step's.
      const at = off ? 0.7 : 0.5;
      text(a.x + (b.x - a.x) * at, a.y + (b.y - a.y) * at + (off ? 12 : -6), e.label, edgeLayer, "label");
      const breaker = el("circle", { cx: (a.x + b.x) / 2, cy: (a.y + b.y) / 2 + 6, r: 0 }, edgeLayer);
      return { ...e, a, b, line, breaker, siblings: topology.edges.filter((o) => sameQueue(o, e)).length };
    });
    for (const c of topology.clients) {
      const p = this.pos.get(c.name);
      el("rect", { x: p.x - HALF, y: p.y - 16, width: 2 * HALF, height: 32, rx: 16, fill: "#eef3fb", stroke: "#2f6fd6" }, nodeLayer);
      text(p.x, p.y + 4, c.name, nodeLayer);
    }
    this.nodes = new Map();
    for (const s of topology.services) this.nodes.set(s.name, this.service(s, nodeLayer));
    this.queues = new Map();
    for (const q of topology.queues) {
      const deepest = Math.max(1, ...frames.map((f) => f.queues[q.name]?.depth ?? 0));
      this.queues.set(q.name, { ...this.queue(q, nodeLayer), deepest });
    }
    this.caches = new Map();
    for (const c of topology.caches ?? []) this.caches.set(c.name, this.cache(c, nodeLayer));
    this.sagas = new Map();
    for (const g of topology.sagas ?? []) this.sagas.set(g.name, this.saga(g, nodeLayer));
  }

  /** A cache as a box with its hit ratio, the keys it holds and its ttl. */
  cache(c, layer) {
    const p = this.pos.get(c.name);
    const g = el("g", { class: "cache", "data-cache": c.name }, layer);
    const box = el("rect", { x: p.x - HALF, y: p.y - 32, width: 2 * HALF, height: 64, rx: 10, fill: "#f1fafa", stroke: COLOR.cache, "stroke-width": 1.5 }, g);
    text(p.x, p.y - 17, c.name, g);
    const ratio = text(p.x, p.y - 3, "", g, "label");
    const keys = text(p.x, p.y + 10, "", g, "label");
    const stampede = text(p.x, p.y + 23, "", g, "label");
    const kind = [`ttl ${c.ttl}`, c.single_flight ? "single flight" : null].filter(Boolean).join(" · ");
    const info = text(p.x, p.y + 32 + 12, kind, g, "label");
    return { box, ratio, keys, stampede, info, kind };
  }

  /** A saga's orchestrator as a hexagon with its runs' counts below it;
   * clicking it selects the saga. */
  saga(g, layer) {
    const p = this.pos.get(g.name);
    const group = el("g", { class: "saga", "data-saga": g.name }, layer);
    const w = HALF;
    const h = 22;
    const corners = [[-w, 0], [-w + 12, -h], [w - 12, -h], [w, 0], [w - 12, h], [-w + 12, h]];
    const outline = el("polygon", { points: corners.map(([x, y]) => `${p.x + x},${p.y + y}`).join(" "), class: "hexagon" }, group);
    text(p.x, p.y - 4, g.name, group);
    const flight = text(p.x, p.y + 10, "", group, "label");
    const ended = text(p.x, p.y + h + 12, "", group, "label counter");
    const bad = text(p.x, p.y + h + 24, "", group, "label counter");
    group.addEventListener("click", () => this.onSaga(g.name));
    return { outline, flight, ended, bad, steps: g.steps.length };
  }

  /** A saga's state: its counters, its outline by health. */
  showSaga(node, g) {
    node.outline.setAttribute("stroke", g.health === "up" ? COLOR.saga : HEALTH[g.health]);
    node.outline.setAttribute("stroke-width", g.health === "up" ? 1.5 : 3);
    node.flight.textContent = g.health === "up" ? `in flight ${g.in_flight}` : g.health;
    node.flight.classList.toggle("bad", g.health !== "up");
    node.ended.textContent = `started ${g.started} · completed ${g.completed}`;
    node.bad.textContent = `compensated ${g.compensated} · inconsistent ${g.inconsistent}`;
    node.bad.classList.toggle("bad", g.inconsistent > 0);
  }

  /** A service's box with one square per instance slot (autoscaling and
   * deployments add instances up to `slots`; a stopped slot is hidden). */
  service(s, layer) {
    const p = this.pos.get(s.name);
    const slots = s.slots ?? s.instances;
    const h = 34 + 14 * Math.ceil(slots / 6);
    el("rect", { x: p.x - HALF, y: p.y - h / 2, width: 2 * HALF, height: h, rx: 6, fill: "#fff", stroke: "#1d2430" }, layer);
    text(p.x, p.y - h / 2 + 14, s.instances > 1 ? `${s.name} ×${s.instances}` : s.name, layer);
    const queue = text(p.x, p.y + h / 2 + 12, "", layer, "label");
    const boxes = [];
    for (let i = 0; i < slots; i++) {
      const bx = p.x - 45 + (i % 6) * 15;
      const by = p.y - h / 2 + 20 + Math.floor(i / 6) * 14;
      const g = el("g", { class: "instance", "data-instance": i }, layer);
      const back = el("rect", { x: bx, y: by, width: 12, height: 12, fill: VERSION.old, stroke: COLOR.muted }, g);
      const fill = el("rect", { x: bx, y: by + 12, width: 12, height: 0, fill: COLOR.ok }, g);
      const frame = el("rect", { x: bx, y: by, width: 12, height: 12, fill: "none", stroke: COLOR.muted, "stroke-width": 1 }, g);
      boxes.push({ g, back, fill, frame, by });
    }
    return { queue, boxes };
  }

  /** A queue as a cylinder that fills with its depth, its counts inside and
   * its dead letters and losses below. */
  queue(q, layer) {
    const p = this.pos.get(q.name);
    const g = el("g", { class: "queue", "data-queue": q.name }, layer);
    const rx = HALF;
    const ry = 7;
    const top = p.y - 24;
    const bottom = p.y + 24;
    const outline = el("path", {
      d: `M ${p.x - rx} ${top} V ${bottom} A ${rx} ${ry} 0 0 0 ${p.x + rx} ${bottom} V ${top}`,
      class: "cylinder",
    }, g);
    const level = el("rect", { x: p.x - rx + 3, y: bottom, width: 2 * rx - 6, height: 0, class: "level" }, g);
    const lid = el("ellipse", { cx: p.x, cy: top, rx, ry, class: "cylinder" }, g);
    const kind = [q.partitions ? `${q.partitions} partitions` : null, q.delivery === "at_most_once" ? "at most once" : null];
    text(p.x, top + 20, q.name, g);
    const held = text(p.x, top + 34, "", g, "label");
    const info = text(p.x, top + 46, "", g, "label");
    const losses = text(p.x, bottom + ry + 12, "", g, "label");
    return { outline, lid, level, held, info, kind: kind.filter(Boolean).join(" · "), losses, top, bottom };
  }

  /** Shows frame `now` (after `prev`) and animates its attempts and messages over `ms`. */
  update(now, prev, ms) {
    for (const [name, node] of this.nodes) {
      const state = now.services[name];
      let queued = 0;
      node.boxes.forEach((box, i) => {
        const inst = state.instances[i];
        // Instances come and go: a stopped slot is hidden, a starting
        // one drawn apart (faded, dashed), a new version's tinted.
        const gone = !inst || inst.health === "stopped";
        box.g.setAttribute("visibility", gone ? "hidden" : "visible");
        if (gone) return;
        box.g.setAttribute("opacity", inst.health === "starting" ? 0.45 : 1);
        box.frame.setAttribute("stroke-dasharray", ["starting", "draining"].includes(inst.health) ? "2 2" : "none");
        box.back.setAttribute("fill", inst.new_version ? VERSION.new : VERSION.old);
        const util = inst.workers > 0 ? Math.min(1, inst.busy / inst.workers) : 1;
        box.fill.setAttribute("height", 12 * util);
        box.fill.setAttribute("y", box.by + 12 - 12 * util);
        box.fill.setAttribute("fill", util > 0.9 ? COLOR.bad : util > 0.6 ? COLOR.warn : COLOR.ok);
        box.frame.setAttribute("stroke", HEALTH[inst.health]);
        box.frame.setAttribute("stroke-width", inst.health === "up" ? 1 : 3);
        queued += inst.queue;
      });
      const down = state.instances.filter((i) => !["up", "stopped"].includes(i.health)).map((i) => i.health);
      node.queue.textContent = `queue ${queued}` + (down.length ? ` · ${down.join(", ")}` : "");
    }
    for (const [name, node] of this.queues) this.showQueue(node, now.queues[name]);
    for (const [name, node] of this.caches) this.showCache(node, now.caches[name]);
    for (const [name, node] of this.sagas) this.showSaga(node, now.sagas[name]);
    this.edges.forEach((edge, i) => {
      const state = isCall(edge) ? now.breakers[`${edge.from}->${edge.to}`] : null;
      if (state) {
        edge.breaker.setAttribute("r", 6);
        edge.breaker.setAttribute("fill", { closed: COLOR.ok, open: COLOR.bad, half_open: COLOR.warn }[state]);
      }
      if (!prev || ms <= 0) return;
      const [sent, marked] = counts(edge, i, now);
      const [sentBefore, markedBefore] = counts(edge, i, prev);
      this.flow(edge, Math.round(sent - sentBefore), marked - markedBefore, ms);
    });
  }

  /** A queue's state: fill and counts, outline by health. */
  showQueue(node, q) {
    const level = Math.min(1, q.depth / node.deepest) * (node.bottom - node.top - 4);
    node.level.setAttribute("y", node.bottom - level);
    node.level.setAttribute("height", level);
    const stroke = q.health === "up" ? COLOR.queue : HEALTH[q.health];
    for (const part of [node.outline, node.lid]) {
      part.setAttribute("stroke", stroke);
      part.setAttribute("stroke-width", q.health === "up" ? 1.5 : 3);
    }
    node.held.textContent = `depth ${q.depth} · out ${q.out}`;
    node.info.textContent = q.health === "up" ? node.kind : q.health;
    node.info.classList.toggle("bad", q.health !== "up");
    node.losses.textContent = `DLQ ${q.dead_lettered} · lost ${q.lost}`;
    node.losses.classList.toggle("bad", q.dead_lettered + q.lost > 0);
  }

  /** A cache's state: hit ratio, keys and worst stampede (the most fills
   * of one key out at once), outline by health. */
  showCache(node, c) {
    const ratio = c.hit_ratio == null ? "–" : `${(c.hit_ratio * 100).toFixed(1)}%`;
    node.ratio.textContent = `hit ratio ${ratio}`;
    node.keys.textContent = `keys ${c.keys}`;
    node.stampede.textContent = `stampede ${c.max_concurrent_misses}`;
    node.box.setAttribute("stroke", c.health === "up" ? COLOR.cache : HEALTH[c.health]);
    node.box.setAttribute("stroke-width", c.health === "up" ? 1.5 : 3);
    node.info.textContent = c.health === "up" ? node.kind : c.health;
    node.info.classList.toggle("bad", c.health !== "up");
  }

  /** Up to MAX_DOTS dots along `edge` for `sent` attempts or messages over
   * `ms`, the share of them that is `marked` in the edge's marked colour. */
  flow(edge, sent, marked, ms) {
    const dots = Math.min(sent, MAX_DOTS);
    for (let k = 0; k < dots; k++) {
      const colour = k < Math.round((dots * marked) / Math.max(sent, 1)) ? flowColor(edge) : COLOR.ok;
      this.dot(edge, colour, (ms * k) / Math.max(dots, 1), ms);
    }
  }

  dot(edge, colour, delay, ms) {
    const c = el("circle", { r: 3, fill: colour, cx: edge.a.x + HALF, cy: edge.a.y }, this.dots);
    const anim = c.animate(
      [
        { transform: "translate(0, 0)" },
        { transform: `translate(${edge.b.x - 2 * HALF - edge.a.x}px, ${edge.b.y - edge.a.y}px)` },
      ],
      { duration: Math.max(ms, 60), delay, fill: "forwards" },
    );
    anim.onfinish = () => c.remove();
  }
}
