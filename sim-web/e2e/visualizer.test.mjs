// The visualizer end to end, in headless Chromium (Debian's, driven by
// playwright-core): load the page from `dsim web`, pick retry-storm, play it
// to the end, see the collapse, turn on the retry budget and see the
// recovery; check that the page's summary is the CLI's byte for byte, that
// a share link reproduces the run in a fresh page, and that a broken
// scenario shows its error at its line, and that a zero-time loop from a
// share link shows why it stopped while the page stays usable; that a broker
// queue is drawn and counted, that its outbox knob stops the losses of a dual
// write, and that a short ack timeout duplicates effects which dedup stops;
// that a cache is drawn with its hit ratio and counted, and that its single
// flight knob ends the stampede; that a saga is drawn as a node with step and
// compensation edges and live counters, charted, and its last run shown as a
// timeline of its calls; that the balancer knob spreads a hot key and the
// limit knob shares a per-key limit; and that autoscaled instances appear
// (starting ones drawn apart) and go.
// Screenshots go to target/e2e-screenshots/.
//
// Needs: target/release/dsim, sim-web/build.sh's output, /usr/bin/chromium.
// Run: (cd sim-web/e2e && npm ci && node --test visualizer.test.mjs)

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const dsim = path.join(root, "target", "release", "dsim");
const shots = path.join(root, "target", "e2e-screenshots");
fs.mkdirSync(shots, { recursive: true });

let server;
let browser;
let url;

before(async () => {
  server = spawn(dsim, ["web", "--port", "0", "--dir", path.join(root, "sim-web", "dist")]);
  url = await new Promise((resolve, reject) => {
    server.stdout.on("data", (d) => {
      const m = String(d).match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (m) resolve(m[0]);
    });
    server.on("exit", (code) => reject(new Error(`dsim web exited with ${code}`)));
  });
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
});

after(async () => {
  await browser?.close();
  server?.kill();
});

/** A fresh page at `address`, failing the test on any page error. */
async function open(address = url) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.errors = errors;
  await page.goto(address);
  await page.waitForFunction(() => window.dsim?.ready);
  await page.evaluate(() => window.dsim.ready);
  return page;
}

/** Waits until every run asked for is over and the last one is shown, and
 * returns its summary. */
async function finished(page) {
  await page.waitForFunction(
    () => window.dsim.idle() && document.getElementById("status").dataset.state?.startsWith("done"),
    null,
    { timeout: 60_000 },
  );
  return page.evaluate(() => window.dsim.lastSummary);
}

/** Opens the Scenario text panel, so the editor can be typed into. */
function showEditor(page) {
  return page.evaluate(() => {
    document.querySelector("#editor").closest("details").open = true;
  });
}

/** The success rate over the windows from `from` seconds on. */
function lateSuccess(summary, from) {
  const ts = JSON.parse(summary).timeseries;
  const users = ts.clients.users;
  let ok = 0;
  let ended = 0;
  users.succeeded.forEach((s, k) => {
    if ((k + 1) * ts.window_s > from) {
      ok += s;
      ended += s + users.failed[k];
    }
  });
  return ok / ended;
}

test("retry-storm collapses, and the retry budget knob heals it", async () => {
  const page = await open();
  await finished(page);
  await page.selectOption("#picker", "retry-storm");
  const storm = await finished(page);
  assert.ok(lateSuccess(storm, 60) < 0.05, "goodput stays near zero after the slowdown");
  await page.click("#play");
  await page.selectOption("#speed", "16");
  await page.waitForFunction(() => document.getElementById("status").dataset.state === "played to the end", null, { timeout: 60_000 });
  assert.equal(await page.textContent("#clock"), "120.0 s");
  await page.screenshot({ path: path.join(shots, "retry-storm.png") });
  await page.click("#pin");
  await page.check("#knobs label:has-text('users: retry budget') input");
  const healed = await finished(page);
  assert.ok(lateSuccess(healed, 60) > 0.99, "the budget lets it recover");
  assert.match(await page.textContent("#compare"), /users success/);
  await page.screenshot({ path: path.join(shots, "retry-storm-budget.png") });
  assert.deepEqual(page.errors, []);
});

