#!/usr/bin/env python3
"""Tests deploy/k8s/sweep-job.yaml without a cluster.

Checks the manifest's structure (an Indexed Job whose completions equal
DSIM_SHARDS, pods that never restart in place, the shards' directory on the
claimed volume), then runs the container's own command once per completion
index on this machine, as the Job's pods would, with the manifest's
environment (but a smaller seed range, and the shards in a temporary
directory), gathers the shards with deploy/gather.sh and compares them byte
for byte with the same sweep run unsharded.

    deploy/k8s/ci-test.py        (needs PyYAML: Debian's python3-yaml)

DSIM names the dsim binary (default target/release/dsim).
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
MANIFEST = REPO / "deploy/k8s/sweep-job.yaml"
# 3 values x 2 seeds = 6 runs over the manifest's 4 shards: shards of 1 and
# 2 runs, so uneven blocks are covered.
SEEDS = "1..3"


def fail(message):
    sys.exit(f"{MANIFEST.relative_to(REPO)}: {message}")


def check(condition, message):
    if not condition:
        fail(message)


def the_job(documents):
    """The Job, after checking its structure; and the claim it mounts."""
    kinds = {d["kind"]: d for d in documents}
    check(set(kinds) == {"Job", "PersistentVolumeClaim"}, f"kinds {sorted(kinds)}")
    job, claim = kinds["Job"], kinds["PersistentVolumeClaim"]
    check(job["apiVersion"] == "batch/v1", "the Job's apiVersion is not batch/v1")
    spec = job["spec"]
    check(spec["completionMode"] == "Indexed", "completionMode is not Indexed")
    completions = spec["completions"]
    check(isinstance(completions, int) and completions >= 1, "completions")
    check(1 <= spec["parallelism"] <= completions, "parallelism is not 1..completions")
    pod = spec["template"]["spec"]
    check(pod["restartPolicy"] == "Never", "restartPolicy is not Never")
    (container,) = pod["containers"]
    env = {e["name"]: e["value"] for e in container["env"]}
    check(env["DSIM_SHARDS"] == str(completions), "DSIM_SHARDS is not completions")
    (mount,) = container["volumeMounts"]
    check(mount["mountPath"] == env["DSIM_OUT_DIR"], "DSIM_OUT_DIR is not the mount")
    (volume,) = pod["volumes"]
    check(volume["name"] == mount["name"], "the mount names no volume")
    claim_name = volume["persistentVolumeClaim"]["claimName"]
    check(claim_name == claim["metadata"]["name"], "the volume names no claim")
    check(claim["spec"]["accessModes"] == ["ReadWriteMany"], "the claim is not ReadWriteMany")
    return completions, container, env


def main():
    dsim = Path(os.environ.get("DSIM", REPO / "target/release/dsim")).resolve()
    with MANIFEST.open() as f:
        completions, container, env = the_job(list(yaml.safe_load_all(f)))
    with tempfile.TemporaryDirectory(prefix="dsim-k8s-") as tmp:
        tmp = Path(tmp)
        shards = tmp / "shards"
        shards.mkdir()
        env.update(DSIM_SEEDS=SEEDS, DSIM_OUT_DIR=str(shards), DSIM=str(dsim))
        command = container["command"] + container["args"]
        for index in range(completions):
            pod_env = dict(env, PATH=os.environ["PATH"], JOB_COMPLETION_INDEX=str(index))
            run = subprocess.run(command, env=pod_env)
            check(run.returncode == 0, f"index {index} exited {run.returncode}")
        params = [a for p in env["DSIM_PARAMS"].splitlines() if p for a in ("--param", p)]
        unsharded = tmp / "unsharded.csv"
        run = subprocess.run(
            [dsim, "sweep", env["DSIM_SCENARIO"], *params, "--seeds", SEEDS, "--out", unsharded]
        )
        check(run.returncode in (0, 1), f"the unsharded sweep exited {run.returncode}")
        gathered = subprocess.run(
            [REPO / "deploy/gather.sh", shards, str(completions)],
            stdout=subprocess.PIPE,
            check=True,
        ).stdout
        check(gathered == unsharded.read_bytes(), "the gathered shards are not the unsharded CSV")
        lines = gathered.count(b"\n")
        print(f"the {completions} pods' shards gathered are the unsharded CSV byte for byte ({lines} lines)")


if __name__ == "__main__":
    main()
