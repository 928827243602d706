// The topology as SVG: clients on the left, services in columns by call
// depth, edges labelled with their policies. Each frame recolours the
// instances (queue, busy workers, health), the breakers, and sends dots
// along the edges for the attempts of that frame, red for failures.

const NS = "http://www.w3.org/2000/svg";

function el(name, attrs, parent) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  parent?.append(node);
  return node;
}

/** Columns by call depth: clients 0, a service one more than its deepest caller. */
function layout(topology, width, height) {
  const depth = new Map(topology.clients.map((c) => [c.name, 0]));
  for (let pass = 0; pass < topology.services.length + 1; pass++) {
    for (const e of topology.edges) {
      const d = (depth.get(e.from) ?? 0) + 1;
      if ((depth.get(e.to) ?? 0) < d) depth.set(e.to, d);
    }
  }
  for (const s of topology.services) if (!depth.has(s.name)) depth.set(s.name, 1);
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

export class TopologyView {
  constructor(svg) {
    this.svg = svg;
  }

  /** Draws the static part of `topology`. */
  draw(topology) {
    this.topology = topology;
    this.svg.replaceChildren();
    const width = 800;
    const height = 420;
    this.pos = layout(topology, width, height);
    const edgeLayer = el("g", {}, this.svg);
    this.dots = el("g", {}, this.svg);
    const nodeLayer = el("g", {}, this.svg);
    this.edges = topology.edges.map((e) => {
      const a = this.pos.get(e.from);
      const b = this.pos.get(e.to);
      const line = el("line", { x1: a.x + 50, y1: a.y, x2: b.x - 50, y2: b.y, stroke: "#b8bfcc", "stroke-width": 1.5 }, edgeLayer);
      const label = el("text", { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 - 6, "text-anchor": "middle", class: "label" }, edgeLayer);
      label.textContent = e.label;
      const breaker = el("circle", { cx: (a.x + b.x) / 2, cy: (a.y + b.y) / 2 + 6, r: 0 }, edgeLayer);
      return { ...e, a, b, line, breaker };
    });
    this.nodes = new Map();
    for (const c of topology.clients) {
      const p = this.pos.get(c.name);
      el("rect", { x: p.x - 50, y: p.y - 16, width: 100, height: 32, rx: 16, fill: "#eef3fb", stroke: "#2f6fd6" }, nodeLayer);
      const t = el("text", { x: p.x, y: p.y + 4, "text-anchor": "middle" }, nodeLayer);
      t.textContent = c.name;
    }
    for (const s of topology.services) {
      const p = this.pos.get(s.name);
      const h = 34 + 14 * Math.ceil(s.instances / 6);
      el("rect", { x: p.x - 50, y: p.y - h / 2, width: 100, height: h, rx: 6, fill: "#fff", stroke: "#1d2430" }, nodeLayer);
      const t = el("text", { x: p.x, y: p.y - h / 2 + 14, "text-anchor": "middle" }, nodeLayer);
      t.textContent = s.instances > 1 ? `${s.name} ×${s.instances}` : s.name;
      const queue = el("text", { x: p.x, y: p.y + h / 2 + 12, "text-anchor": "middle", class: "label" }, nodeLayer);
      const boxes = [];
      for (let i = 0; i < s.instances; i++) {
        const bx = p.x - 45 + (i % 6) * 15;
        const by = p.y - h / 2 + 20 + Math.floor(i / 6) * 14;
        el("rect", { x: bx, y: by, width: 12, height: 12, fill: "#eee", stroke: "#99a" }, nodeLayer);
        const fill = el("rect", { x: bx, y: by + 12, width: 12, height: 0, fill: "#2e9d4f" }, nodeLayer);
        const frame = el("rect", { x: bx, y: by, width: 12, height: 12, fill: "none", stroke: "#99a", "stroke-width": 1 }, nodeLayer);
        boxes.push({ fill, frame, by });
      }
      this.nodes.set(s.name, { queue, boxes });
    }
  }

  /** Shows frame `now` (after `prev`) and animates its attempts over `ms`. */
  update(now, prev, ms) {
    for (const [name, node] of this.nodes) {
      const state = now.services[name];
      let queued = 0;
      state.instances.forEach((inst, i) => {
        const box = node.boxes[i];
        const util = inst.workers > 0 ? Math.min(1, inst.busy / inst.workers) : 1;
        box.fill.setAttribute("height", 12 * util);
        box.fill.setAttribute("y", box.by + 12 - 12 * util);
        box.fill.setAttribute("fill", util > 0.9 ? "#d23c3c" : util > 0.6 ? "#e09b1a" : "#2e9d4f");
        const stroke = { up: "#99a", down: "#d23c3c", paused: "#2f6fd6", ejected: "#e09b1a" }[inst.health];
        box.frame.setAttribute("stroke", stroke);
        box.frame.setAttribute("stroke-width", inst.health === "up" ? 1 : 3);
        queued += inst.queue;
      });
      const down = state.instances.filter((i) => i.health !== "up").map((i) => i.health);
      node.queue.textContent = `queue ${queued}` + (down.length ? ` · ${down.join(", ")}` : "");
    }
    this.edges.forEach((edge, i) => {
      const name = `${edge.from}->${edge.to}`;
      const state = now.breakers[name];
      if (state) {
        edge.breaker.setAttribute("r", 6);
        edge.breaker.setAttribute("fill", { closed: "#2e9d4f", open: "#d23c3c", half_open: "#e09b1a" }[state]);
      }
      if (!prev || ms <= 0) return;
      const sent = now.edges[i].sent - prev.edges[i].sent;
      const failed = now.edges[i].failed - prev.edges[i].failed;
      const dots = Math.min(sent, 12);
      for (let k = 0; k < dots; k++) {
        const bad = k < Math.round((dots * failed) / Math.max(sent, 1));
        this.dot(edge, bad, (ms * k) / Math.max(dots, 1), ms);
      }
    });
  }

  dot(edge, bad, delay, ms) {
    const c = el("circle", { r: 3, fill: bad ? "#d23c3c" : "#2e9d4f", cx: edge.a.x + 50, cy: edge.a.y }, this.dots);
    const anim = c.animate(
      [
        { transform: "translate(0, 0)" },
        { transform: `translate(${edge.b.x - 100 - edge.a.x}px, ${edge.b.y - edge.a.y}px)` },
      ],
      { duration: Math.max(ms, 60), delay, fill: "forwards" },
    );
    anim.onfinish = () => c.remove();
  }
}