test("the page's summary is the native CLI's, byte for byte", async () => {
  const page = await open();
  const text = fs.readFileSync(path.join(root, "scenarios", "circuit-breaker.toml"), "utf8");
  const fromPage = await page.evaluate(([t]) => window.dsim.run(t, 11), [text]);
  const native = spawnSync(dsim, ["run", path.join(root, "scenarios", "circuit-breaker.toml"), "--seed", "11", "--format", "json"]);
  assert.equal(native.status, 0);
  assert.equal(fromPage, String(native.stdout));
});

test("a share link reproduces the same run in a fresh page", async () => {
  const page = await open();
  await finished(page);
  await page.selectOption("#picker", "gray-failure");
  await page.fill("#seed", "9");
  await page.dispatchEvent("#seed", "change");
  const first = await finished(page);
  await page.click("#share");
  await page.waitForFunction(() => location.hash.startsWith("#s="));
  const link = await page.evaluate(() => location.href);
  const fresh = await open(link);
  const again = await finished(fresh);
  assert.equal(again, first);
  assert.equal(await fresh.inputValue("#seed"), "9");
});

test("a broken scenario shows its error at its line", async () => {
  const page = await open();
  await finished(page);
  await showEditor(page);
  await page.fill("#editor", '[scenario]\nname = "broken"\nduration = "10s"\n\n[[client]]\nname = "users"\ntarget = "api"\nrate = 10\nretires = 3\n');
  await page.click("#run");
  await page.waitForFunction(() => document.getElementById("status").dataset.state === "error");
  const item = page.locator("#errors li", { hasText: "retires" });
  assert.equal(await item.getAttribute("data-line"), "9");
  assert.match(await item.textContent(), /line 9, column 1: unknown key `retires`.*did you mean `retry`/);
  await item.click();
  const selected = await page.evaluate(() => {
    const e = document.querySelector("#editor");
    return e.value.slice(e.selectionStart, e.selectionEnd);
  });
  assert.equal(selected, "retires = 3", "clicking the error selects its line");
  await page.screenshot({ path: path.join(shots, "broken-scenario.png") });
});

