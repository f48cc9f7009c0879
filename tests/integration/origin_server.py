#!/usr/bin/env python3
"""A test origin server for the ICAP integration tests: accepts any POST/PUT, reads the body
(Content-Length or chunked) in a streaming way, and records what it received.

Usage: origin_server.py PORT_FILE DIR
Writes the bound port to PORT_FILE. For each request N it writes DIR/N.meta (method, path, length,
sha256) and, when the body is at most 16 MiB, DIR/N.body. Answers 200 "stored N".
"""
import hashlib
import http.server
import os
import socketserver
import sys
import threading

DIR = sys.argv[2]
counter = 0
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _body(self):
        h = hashlib.sha256()
        total = 0
        keep = bytearray()
        def take(chunk):
            nonlocal total
            h.update(chunk)
            total += len(chunk)
            if len(keep) < (16 << 20):
                keep.extend(chunk[: (16 << 20) - len(keep)])
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                left = size
                while left:
                    chunk = self.rfile.read(min(left, 1 << 20))
                    if not chunk:
                        raise IOError("short chunk")
                    take(chunk)
                    left -= len(chunk)
                self.rfile.readline()
        else:
            left = int(self.headers.get("Content-Length", "0"))
            while left:
                chunk = self.rfile.read(min(left, 1 << 20))
                if not chunk:
                    break
                take(chunk)
                left -= len(chunk)
        return total, h.hexdigest(), bytes(keep)

    def _handle(self):
        global counter
        total, digest, keep = self._body()
        with lock:
            counter += 1
            n = counter
        with open(os.path.join(DIR, "%d.meta" % n), "w") as f:
            f.write("%s %s %d %s\n" % (self.command, self.path, total, digest))
        if total <= (16 << 20):
            with open(os.path.join(DIR, "%d.body" % n), "wb") as f:
                f.write(keep)
        reply = ("stored %d\n" % n).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    do_POST = _handle
    do_PUT = _handle

    def do_GET(self):
        if self.path.startswith("/download/customers.txt"):
            reply = b"customer list\nalice, card 4111 1111 1111 1111\nbob, card 5555 5555 5555 4444\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)
            return
        reply = b"hello from the origin\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


srv = Server(("127.0.0.1", 0), Handler)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
srv.serve_forever()
