// One saga run as a timeline: a row per call of a step or of a
// compensation, in the order the orchestrator made them, each a bar on a
// time axis from the run's start to its end, coloured by how the call
// ended; compensations are drawn hatched. The runs come from the engine
// (`Sim.saga_timelines()`), the page only lays them out.

const NS = "http://www.w3.org/2000/svg";

/** Bar colours by a call's outcome; any other failure is `error`'s. */
const OUTCOME = { ok: "#2e9d4f", error: "#d23c3c", timeout: "#e09b1a", lost: "#99a" };

const WIDTH = 800;
const LABELS = 230;
const ROW = 20;
const TOP = 22;

function el(name, attrs, parent) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  parent.append(node);
  return node;
}

function text(x, y, content, parent, anchor = "start") {
  const t = el("text", { x, y, "text-anchor": anchor }, parent);
  t.textContent = content;
  return t;
}

/** Milliseconds, short. */
function ms(seconds) {
  const v = seconds * 1000;
  return v >= 100 ? `${v.toFixed(0)} ms` : `${Number(v.toFixed(3))} ms`;
}

/** Draws `run` (`{run, started_s, ended_s, outcome, calls}`) into `svg`;
 * with no run, says so. */
export function drawTimeline(svg, run) {
  svg.replaceChildren();
  if (!run) {
    svg.setAttribute("viewBox", `0 0 ${WIDTH} ${TOP + ROW}`);
    text(8, TOP, "no run of this saga ended yet", svg).setAttribute("class", "label");
    return;
  }
  const height = TOP + ROW * run.calls.length + 22;
  svg.setAttribute("viewBox", `0 0 ${WIDTH} ${height}`);
  const defs = el("defs", {}, svg);
  const hatch = el("pattern", { id: "hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" }, defs);
  el("rect", { width: 3, height: 6, fill: "rgba(255,255,255,0.55)" }, hatch);
  const span = Math.max(run.ended_s - run.started_s, 1e-9);
  const x = (t) => LABELS + ((WIDTH - LABELS - 10) * (t - run.started_s)) / span;
  const title = `run ${run.run} · ${run.outcome} · ${run.started_s.toFixed(3)} s → ${run.ended_s.toFixed(3)} s (${ms(span)})`;
  text(8, 14, title, svg).setAttribute("class", "title");
  run.calls.forEach((c, i) => {
    const y = TOP + i * ROW;
    const g = el("g", { class: "call", "data-outcome": c.outcome, "data-compensation": String(c.compensation) }, svg);
    const verb = c.compensation ? "undo" : "step";
    const again = c.call > 1 ? ` (call ${c.call})` : "";
    text(8, y + 13, `${verb} ${c.step} ${c.endpoint}${again}`, g);
    const a = x(c.start_s);
    const w = Math.max(2, x(c.end_s) - a);
    const fill = OUTCOME[c.outcome] ?? OUTCOME.error;
    el("rect", { x: a, y: y + 3, width: w, height: ROW - 6, fill, rx: 2 }, g);
    if (c.compensation) el("rect", { x: a, y: y + 3, width: w, height: ROW - 6, fill: "url(#hatch)", rx: 2 }, g);
    const tip = el("title", {}, g);
    tip.textContent = `${c.outcome}: ${c.start_s.toFixed(3)} s → ${c.end_s.toFixed(3)} s (${ms(c.end_s - c.start_s)})`;
  });
  const axis = TOP + ROW * run.calls.length + 4;
  el("line", { x1: LABELS, y1: axis, x2: WIDTH - 10, y2: axis, class: "axis" }, svg);
  for (const f of [0, 0.5, 1]) {
    const t = run.started_s + f * span;
    text(x(t), axis + 14, ms(t - run.started_s), svg, f === 0 ? "start" : f === 1 ? "end" : "middle").setAttribute("class", "label");
  }
}

/** A run's name in a list: when it ended and how. */
export function runLabel(run) {
  return `${run.outcome} at ${run.ended_s.toFixed(3)} s (run ${run.run})`;
}
