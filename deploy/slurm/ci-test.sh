#!/usr/bin/env bash
# Tests deploy/slurm/sweep.sbatch on a real Slurm cluster of one node, this
# machine: starts a private munged, slurmctld and slurmd (no systemd, no
# cgroups), submits a sweep of the built-in `retry-storm` (2 x 1 values x 3
# seeds) as a job array of 3 shards with `sbatch --wait`, gathers the shards
# with deploy/gather.sh and compares them byte for byte with the same sweep
# run directly; then stops the daemons. On a failure it prints the daemons'
# logs.
#
#   deploy/slurm/ci-test.sh        (as root; needs Debian's slurm-wlm and munge)
#
# Environment: DSIM, the dsim binary (default target/release/dsim);
# DSIM_SLURM_DIR, the directory for the cluster's keys, configuration, state
# and logs (default /tmp/dsim-slurm-ci, emptied first, so a second run on the
# same machine starts afresh). The daemons listen on ports 16817 and 16818,
# away from a real Slurm's.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dsim="$(realpath "${DSIM:-$repo/target/release/dsim}")"
dir="${DSIM_SLURM_DIR:-/tmp/dsim-slurm-ci}"
shards=3

if [[ "$(id -u)" != 0 ]]; then
    echo "$0: run as root: munged, slurmctld and slurmd run as root here" >&2
    exit 2
fi
for tool in munged mungekey slurmctld slurmd sbatch sinfo; do
    if ! command -v "$tool" >/dev/null; then
        echo "$0: $tool is missing: apt-get install slurm-wlm munge" >&2
        exit 2
    fi
done
[[ -x "$dsim" ]] || { echo "$0: no dsim at $dsim: cargo build --release -p sim-cli" >&2; exit 2; }

# Prints a line with the seconds since the start.
say() {
    printf '[%3ds] %s\n' "$SECONDS" "$*"
}

# Stops the daemons that a run in $dir started, by the ids in their pid files.
stop_daemons() {
    local name pid
    for name in slurmd slurmctld munged; do
        [[ -f "$dir/$name.pid" ]] || continue
        pid="$(cat "$dir/$name.pid")"
        if kill "$pid" 2>/dev/null; then
            for _ in $(seq 50); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
        fi
        rm -f "$dir/$name.pid"
    done
}

# Prints each daemon's log, for a failure.
show_logs() {
    local log
    for log in "$dir"/*.log; do
        printf '\n---- %s ----\n' "$log" >&2
        cat "$log" >&2
    done
}

# Ends the test: on a failure, prints the logs; always stops the daemons.
finish() {
    local status=$?
    if ((status != 0)); then
        echo "$0: FAILED (exit $status); the daemons' logs follow" >&2
        show_logs
    fi
    stop_daemons
    exit "$status"
}

stop_daemons
rm -rf "$dir"
mkdir -p "$dir"/{state,spool,out}
# munged wants its key where only root reads, and its socket where every
# user can reach it (jobs of any user talk to it).
mkdir -m 700 "$dir/munge-key"
mkdir -m 755 "$dir/munge"
trap finish EXIT

say "munge: a fresh key, a private socket"
mungekey --create --keyfile="$dir/munge-key/munge.key"
socket="$dir/munge/munge.socket"
munged --socket="$socket" --key-file="$dir/munge-key/munge.key" \
    --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" \
    --seed-file="$dir/munge-key/munged.seed"
munge -n -S "$socket" | unmunge -S "$socket" >/dev/null

# The node as slurmd sees it (CPUs, sockets, cores, memory), at 127.0.0.1.
host="$(hostname -s)"
node="$(slurmd -C | head -1)"
[[ "$node" == "NodeName=$host "* ]] || { echo "slurmd -C says: $node" >&2; exit 1; }
cat >"$dir/slurm.conf" <<CONF
ClusterName=dsim-ci
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=ci Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"

say "slurm: slurmctld and slurmd on $host"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
state=""
for _ in $(seq 60); do
    state="$(sinfo -h -N -o %t 2>/dev/null || true)"
    [[ "$state" == idle ]] && break
    sleep 1
done
[[ "$state" == idle ]] || { echo "the node is not idle after 60 s: '$state'" >&2; exit 1; }
sinfo

# The sweep, as the sbatch script reads it: 2 values x 1 value x 3 seeds =
# 6 runs (two parameters: DSIM_PARAMS has two lines).
export DSIM="$dsim" DSIM_SCENARIO=retry-storm DSIM_SEEDS=1..4 DSIM_OUT_DIR="$dir/out"
export DSIM_PARAMS=$'client.users.retry.max_attempts=1,3\nclient.users.rate=600'

say "the sweep on one machine"
status=0
"$dsim" sweep retry-storm --param client.users.retry.max_attempts=1,3 \
    --param client.users.rate=600 --seeds 1..4 --out "$dir/unsharded.csv" || status=$?
# retry-storm's expectations fail without its retries: exit 1, CSV complete.
((status == 0 || status == 1)) || exit "$status"

say "the sweep as a job array of $shards shards"
timeout 300 sbatch --wait --array=1-$shards --chdir="$dir/out" \
    "$repo/deploy/slurm/sweep.sbatch"
for ((k = 1; k <= shards; k++)); do
    printf -- '-- task %d --\n' "$k"
    cat "$dir"/out/dsim-sweep-*_"$k".out
done

"$repo/deploy/gather.sh" "$dir/out" "$shards" >"$dir/gathered.csv"
cmp "$dir/unsharded.csv" "$dir/gathered.csv"
say "the $shards shards gathered are the unsharded CSV byte for byte ($(wc -l <"$dir/unsharded.csv") lines)"
