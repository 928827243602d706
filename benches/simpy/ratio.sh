#!/usr/bin/env bash
# SimPy against dsim on the yardstick model of ../shared/bench/ (see README.md beside this file).
# Usage (from the project root): benches/simpy/ratio.sh [path/to/dsim] [runs] [requests]
# Times both as whole processes (start-up included), alternately, and prints each pair and the
# median ratio SimPy/dsim. `requests` other than 1,000,000 scales dsim's duration to match
# (312.5 s of simulated time per 1,000 requests at 3.2/s).
# Needs a venv with simpy: python3 -m venv /tmp/simpy-venv && /tmp/simpy-venv/bin/pip install simpy
# (or set SIMPY_PYTHON to a python that has it).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dsim=${1:-target/release/dsim}
runs=${2:-3}
requests=${3:-1000000}
model=${MODEL:-$here/../../../shared/bench/peer-mmk.toml}
[ -f "$model" ] || { echo "no yardstick model at $model (set MODEL)" >&2; exit 2; }
py=${SIMPY_PYTHON:-/tmp/simpy-venv/bin/python}
[ -x "$dsim" ] || { echo "no dsim binary at $dsim (cargo build --release -p sim-cli)" >&2; exit 2; }
"$py" -c 'import simpy' 2>/dev/null || { echo "no simpy in $py (see the header of $0)" >&2; exit 2; }
python3 - "$dsim" "$py" "$here/mmk.py" "$model" "$runs" "$requests" <<'PY'
import json, statistics, subprocess, sys, time
dsim, py, mmk, model, runs, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
dsim_cmd = [dsim, "run", model, "--format", "json"]
if n != 1_000_000:
    dsim_cmd += ["--set", f"scenario.duration={n / 3.2:.1f}s"]
simpy_cmd = [py, mmk, "--seed", "42", "--requests", str(n)]
def wall(cmd):
    t = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - t, out
ratios = []
for i in range(runs):
    a, out_d = wall(dsim_cmd)
    b, out_s = wall(simpy_cmd)
    if i == 0:
        users = json.loads(out_d)["clients"]["users"]
        print(f"dsim: {users['requests']} requests, mean response {users['latency_ms']['mean']:.0f} ms")
        print("simpy: " + ", ".join(out_s.split("\n")[:2]))
    ratios.append(b / a)
    print(f"run {i+1}: dsim {a:.3f} s, simpy {b:.3f} s, ratio {b/a:.1f}")
print(f"median ratio simpy/dsim ({n} requests, {runs} runs): {statistics.median(ratios):.1f}")
PY
