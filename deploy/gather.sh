#!/usr/bin/env bash
# Prints the sweep CSV that shards 1 to N in DIR make: shard-1.csv (with the
# header) to shard-N.csv, concatenated in order, which is byte for byte the
# CSV of the unsharded sweep. Fails, printing nothing, if a shard is missing.
#   deploy/gather.sh DIR N > sweep.csv
set -euo pipefail

if [[ $# != 2 || ! "$2" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 DIR N > sweep.csv   (shard-1.csv ... shard-N.csv in DIR)" >&2
    exit 2
fi
dir=$1
count=$2
shards=()
for ((k = 1; k <= count; k++)); do
    shard="$dir/shard-$k.csv"
    if [[ ! -f "$shard" ]]; then
        echo "$shard is missing: shard $k of $count has not finished" >&2
        exit 1
    fi
    shards+=("$shard")
done
cat "${shards[@]}"
