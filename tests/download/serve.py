#!/usr/bin/env python3
"""A local HTTP server for the download tests: serves ROOT with Range requests (206),
answers 404 for what is not there, redirects /moved/NAME to /NAME (301), and can cut the
connection once per file after K bytes, or ignore Range requests (200, the whole file).
Each request is logged as one JSON line: path, range header, status, bytes it sends. The
line is written before the client is sent anything, so the log is in the order the client
saw its answers, whatever it does next (libcurl answers a refused 200 with a new request
while this one may still be writing).

  serve.py --root DIR --port-file FILE --log FILE [--cut-after K] [--ignore-range]

The port it listens on (127.0.0.1, chosen by the system) is written to --port-file once
it accepts connections.
"""
import argparse
import http.server
import json
import os
import re
import socket
import threading


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--cut-after", type=int, default=-1)
    ap.add_argument("--ignore-range", action="store_true")
    args = ap.parse_args()
    lock = threading.Lock()
    cut_done = set()

    class Handler(http.server.SimpleHTTPRequestHandler):
        # SimpleHTTPRequestHandler ignores Range; this one serves the asked-for tail.
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=args.root, **kw)

        def log_message(self, *a):
            pass

        def record(self, status, sent):
            with lock, open(args.log, "a") as f:
                f.write(json.dumps({"path": self.path, "range": self.headers.get("Range"),
                                    "status": status, "bytes": sent}) + "\n")

        def do_GET(self):
            if self.path.startswith("/moved/"):
                self.record(301, 0)
                self.send_response(301)
                self.send_header("Location", self.path[len("/moved"):])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            path = os.path.join(args.root, self.path.lstrip("/").split("?")[0])
            if not os.path.isfile(path):
                self.record(404, 0)
                self.send_error(404, "Not Found")
                return
            with open(path, "rb") as f:
                data = f.read()
            size, start = len(data), 0
            rng = self.headers.get("Range")
            m = None if args.ignore_range else re.fullmatch(r"bytes=(\d+)-", rng or "")
            if m:
                start = int(m.group(1))
                if start >= size:
                    self.record(416, 0)
                    self.send_response(416)
                    self.send_header("Content-Range", "bytes */%d" % size)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
            body = data[start:]
            with lock:
                cut = args.cut_after >= 0 and self.path not in cut_done and len(body) > args.cut_after
                if cut:
                    cut_done.add(self.path)
            self.record(206 if m else 200, args.cut_after if cut else len(body))
            if m:
                self.send_response(206)
                self.send_header("Content-Range", "bytes %d-%d/%d" % (start, size - 1, size))
            else:
                self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size - start))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            try:
                if cut:
                    self.wfile.write(body[:args.cut_after])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)  # the peer sees the transfer end short
                else:
                    self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # libcurl hanging up on a refused 200
                pass
            self.close_connection = self.close_connection or cut

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