test("a share link to a zero-time loop says why it stopped, and the page stays usable", async () => {
  const page = await open();
  await finished(page);
  await showEditor(page);
  await page.fill("#editor", '[scenario]\nname = "loop"\nduration = "10s"\n\n[[client]]\nname = "u"\ntarget = "api"\nusers = 1\n\n[[service]]\nname = "api"\nservice_time = "0ns"\n');
  await page.click("#run");
  await page.waitForFunction(() => document.getElementById("status").dataset.state === "error", null, { timeout: 60_000 });
  const why = /stopped: no progress in simulated time: 1000000 events at 0\.000000s[\s\S]*give them `think/;
  assert.match(await page.textContent("#status"), why);
  await page.click("#share");
  await page.waitForFunction(() => location.hash.includes("s="));
  const link = await page.evaluate(() => location.href);

  const fresh = await open(link);
  await fresh.waitForFunction(() => document.getElementById("status").dataset.state === "error", null, { timeout: 60_000 });
  assert.match(await fresh.textContent("#status"), why);
  await fresh.screenshot({ path: path.join(shots, "zero-time-loop.png") });
  // The page still answers: another scenario runs to the end.
  await fresh.selectOption("#picker", "queueing-basics");
  const summary = JSON.parse(await finished(fresh));
  assert.ok(summary.clients.users.requests > 0);
  assert.match(await fresh.textContent("#totals"), /unfinished/);
  assert.deepEqual(fresh.errors, []);
});

/** A dual write: checkout commits, then publishes to `orders`; a pause of
 * the broker loses the events published meanwhile. */
const DUAL_WRITE = `[scenario]
name = "Dual write vs outbox"
description = "checkout commits an order, then publishes it to orders: a pause of the broker loses events."
duration = "60s"
seed = 1

[[client]]
name = "shoppers"
target = "checkout"
rate = 50
timeout = "2s"

[[service]]
name = "checkout"
workers = 16
service_time = "exp(5ms)"
publish = [ { to = "orders" } ]

[[queue]]
name = "orders"
ack_timeout = "5s"
max_receives = 5
dead_letter = "orders-dlq"

[[service]]
name = "inventory"
workers = 8
service_time = "exp(10ms)"
consumes = "orders"
effect = "reserve"

[[fault]]
kind = "pause"
target = "orders"
at = "20s"
for = "5s"
`;

/** The cells of the totals table's row for queue `name`, by column. */
function queueRow(page, name, kind = "queue") {
  return page.evaluate(([queue, kind]) => {
    const rows = [...document.querySelectorAll("#totals tr")].map((tr) => [...tr.children].map((c) => c.textContent));
    const header = rows.find((r) => r[0] === kind);
    const row = rows.find((r) => r[0] === queue);
    return header && row ? Object.fromEntries(header.map((h, i) => [h, row[i]])) : null;
  }, [name, kind]);
}

test("a queue is drawn and counted; its outbox, ack timeout and dedup knobs change what it does", async () => {
  const page = await open();
  await finished(page);
  await showEditor(page);
  await page.fill("#editor", DUAL_WRITE);
  await page.click("#run");
  const dual = JSON.parse(await finished(page));
  assert.ok(dual.queues.orders.lost > 0, "the pause loses dual writes");

  const queue = page.locator("#topology [data-queue='orders']");
  assert.equal(await queue.count(), 1);
  assert.match(await queue.textContent(), /^orders/);
  assert.match(await queue.textContent(), /DLQ 0 · lost \d+/);
  assert.ok(await page.locator("#topology .edge.message.publish").count() > 0, "a dashed publish edge");
  const row = await queueRow(page, "orders");
  assert.ok(Number(row.lost) > 0, `the totals show the losses: ${JSON.stringify(row)}`);
  assert.equal(Number(row.lost), dual.queues.orders.lost);
  assert.equal(await page.locator("#charts [data-title^='Broker queue depth']").count(), 1);

  // Playback sends messages along the publish and consume edges.
  await page.selectOption("#speed", "16");
  await page.click("#play");
  await page.waitForFunction(() => document.getElementById("status").dataset.state === "played to the end", null, { timeout: 60_000 });
  // During the pause the queue says so.
  const paused = await page.evaluate(() => {
    const frame = Math.round((23 / 60) * Number(document.getElementById("scrubber").max));
    const scrubber = document.getElementById("scrubber");
    scrubber.value = frame;
    scrubber.dispatchEvent(new Event("input"));
    return document.querySelector("#topology [data-queue='orders']").textContent;
  });
  assert.match(paused, /paused/);
  await page.screenshot({ path: path.join(shots, "queues.png"), fullPage: true });

  for (const label of ["orders: ack timeout", "inventory: dedup"]) {
    assert.equal(await page.locator(`#knobs label:has-text('${label}')`).count(), 1, label);
  }
  await page.click("#pin");
  await page.check("#knobs label:has-text('checkout → orders: outbox') input");
  const outbox = JSON.parse(await finished(page));
  assert.equal(outbox.queues.orders.lost, 0, "the outbox relay loses nothing");
  assert.equal(outbox.queues.orders.published, dual.queues.orders.published);
  assert.equal((await queueRow(page, "orders")).lost, "0");
  assert.match(await page.textContent("#compare"), /orders lost/);
  assert.match(await page.textContent("#topology"), /publish · outbox/);
  await page.screenshot({ path: path.join(shots, "queues-outbox.png"), fullPage: true });

  // An ack timeout shorter than the work redelivers messages still at work,
  // and each copy applies the effect; dedup on the consumer applies it once.
  await page.evaluate(() => {
    const slider = [...document.querySelectorAll("#knobs label")].find((l) => l.textContent.startsWith("orders: ack timeout")).querySelector("input");
    slider.value = JSON.parse(slider.dataset.choices).indexOf("10ms");
    slider.dispatchEvent(new Event("change"));
  });
  const short = JSON.parse(await finished(page));
  assert.ok(short.queues.orders.redelivered > 0, "redelivered after 10ms");
  assert.ok(short.effects.reserve.duplicates > 0, "the redeliveries apply the effect again");
  await page.check("#knobs label:has-text('inventory: dedup') input");
  const deduped = JSON.parse(await finished(page));
  assert.ok(deduped.queues.orders.redelivered > 0);
  assert.equal(deduped.effects.reserve.duplicates, 0, "dedup applies each message once");
  assert.deepEqual(page.errors, []);
});

