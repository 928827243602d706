#!/usr/bin/env bash
# Draws docs/metastability/threshold.svg: for each retry count (0 to 3
# retries) and offered load (40% to 95% of the capacity of 1000 requests/s),
# the fraction of 8 seeds in which the system recovers after the trigger.
# Run from anywhere; it builds dsim first. About a minute on two cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
cargo build -q --release -p sim-cli
dsim=target/release/dsim
out=target/metastability
mkdir -p "$out"
"$dsim" sweep docs/metastability/threshold.toml \
    --param client.users.retry.max_attempts=1,2,3,4 \
    --param client.users.rate=400,450,500,550,600,650,700,750,800,850,900,950 \
    --seeds 1..=8 --out "$out/grid.csv" --summary "$out/summary.csv" || [[ $? == 1 ]]
"$dsim" plot --sweep "$out/grid.csv" --x client.users.rate --y passed --out "$out"
cp "$out/sweep-passed.svg" docs/metastability/threshold.svg
echo "wrote docs/metastability/threshold.svg"
