// The WebAssembly build gives byte for byte what the native `dsim` prints.
//
// For every scenario in scenarios/*.toml, every built-in scenario not already
// among them, and one small inline scenario, this runs
//     dsim run scenario.toml --seed S --format json
// natively and `run(text, S)` in the wasm module, for two seeds each, and
// compares the bytes. Errors are compared too: the wasm module throws the
// message the CLI prints on stderr. The browser's bundle is checked against
// the Node one.
//
// Run: cargo build --release -p sim-cli && sim-web/build.sh
//      node --test sim-web/tests/*.mjs
// (Name the files: given only the directory, Node 20 looks for *.test.mjs
// and passes having run nothing.)
// Environment:
//   DSIM_BIN           the native binary (default: TARGET/release/dsim)
//   CARGO_TARGET_DIR   where build.sh put wasm-node/ (default: target/)
//
// Works with Node 18 (Debian's) and later: node:test, no import.meta.dirname.

import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const targetDir = path.resolve(root, process.env.CARGO_TARGET_DIR ?? "target");
const dsimBin = path.resolve(root, process.env.DSIM_BIN ?? path.join(targetDir, "release", "dsim"));
const wasmPkg = path.join(targetDir, "wasm-node", "sim_web.js");
const webPkg = path.join(root, "sim-web", "dist", "pkg");

// Two seeds per scenario: a small one, and the largest a JS number holds
// exactly, which checks that seeds cross into wasm unchanged.
const SEEDS = [7, Number.MAX_SAFE_INTEGER];

// Small, valid, and touching several models: network latency and loss, a
// balanced replicated service, a call with a timeout, mixed distributions.
const INLINE = `
[scenario]
name = "inline: a gateway over a lossy link"
duration = "20s"
seed = 3
warmup = "2s"
expect = ["success_rate(users) >= 0.5"]

[network]
latency = "exp(0.5ms)"
loss = 0.001

[[client]]
name = "users"
target = "api"
rate = 200
timeout = "500ms"

[[service]]
name = "api"
instances = 2
balancer = "p2c"
workers = 4
queue = 50
service_time = "lognormal(p50=2ms, p99=20ms)"
calls = [{ to = "db", timeout = "50ms" }]

[[service]]
name = "db"
workers = 2
service_time = "mix(0.9: exp(3ms), 0.1: uniform(20ms, 60ms))"
error_rate = 0.01
`;

for (const [what, file] of [
  ["the native dsim", dsimBin],
  ["the wasm module for Node", wasmPkg],
  ["the wasm module for the browser", path.join(webPkg, "sim_web.js")],
]) {
  if (!fs.existsSync(file)) {
    throw new Error(
      `${what} is missing: ${file}\n` +
        "build both first: cargo build --release -p sim-cli && sim-web/build.sh",
    );
  }
}
const wasm = createRequire(import.meta.url)(wasmPkg);

// The CLI runs in a scratch directory on a file named scenario.toml, the name
// the wasm module gives its input, so even diagnostics must match exactly.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "sim-web-test-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** Runs the native dsim with `args` in the scratch directory. */
function dsim(args) {
  const r = spawnSync(dsimBin, args, {
    cwd: scratch,
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 1 << 30,
  });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr.toString() };
}

/** The wasm module's answer: its output, or the message it threw. */
function wasmRun(text, seed, timeseries) {
  try {
    return { ok: true, out: wasm.run(text, seed, timeseries) };
  } catch (e) {
    assert.ok(e instanceof Error, `wasm threw a non-Error: ${e}`);
    return { ok: false, message: e.message };
  }
}

/** Where two texts first differ, line by line, for a failure message. */
function firstDifference(native, fromWasm) {
  const a = native.split("\n");
  const b = fromWasm.split("\n");
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      const show = (line) => (line === undefined ? "(no such line)" : JSON.stringify(line));
      return `first difference at line ${i + 1}:\n  native: ${show(a[i])}\n  wasm:   ${show(b[i])}`;
    }
  }
  return "the texts are equal as strings but not as UTF-8 bytes";
}