/** Scrubs to `t` of a run of `duration` seconds and counts the instance
 * squares shown: all of them, and those drawn as starting. */
async function instancesAt(page, t, duration) {
  return page.evaluate(([t, duration]) => {
    const scrubber = document.getElementById("scrubber");
    scrubber.value = Math.round((t / duration) * Number(scrubber.max));
    scrubber.dispatchEvent(new Event("input"));
    const shown = [...document.querySelectorAll("#topology .instance")].filter((g) => g.getAttribute("visibility") !== "hidden");
    return { shown: shown.length, starting: shown.filter((g) => g.getAttribute("opacity") === "0.45").length };
  }, [t, duration]);
}

test("autoscaled instances appear, starting ones apart, and go again; the startup knob", async () => {
  const page = await open();
  await finished(page);
  await page.selectOption("#picker", "autoscale-lag");
  const summary = JSON.parse(await finished(page));
  assert.equal(summary.services.api.lifecycle.max_instances, 20);
  await page.selectOption("#speed", "16");
  await page.click("#play");
  await page.waitForFunction(() => document.getElementById("status").dataset.state === "played to the end", null, { timeout: 60_000 });
  // Two at first; the first decisions after the spike at 60 s start more,
  // still starting at 80 s (a 30 s startup); twenty at the peak; nine at
  // the end, once the cooldown let the extra ones drain.
  assert.deepEqual(await instancesAt(page, 0, 300), { shown: 2, starting: 0 });
  const early = await instancesAt(page, 80, 300);
  assert.ok(early.shown > 2 && early.starting > 0, JSON.stringify(early));
  await page.screenshot({ path: path.join(shots, "autoscale-starting.png"), fullPage: true });
  assert.equal((await instancesAt(page, 300, 300)).shown, summary.services.api.lifecycle.instances_at_end);
  // A 5 s startup: a short lag, fewer instances at the peak.
  await page.click("#pin");
  await choose(page, "api: startup", "5s");
  const fast = JSON.parse(await finished(page));
  assert.ok(fast.services.api.lifecycle.max_instances < 20, "a fast start overshoots less");
  assert.deepEqual(page.errors, []);
});

test("a cache is drawn with its hit ratio and counted; single flight ends its stampede", async () => {
  const page = await open();
  await finished(page);
  await page.selectOption("#picker", "cache-stampede");
  const plain = JSON.parse(await finished(page));
  assert.ok(plain.caches.pages.max_concurrent_misses > 100, "a stampede at each expiry");
  const cache = page.locator("#topology [data-cache='pages']");
  assert.equal(await cache.count(), 1);
  assert.match(await cache.textContent(), /^pages/);
  assert.ok(await page.locator("#topology .edge.message.lookup").count() > 0, "a lookup edge");
  await page.selectOption("#speed", "16");
  await page.click("#play");
  await page.waitForFunction(() => document.getElementById("status").dataset.state === "played to the end", null, { timeout: 60_000 });
  assert.match(await cache.textContent(), /hit ratio \d+\.\d%/);
  const row = await queueRow(page, "pages", "cache");
  assert.equal(Number(row.hits), plain.caches.pages.hits, `the totals: ${JSON.stringify(row)}`);
  assert.equal(await page.locator("#charts [data-title^='Cache hit ratio']").count(), 1);
  for (const label of ["pages: ttl", "pages: capacity (keys)"]) {
    assert.equal(await page.locator(`#knobs label:has-text('${label}')`).count(), 1, label);
  }
  await page.screenshot({ path: path.join(shots, "cache-stampede.png"), fullPage: true });
  await page.click("#pin");
  await page.check("#knobs label:has-text('pages: single flight') input");
  const single = JSON.parse(await finished(page));
  assert.equal(single.caches.pages.max_concurrent_misses, 1, "one fill of the key at a time");
  assert.equal(single.clients.users.failed, 0);
  assert.match(await page.textContent("#compare"), /pages max concurrent misses/);
  assert.deepEqual(page.errors, []);
});

/** A checkout saga: reserve, then a charge that fails a fifth of the time
 * (compensated by releasing the reserve), then shipping after the pivot. */
