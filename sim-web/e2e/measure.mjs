// Times a 1,000,000-request run (benches/mmc.toml) in headless Chromium's
// WebAssembly and in the native CLI, for the README. Not a test: timings
// belong in measurements, not assertions.
// Run: sim-web/build.sh && (cd sim-web/e2e && npm ci && node measure.mjs)

import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const dsim = path.join(root, "target", "release", "dsim");
const bench = path.join(root, "benches", "mmc.toml");
const text = fs.readFileSync(bench, "utf8");

const server = spawn(dsim, ["web", "--port", "0", "--dir", path.join(root, "sim-web", "dist")]);
const url = await new Promise((resolve) => {
  server.stdout.on("data", (d) => {
    const m = String(d).match(/http:\/\/127\.0\.0\.1:\d+\//);
    if (m) resolve(m[0]);
  });
});
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage();
await page.goto(url);
await page.evaluate(() => window.dsim.ready);
const runs = [];
for (let i = 0; i < 3; i++) {
  runs.push(await page.evaluate(([t]) => {
    const start = performance.now();
    const summary = window.dsim.run(t, 1);
    return { ms: performance.now() - start, summary };
  }, [text]));
}
await browser.close();
server.kill();

const native = [];
let nativeSummary = "";
for (let i = 0; i < 3; i++) {
  const start = process.hrtime.bigint();
  const out = spawnSync(dsim, ["run", bench, "--seed", "1", "--format", "json"]);
  native.push(Number(process.hrtime.bigint() - start) / 1e6);
  nativeSummary = String(out.stdout);
}
const best = (xs) => Math.min(...xs).toFixed(0);
const requests = JSON.parse(nativeSummary).clients.users.requests;
console.log(`requests: ${requests}, events: ${JSON.parse(nativeSummary).events}`);
console.log(`browser (wasm, best of 3): ${best(runs.map((r) => r.ms))} ms`);
console.log(`native CLI (best of 3, process included): ${best(native)} ms`);
console.log(`same summary: ${runs[0].summary === nativeSummary}`);
