// The visualizer end to end, in headless Chromium (Debian's, driven by
// playwright-core): load the page from `dsim web`, pick retry-storm, play it
// to the end, see the collapse, turn on the retry budget and see the
// recovery; check that the page's summary is the CLI's byte for byte, that
// a share link reproduces the run in a fresh page, and that a broken
// scenario shows its error at its line, and that a zero-time loop from a
// share link shows why it stopped while the page stays usable. Screenshots go to
// target/e2e-screenshots/.
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
  await page.evaluate(() => {
    document.querySelector("#editor").closest("details").open = true;
  });
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
  await page.evaluate(() => {
    document.querySelector("#editor").closest("details").open = true;
  });
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
