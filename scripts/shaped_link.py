#!/usr/bin/env python3
"""A network link in user space, for tests and benchmarks on a kernel without `tc netem`: a TCP
proxy on 127.0.0.1 in front of a server that delays every byte by half the round trip each way,
serialises each direction at the link's bandwidth (shared by all connections, as one link is),
and stalls a connection for a retransmission timeout where a segment would have been lost
(TCP delivers in order, so what follows waits too).

Usage: scripts/shaped_link.py --listen 3990 --upstream 127.0.0.1:3900 --rtt-ms 40 --mbit 1000
                              [--loss 0.001]
Prints "shaped link on 127.0.0.1:PORT" when it listens; stops on Ctrl-C or SIGTERM, printing
"peak connections: N" (the most open at once: a client's requests in flight).
"""
import argparse, asyncio, os, random, signal, time

SEGMENT = 1448  # bytes of payload in one TCP segment on a 1500-byte MTU
CHUNK = 64 * 1024


class Direction:
    """One direction of the link: when its wire is next free."""

    def __init__(self, bytes_per_sec):
        self.bytes_per_sec = bytes_per_sec
        self.free_at = 0.0

    def send(self, size):
        """The time the last byte of `size` bytes leaves the wire."""
        now = time.monotonic()
        self.free_at = max(self.free_at, now) + size / self.bytes_per_sec
        return self.free_at


class Link:
    def __init__(self, rtt_ms, mbit, loss):
        self.one_way = rtt_ms / 2000.0
        self.rto = max(0.2, rtt_ms / 1000.0 * 2)
        self.loss = loss
        self.up = Direction(mbit * 1e6 / 8)
        self.down = Direction(mbit * 1e6 / 8)

    def lost_penalty(self, size):
        if self.loss <= 0:
            return 0.0
        segments = max(1, size // SEGMENT)
        p_any = 1 - (1 - self.loss) ** segments
        return self.rto if random.random() < p_any else 0.0


async def pump(reader, writer, direction, link):
    """Reads from one side, delivers to the other when the link would."""
    queue = asyncio.Queue()

    async def deliver():
        while True:
            item = await queue.get()
            if item is None:
                break
            at, data = item
            delay = at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            writer.write(data)
            await writer.drain()
        try:
            writer.write_eof()
        except (OSError, RuntimeError):
            pass

    delivering = asyncio.create_task(deliver())
    stalled_until = 0.0
    try:
        while True:
            data = await reader.read(CHUNK)
            if not data:
                break
            at = direction.send(len(data)) + link.one_way
            penalty = link.lost_penalty(len(data))
            stalled_until = max(stalled_until, at + penalty)
            await queue.put((max(at, stalled_until), data))
    except (ConnectionError, OSError):
        pass
    await queue.put(None)
    try:
        await delivering
    except (ConnectionError, OSError):
        pass


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", type=int, default=0)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--rtt-ms", type=float, default=40)
    ap.add_argument("--mbit", type=float, default=1000)
    ap.add_argument("--loss", type=float, default=0.0)
    args = ap.parse_args()
    host, port = args.upstream.rsplit(":", 1)
    link = Link(args.rtt_ms, args.mbit, args.loss)
    count = {"open": 0, "peak": 0}

    async def serve(client_reader, client_writer):
        count["open"] += 1
        count["peak"] = max(count["peak"], count["open"])
        try:
            await shape(client_reader, client_writer)
        finally:
            count["open"] -= 1

    async def shape(client_reader, client_writer):
        # The connection's own handshake: one round trip before the first byte.
        await asyncio.sleep(args.rtt_ms / 1000.0)
        try:
            server_reader, server_writer = await asyncio.open_connection(host, int(port))
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            pump(client_reader, server_writer, link.up, link),
            pump(server_reader, client_writer, link.down, link),
        )
        for w in (server_writer, client_writer):
            w.close()

    server = await asyncio.start_server(serve, "127.0.0.1", args.listen, limit=CHUNK * 4)
    print(f"shaped link on 127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()
    print(f"peak connections: {count['peak']}", flush=True)
    # Connections still open die with the process, not one warning each.
    os._exit(0)


if __name__ == "__main__":
    asyncio.run(main())