/**
 * Runs `text` natively and in wasm with `seed` (undefined: the scenario's
 * own) and `timeseries` (undefined: none), and asserts the same bytes, or
 * the same error. `source` is what `dsim run` takes to reproduce a failure:
 * a path or a built-in's name, or null for a text written in this test.
 * `expectError` says the input is bad: dsim must reject it (exit 2) and the
 * wasm module must throw its stderr as the message; otherwise both must run.
 */
function assertSame(source, text, { seed, timeseries, expectError = false } = {}) {
  fs.writeFileSync(path.join(scratch, "scenario.toml"), text);
  const args = ["run", "scenario.toml"];
  if (seed !== undefined) args.push("--seed", String(seed));
  if (timeseries !== undefined) args.push("--timeseries", timeseries);
  args.push("--format", "json");
  const where = (source ?? "this test's scenario") +
    (seed === undefined ? "" : ` with seed ${seed}`) +
    (timeseries === undefined ? "" : ` and timeseries ${timeseries}`);
  const command = `dsim ${args.join(" ")}`;
  const reproduce = source === null
    ? `reproduce: save the scenario from ${fileURLToPath(import.meta.url)} as scenario.toml, then ${command}`
    : `reproduce: ${command.replace("scenario.toml", source)}`;

  const native = dsim(args);
  const got = wasmRun(text, seed, timeseries);
  if (!expectError && (native.status === 0 || native.status === 1)) {
    // 0: expectations held, 1: one failed; either way stdout is the summary.
    if (!got.ok) {
      assert.fail(`${where}: native dsim ran but wasm threw:\n${got.message}\n${reproduce}`);
    }
    if (!Buffer.from(got.out, "utf8").equals(native.stdout)) {
      assert.fail(
        `${where}: wasm output differs from native dsim\n` +
          `${firstDifference(native.stdout.toString(), got.out)}\n${reproduce}`,
      );
    }
  } else if (expectError && native.status === 2) {
    if (got.ok) {
      assert.fail(`${where}: native dsim rejected the input but wasm ran it:\n${native.stderr}`);
    }
    assert.equal(got.message, native.stderr, `${where}: wasm error differs from dsim's stderr`);
  } else {
    assert.fail(
      `${where}: native dsim exited with ${native.status ?? native.signal}:\n` +
        `${native.stderr}${reproduce}`,
    );
  }
}

const scenarioDir = path.join(root, "scenarios");
const files = fs.existsSync(scenarioDir)
  ? fs.readdirSync(scenarioDir).filter((f) => f.endsWith(".toml")).sort()
  : [];
const fileTexts = new Set();
for (const f of files) {
  const label = path.join("scenarios", f);
  const text = fs.readFileSync(path.join(scenarioDir, f), "utf8");
  fileTexts.add(text);
  for (const seed of SEEDS) {
    test(`${label} --seed ${seed}: wasm matches native`, () => assertSame(label, text, { seed }));
  }
}

// Built-ins that are copies of a file above were just compared.
const builtins = JSON.parse(wasm.list_builtins());
for (const { name, text } of builtins.filter((b) => !fileTexts.has(b.text))) {
  for (const seed of SEEDS) {
    test(`built-in ${name} --seed ${seed}: wasm matches native`, () =>
      assertSame(name, text, { seed }));
  }
}

for (const seed of SEEDS) {
  test(`inline scenario --seed ${seed}: wasm matches native`, () =>
    assertSame(null, INLINE, { seed }));
}

test("inline scenario without a seed runs with the scenario's seed", () => {
  assertSame(null, INLINE);
  assert.equal(JSON.parse(wasm.run(INLINE)).seed, 3);
});

