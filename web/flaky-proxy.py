#!/usr/bin/env python3
"""A loopback proxy in front of the sandbox that answers 503 SlowDown to uploads, for the browser
tests of the retry policy: a PUT whose key holds `refuse-N` is refused N times (each retry of the
same request counts), one whose key holds `refuse-always` every time. The refusals carry the
CORS headers a real server sends, so the page sees a 503 and not a network error.

GET /_flaky answers, as JSON, how many attempts each refused request has made.

Usage: flaky-proxy.py PORT UPSTREAM_PORT   (both on 127.0.0.1; runs until killed)
"""

import http.client
import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, upstream_port = int(sys.argv[1]), int(sys.argv[2])
attempts = {}
lock = threading.Lock()

SLOW_DOWN = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
             b'<Message>Please reduce your request rate.</Message></Error>')
# Hop-by-hop headers, and the length the proxy sets itself.
SKIP = {"connection", "keep-alive", "transfer-encoding", "content-length"}


def refusals(path):
    """How many times a request to `path` is refused, or None for never."""
    if "refuse-always" in path:
        return float("inf")
    found = re.search(r"refuse-(\d+)", path)
    return int(found.group(1)) if found else None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def cors(self):
        origin = self.headers.get("Origin")
        if origin:
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Vary", "Origin")

    def answer(self, status, body, content_type):
        self.send_response(status)
        self.cors()
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.command == "GET" and self.path == "/_flaky":
            with lock:
                report = json.dumps(attempts).encode()
            return self.answer(200, report, "application/json")
        limit = refusals(self.path) if self.command == "PUT" else None
        if limit is not None:
            with lock:
                attempts[self.path] = attempts.get(self.path, 0) + 1
                refuse = attempts[self.path] <= limit
            if refuse:
                return self.answer(503, SLOW_DOWN, "application/xml")
        upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=60)
        # The Host header goes on as the page sent it: the request's signature covers it.
        upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for name, value in self.headers.items():
            if name.lower() not in SKIP:
                upstream.putheader(name, value)
        upstream.putheader("Content-Length", str(len(body)))
        upstream.endheaders(body)
        response = upstream.getresponse()
        data = response.read()
        self.send_response(response.status, response.reason)
        head = self.command == "HEAD"
        for name, value in response.getheaders():
            if name.lower() not in SKIP or (head and name.lower() == "content-length"):
                self.send_header(name, value)
        if not head:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        upstream.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_OPTIONS = handle_any


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