const SAGA = `[scenario]
name = "Checkout saga"
description = "reserve, charge, ship: a failed charge releases the reserve."
duration = "30s"
seed = 2

[[client]]
name = "shoppers"
target = "checkout"
rate = 20

[[saga]]
name = "checkout"
steps = [
  { call = "inventory.reserve", compensate = "inventory.release" },
  { call = "payments.charge", compensate = "payments.refund", pivot = true },
  { call = "shipping" },
]

[[service]]
name = "inventory"
service_time = "exp(5ms)"
[[service.endpoint]]
name = "reserve"
[[service.endpoint]]
name = "release"

[[service]]
name = "payments"
service_time = "exp(20ms)"
[[service.endpoint]]
name = "charge"
error_rate = 0.2
[[service.endpoint]]
name = "refund"

[[service]]
name = "shipping"
service_time = "exp(10ms)"
`;

test("a saga is a node with step and compensation edges, counters, a chart and a timeline", async () => {
  const page = await open();
  await finished(page);
  await showEditor(page);
  await page.fill("#editor", SAGA);
  await page.click("#run");
  const summary = JSON.parse(await finished(page));
  const checkout = summary.sagas.checkout;
  assert.ok(checkout.compensated > 0 && checkout.completed > 0, JSON.stringify(checkout));

  // The orchestrator's node shows the summary's counts at the last frame.
  const node = page.locator("#topology [data-saga='checkout']");
  assert.equal(await node.count(), 1);
  const counters = await node.textContent();
  assert.match(counters, /^checkout/);
  assert.match(counters, new RegExp(`started ${checkout.started} · completed ${checkout.completed}`));
  assert.match(counters, new RegExp(`compensated ${checkout.compensated} · inconsistent 0`));
  assert.equal(await page.locator("#topology .edge.saga.step").count(), 3, "an edge per step");
  assert.equal(await page.locator("#topology .edge.saga.compensate").count(), 2, "an edge per compensation");
  assert.equal(await page.locator("#topology .edge.saga.start").count(), 1, "the client starts the saga");
  assert.equal(await page.locator("#charts [data-title^='Sagas']").count(), 1);
  assert.equal(await page.locator("#knobs label:has-text('shoppers: breaker')").count(), 0, "a saga client takes no caller policy");
  const row = await page.evaluate(() => {
    const rows = [...document.querySelectorAll("#totals tr")].map((tr) => [...tr.children].map((c) => c.textContent));
    return rows.find((r) => r[0] === "checkout");
  });
  assert.deepEqual(row.slice(1, 4).map(Number), [checkout.started, checkout.completed, checkout.compensated]);

  // The timeline shows the last run to end, a row per call with its times;
  // the list offers "the last to end" and the last 20 runs.
  assert.equal(await page.isVisible("#saga-panel"), true);
  assert.equal(await page.locator("#saga-run option").count(), 21);
  const bars = page.locator("#saga-timeline g.call");
  const last = await page.locator("#saga-timeline .title").textContent();
  assert.match(last, /^run \d+ · (completed|compensated) · /);
  if (last.includes("completed")) assert.equal(await bars.count(), 3, "one call per step");
  // Scrubbed back, it shows the last run to end by then.
  const earlier = await page.evaluate(() => {
    const scrubber = document.getElementById("scrubber");
    scrubber.value = Math.round(Number(scrubber.max) / 2);
    scrubber.dispatchEvent(new Event("input"));
    const title = document.querySelector("#saga-timeline .title").textContent;
    return [Number(document.getElementById("clock").textContent.split(" ")[0]), Number(title.split("→ ")[1].split(" s")[0])];
  });
  assert.ok(earlier[1] <= earlier[0] + 0.05 && earlier[1] > earlier[0] - 1, `ended by the clock: ${earlier}`);
  // A compensated run: the reserve, the failed charge, the release.
  const compensated = await page.evaluate(() => {
    const select = document.getElementById("saga-run");
    const option = [...select.options].find((o) => o.textContent.startsWith("compensated"));
    select.value = option.value;
    select.dispatchEvent(new Event("change"));
    return [...document.querySelectorAll("#saga-timeline g.call")].map((g) => [g.querySelector("text").textContent, g.dataset.outcome, g.dataset.compensation]);
  });
  assert.deepEqual(compensated.at(0), ["step 0 inventory.reserve", "ok", "false"]);
  assert.deepEqual(compensated.at(1), ["step 1 payments.charge", "error", "false"]);
  assert.deepEqual(compensated.at(-1), ["undo 0 inventory.release", "ok", "true"]);
  await page.screenshot({ path: path.join(shots, "saga.png"), fullPage: true });

  // Clicking the node selects its saga; playing sends dots along the edges.
  await node.click();
  assert.equal(await page.inputValue("#saga-pick"), "checkout");
  await page.selectOption("#speed", "16");
  await page.click("#play");
  await page.waitForFunction(() => document.getElementById("status").dataset.state === "played to the end", null, { timeout: 60_000 });
  assert.deepEqual(page.errors, []);
});