test("timeseries matches dsim run --timeseries", () => {
  assertSame(null, INLINE, { seed: 11, timeseries: "1s" });
  assert.ok(JSON.parse(wasm.run(INLINE, 11, "1s")).timeseries, "the summary has a timeseries");
});

// A saga whose charge fails or times out, started through the warmup: its
// runs by state per window, with the step counts, as the CLI prints them.
const SAGA = `
[scenario]
name = "inline: a checkout saga"
duration = "20s"
warmup = "2s"
seed = 5

[[client]]
name = "shoppers"
target = "checkout"
rate = 30

[[saga]]
name = "checkout"
steps = [
  { call = "inventory.reserve", compensate = "inventory.release" },
  { call = "payments.charge", compensate = "payments.refund", timeout = "50ms" },
]

[[service]]
name = "inventory"
service_time = "exp(5ms)"
[[service.endpoint]]
name = "reserve"
effect = "reserve"
[[service.endpoint]]
name = "release"
effect = "release"

[[service]]
name = "payments"
workers = 8
service_time = "exp(20ms)"
[[service.endpoint]]
name = "charge"
effect = "charge"
error_rate = 0.1
[[service.endpoint]]
name = "refund"
effect = "refund"
`;

test("a saga's summary and timeseries match dsim run --timeseries", () => {
  assertSame(null, SAGA, { seed: 4, timeseries: "500ms" });
  const ts = JSON.parse(wasm.run(SAGA, 4, "500ms")).timeseries;
  assert.ok(ts.sagas.checkout.compensated.some((n) => n > 0), "runs were compensated");
});

test("list_builtins is an array of {name, text} sorted by name", () => {
  assert.ok(Array.isArray(builtins));
  for (const b of builtins) {
    assert.deepEqual(Object.keys(b), ["name", "text"]);
    assert.equal(typeof b.name, "string");
    assert.equal(typeof b.text, "string");
  }
  const names = builtins.map((b) => b.name);
  assert.deepEqual(names, [...names].sort());
});

test("invalid TOML throws dsim's diagnostics", () => {
  assertSame(null, "[scenario\nname = 1\n", { expectError: true });
});

test("an invalid scenario throws dsim's diagnostics, hints included", () => {
  const unknownTarget = INLINE.replace('target = "api"', 'target = "apii"');
  assertSame(null, unknownTarget, { expectError: true });
  assert.throws(() => wasm.run(unknownTarget), /^Error: error: scenario\.toml:\d+:\d+: /);
});

test("seeds that are not exact whole numbers are refused, and the module goes on", () => {
  for (const bad of [-1, 1.5, 2 ** 53, NaN, Infinity, -Infinity]) {
    assert.throws(() => wasm.run(INLINE, bad), /seed must be a whole number/, `seed ${bad}`);
  }
  for (const bad of ["0s", "soon"]) {
    assert.throws(() => wasm.run(INLINE, 1, bad), /^Error: timeseries: /, `window ${bad}`);
  }
  assert.equal(JSON.parse(wasm.run(INLINE, 1)).seed, 1);
});

test("the browser's bundle (sim-web/dist/pkg) gives the same bytes", async () => {
  // The same wasm behind the ES module the page imports, instantiated from
  // bytes as a page could, since Node has no fetch of file URLs.
  const web = await import(pathToFileURL(path.join(webPkg, "sim_web.js")).href);
  web.initSync({ module: fs.readFileSync(path.join(webPkg, "sim_web_bg.wasm")) });
  for (const seed of SEEDS) {
    assert.equal(web.run(INLINE, seed), wasm.run(INLINE, seed), `seed ${seed}`);
  }
  assert.equal(web.list_builtins(), wasm.list_builtins());
  assert.equal(web.version(), wasm.version());
});

test("version is dsim --version", () => {
  const native = dsim(["--version"]);
  assert.equal(native.status, 0);
  assert.equal(native.stdout.toString(), `dsim ${wasm.version()}\n`);
});
