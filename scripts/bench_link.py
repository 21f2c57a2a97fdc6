#!/usr/bin/env python3
"""Transfers and listings over a long link, same run: a private Garage node behind
scripts/shaped_link.py (a user-space link: this kernel has no netem), for skiff, s5cmd, the AWS
CLI and rclone at their defaults. Rows: one large file up and down, 2,000 x 64 KiB up and down,
and a recursive listing of 100,000 keys. Each download is checked against the file sent.
Prints a Markdown table per link.

Usage: scripts/bench_link.py [--size-mib 1024] [--files 2000] [--keys 100000]
                             [--link 40:1000:0 --link 80:1000:0.001]   (RTT ms : Mbit/s : loss)
Needs: garage, s5cmd, aws, rclone, and a release build of skiff. Starts Garage on 3990.
"""
import argparse, filecmp, os, shutil, subprocess, sys, tempfile, time

from bench_common import ROOT, SKIFF, garage


def run(cmd, env):
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd[:4])} failed: {proc.stderr.decode()[-600:]}")
    return time.perf_counter() - start, proc.stdout


def tools(endpoint):
    """name -> (upload file, download file, upload folder, download folder, list)."""
    rc = lambda path: f"g:{path}"
    return {
        "skiff": (
            lambda src, dst: [SKIFF, "--endpoint-url", endpoint, "cp", src, dst],
            lambda src, dst: [SKIFF, "--endpoint-url", endpoint, "cp", src, dst],
            lambda src, dst: [SKIFF, "--endpoint-url", endpoint, "cp", "--recursive", src, dst],
            lambda src, dst: [SKIFF, "--endpoint-url", endpoint, "cp", "--recursive", src, dst],
            lambda url: [SKIFF, "--endpoint-url", endpoint, "ls", "--recursive", url],
        ),
        "s5cmd": (
            lambda src, dst: ["s5cmd", "--endpoint-url", endpoint, "cp", src, dst],
            lambda src, dst: ["s5cmd", "--endpoint-url", endpoint, "cp", src, dst],
            lambda src, dst: ["s5cmd", "--endpoint-url", endpoint, "cp", src + "/*", dst],
            lambda src, dst: ["s5cmd", "--endpoint-url", endpoint, "cp", src + "*", dst + "/"],
            lambda url: ["s5cmd", "--endpoint-url", endpoint, "ls", url + "*"],
        ),
        "aws": (
            lambda src, dst: ["aws", "--endpoint-url", endpoint, "s3", "cp", "--only-show-errors", src, dst],
            lambda src, dst: ["aws", "--endpoint-url", endpoint, "s3", "cp", "--only-show-errors", src, dst],
            lambda src, dst: ["aws", "--endpoint-url", endpoint, "s3", "cp", "--only-show-errors", "--recursive", src, dst],
            lambda src, dst: ["aws", "--endpoint-url", endpoint, "s3", "cp", "--only-show-errors", "--recursive", src, dst],
            lambda url: ["aws", "--endpoint-url", endpoint, "s3", "ls", "--recursive", url],
        ),
        "rclone": (
            lambda src, dst: ["rclone", "copyto", src, rc(dst[5:])],
            lambda src, dst: ["rclone", "copyto", rc(src[5:]), dst],
            lambda src, dst: ["rclone", "copy", src, rc(dst[5:])],
            lambda src, dst: ["rclone", "copy", rc(src[5:]), dst],
            lambda url: ["rclone", "lsf", "-R", "--files-only", rc(url[5:])],
        ),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--keys", type=int, default=100_000)
    ap.add_argument("--link", action="append", default=[])
    args = ap.parse_args()
    links = args.link or ["40:1000:0", "80:1000:0.001"]
    tmp = tempfile.mkdtemp(prefix="skiff-bench-link-")
    direct, env, stop = garage(os.path.join(tmp, "garage"), 3990)
    env["SKIFF_DATA_DIR"] = os.path.join(tmp, "skiff-data")
    try:
        run(["aws", "s3api", "create-bucket", "--bucket", "bench-link"], env)
        big = os.path.join(tmp, "big.bin")
        with open(big, "wb") as f:
            for _ in range(args.size_mib):
                f.write(os.urandom(1 << 20))
        small = os.path.join(tmp, "small")
        os.makedirs(small)
        for i in range(args.files):
            with open(os.path.join(small, f"part-{i:05d}.bin"), "wb") as f:
                f.write(os.urandom(64 * 1024))
        # The keys to list are written straight to Garage, not over the link.
        empty = os.path.join(tmp, "empty")
        open(empty, "w").close()
        cmds = os.path.join(tmp, "cmds.txt")
        with open(cmds, "w") as f:
            for i in range(args.keys):
                f.write(f"cp {empty} s3://bench-link/keys/split-{i % 10}/part-{i:07d}.parquet\n")
        run(["s5cmd", "--endpoint-url", direct, "run", cmds], env)
        for spec in links:
            rtt, mbit, loss = spec.split(":")
            proxy = subprocess.Popen(
                [sys.executable, os.path.join(ROOT, "scripts", "shaped_link.py"), "--listen", "3999",
                 "--upstream", direct.removeprefix("http://"), "--rtt-ms", rtt, "--mbit", mbit, "--loss", loss],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            proxy.stdout.readline()
            endpoint = "http://127.0.0.1:3999"
            link_env = dict(env, AWS_ENDPOINT_URL=endpoint, RCLONE_CONFIG_G_ENDPOINT=endpoint)
            rows = {}
            for tool, (up, down, up_dir, down_dir, ls) in tools(endpoint).items():
                # A prefix of each link's own: rclone skips what an earlier link already sent.
                name = f"{tool}-{rtt}"
                out = os.path.join(tmp, f"out-{name}")
                os.makedirs(out, exist_ok=True)
                t_up, _ = run(up(big, f"s3://bench-link/{name}/big.bin"), link_env)
                t_down, _ = run(down(f"s3://bench-link/{name}/big.bin", os.path.join(out, "big.bin")), link_env)
                if not filecmp.cmp(big, os.path.join(out, "big.bin"), shallow=False):
                    sys.exit(f"{name}: the large file came back different")
                t_up_dir, _ = run(up_dir(small, f"s3://bench-link/{name}/small/"), link_env)
                t_down_dir, _ = run(down_dir(f"s3://bench-link/{name}/small/", os.path.join(out, "small")), link_env)
                if len(os.listdir(os.path.join(out, "small"))) != args.files:
                    sys.exit(f"{name}: not every small file came back")
                t_ls, listed = run(ls("s3://bench-link/keys/"), link_env)
                lines = listed.count(b"\n")
                if lines != args.keys:
                    sys.exit(f"{name}: listed {lines} keys, not {args.keys}")
                rows[tool] = (t_up, t_down, t_up_dir, t_down_dir, t_ls)
                shutil.rmtree(out)
            proxy.terminate()
            size = f"{args.size_mib:,} MiB"
            print(f"\nLink: {rtt} ms round trip, {mbit} Mbit/s, {float(loss) * 100:g}% loss (seconds):\n")
            print(f"| tool | {size} up | {size} down | {args.files:,} x 64 KiB up | {args.files:,} x 64 KiB down | list {args.keys:,} keys |")
            print("|---|---|---|---|---|---|")
            best = [min(r[i] for r in rows.values()) for i in range(5)]
            for name, r in rows.items():
                cells = " | ".join(f"{t:.1f} ({t / b:.1f}x)" for t, b in zip(r, best))
                print(f"| `{name}` | {cells} |")
    finally:
        stop()


if __name__ == "__main__":
    main()