/** Sets the choice knob labelled `label` to `word` and runs again. */
function choose(page, label, word) {
  return page.evaluate(([label, word]) => {
    const slider = [...document.querySelectorAll("#knobs label")].find((l) => l.textContent.startsWith(label)).querySelector("input");
    slider.value = JSON.parse(slider.dataset.choices).indexOf(word);
    slider.dispatchEvent(new Event("input"));
    slider.dispatchEvent(new Event("change"));
  }, [label, word]);
}

test("keys: the balancer knob spreads a hot key, and the limit knob shares a per-key limit", async () => {
  const page = await open();
  await finished(page);
  await page.selectOption("#picker", "hot-key");
  const hashed = JSON.parse(await finished(page));
  const shares = (s) => s.services.store.per_instance.map((i) => i.arrivals / s.services.store.arrivals);
  assert.ok(Math.max(...shares(hashed)) > 0.25, "the hot key's instance takes over a quarter");
  assert.ok(hashed.clients.users.failed > 0);
  assert.equal(await page.locator("#knobs label:has-text('store: vnodes')").count(), 1);
  await page.click("#pin");
  await choose(page, "store: balancer", "p2c");
  const spread = JSON.parse(await finished(page));
  assert.ok(Math.max(...shares(spread)) < 0.13, "p2c spreads the load evenly");
  assert.equal(spread.clients.users.failed, 0);
  assert.match(await page.textContent("#totals"), /busiest instance/);
  assert.match(await page.textContent("#compare"), /store busiest instance/);
  await page.screenshot({ path: path.join(shots, "hot-key.png"), fullPage: true });

  await page.selectOption("#picker", "noisy-neighbour");
  const perKey = JSON.parse(await finished(page));
  assert.ok(perKey.clients.tenants.failure_rate < 0.01, "a per-key limit spares the quiet tenants");
  await page.check("#knobs label:has-text('api: one shared limit') input");
  const shared = JSON.parse(await finished(page));
  assert.ok(shared.clients.tenants.failure_rate > 0.2, "one shared bucket turns the burst on everyone");
  assert.deepEqual(page.errors, []);
});

test("a deployment's canary steps knob and a service's health interval knob re-run with them", async () => {
  const page = await open();
  await finished(page);
  await page.selectOption("#picker", "canary-rollback");
  const careful = JSON.parse(await finished(page));
  assert.ok(careful.deploys.api.rolled_back_at_s != null);
  // All the traffic at once: the bad version fails far more requests
  // before the analysis rolls it back.
  await page.evaluate(() => {
    const slider = [...document.querySelectorAll("#knobs label")].find((l) => l.textContent.startsWith("deploy api: canary steps")).querySelector("input");
    slider.value = JSON.parse(slider.dataset.choices).findIndex((p) => JSON.stringify(p) === "[1]");
    slider.dispatchEvent(new Event("input"));
    slider.dispatchEvent(new Event("change"));
  });
  const bang = JSON.parse(await finished(page));
  assert.ok(bang.clients.users.failed > 2 * careful.clients.users.failed, `${bang.clients.users.failed} vs ${careful.clients.users.failed}`);
  await page.selectOption("#picker", "readiness-vs-liveness");
  await finished(page);
  assert.ok(await page.locator("#knobs label:has-text(': health interval')").count() >= 1);
  assert.deepEqual(page.errors, []);
});
