// The simulation runs here, off the page's thread, so the page never
// freezes. A run is cut into frames of simulated time; each frame is
// advanced with what is left of an event budget, so a scenario from a shared
// link cannot run forever: past the budget the run stops with an error.

import init, { Sim, describe, list_builtins, validate } from "./pkg/sim_web.js";

const ready = init();

/** Frames per run: the playback's resolution. */
const FRAMES = 240;

/** Events one run may process at most (a 1,000,000-request run needs ~4M). */
const BUDGET = 60_000_000;

/** The saga runs the engine kept at each frame (its last few to end),
 * gathered over the whole run: saga name → runs in the order they ended,
 * so the page can show the last run to end by any frame. */
class Timelines {
  constructor() {
    this.runs = {};
    this.seen = new Set();
  }

  add(kept) {
    for (const [saga, runs] of Object.entries(kept)) {
      const list = (this.runs[saga] ??= []);
      const fresh = runs.filter((r) => !this.seen.has(r.run));
      for (const r of fresh) this.seen.add(r.run);
      list.push(...fresh.sort((a, b) => a.ended_s - b.ended_s));
    }
  }
}

function runScenario({ text, seed, sets }) {
  const topology = JSON.parse(describe(text, sets));
  // About 120 chart points, in whole milliseconds (time has ns resolution).
  const window = Math.max(1, Math.round((topology.duration_s * 1000) / 120));
  const sim = new Sim(text, seed, sets, `${window}ms`);
  const end = sim.end();
  const frames = [JSON.parse(sim.snapshot())];
  const timelines = new Timelines();
  let left = BUDGET;
  for (let f = 1; f <= FRAMES; f++) {
    const t = (end * f) / FRAMES;
    while (sim.now() < t) {
      const used = sim.advance(t, left);
      left -= used;
      if (left <= 0) {
        throw new Error(`stopped after ${BUDGET} events at ${sim.now().toFixed(1)} s: the event budget of the page`);
      }
      if (used === 0) break;
    }
    frames.push(JSON.parse(sim.snapshot()));
    timelines.add(JSON.parse(sim.saga_timelines()));
  }
  return { topology, frames, summary: sim.summary(), timelines: timelines.runs, events: BUDGET - left };
}

self.onmessage = async ({ data }) => {
  await ready;
  try {
    let result;
    switch (data.type) {
      case "list":
        result = JSON.parse(list_builtins());
        break;
      case "validate":
        result = JSON.parse(validate(data.text));
        break;
      case "run":
        result = runScenario(data);
        break;
      default:
        throw new Error(`unknown request ${data.type}`);
    }
    self.postMessage({ id: data.id, ok: true, result });
  } catch (e) {
    self.postMessage({ id: data.id, ok: false, error: String(e.message ?? e) });
  }
};
