#!/usr/bin/env python3
"""A webhook receiver for LeakGuard SIEM tests (and a reference for verifying the signature).

Accepts POSTs whose X-LeakGuard-Signature ("t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>")
verifies and whose timestamp is within 5 minutes, and appends one JSON line per accepted event to
--out: {"event_id": ..., "type": ..., "incident_id": ...}. A bad signature gets 401 and a line with
"bad_signature": true. --fail N answers 503 to the first N requests. --cert/--key serve HTTPS.
"""
import argparse
import hashlib
import hmac
import json
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify(header: str, secret: bytes, body: bytes, tolerance: int = 300) -> bool:
    parts = dict(p.strip().split("=", 1) for p in header.split(",") if "=" in p)
    try:
        t = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - t) > tolerance:
        return False
    expected = hmac.new(secret, f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    signatures = [v for k, v in (p.strip().split("=", 1) for p in header.split(",") if "=" in p) if k == "v1"]
    return any(hmac.compare_digest(expected, s) for s in signatures)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--secret-file", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--fail", type=int, default=0)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    args = ap.parse_args()
    secret = open(args.secret_file, "rb").read().strip()
    state = {"requests": 0}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with lock:
                state["requests"] += 1
                fail = state["requests"] <= args.fail
            if fail:
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            ok = verify(self.headers.get("X-LeakGuard-Signature", ""), secret, body)
            record = {"event_id": self.headers.get("X-LeakGuard-Event-Id"), "type": self.headers.get("X-LeakGuard-Event")}
            if ok:
                event = json.loads(body)
                record["incident_id"] = event["incident"]["id"]
                record["body_event_id"] = event["event_id"]
            else:
                record["bad_signature"] = True
            with lock, open(args.out, "a") as f:
                f.write(json.dumps(record) + "\n")
            self.send_response(204 if ok else 401)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(f"listening on {args.port}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
