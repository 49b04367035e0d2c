#!/usr/bin/env python3
"""A fault-injecting HTTP proxy in front of an S3 server, for the upload retry tests.

Clients talk to the proxy as if it were the store (the Host header is passed through
unchanged, so SigV4 signatures still verify upstream). Each request, in arrival order, gets
the next fault of a repeating pattern:

    ok            forward, return the answer
    500 / 503     answer this status without forwarding
    429           answer "Too Many Requests" (SlowDown) without forwarding
    drop-before   close the connection without forwarding
    drop-after    forward (the store keeps the object!), then close without answering
    stall         forward nothing and answer nothing for --stall-seconds, then close

With --stall-first-put SUFFIX, the first PUT of a path ending in SUFFIX stalls (as above)
whatever the pattern says, and is not counted in it: a client stopped between two uploads.

Prints one JSON line {"endpoint": "http://127.0.0.1:PORT"} and serves until stdin closes.
On exit (stdin closed) prints {"counts": {...}, "puts": {...}}: how many of each fault were
served, and how many PUT requests the store accepted (2xx) for each path.
"""
import argparse
import json
import socket
import sys
import threading
import time

ERROR_BODY = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code>'
              b'<Message>injected by fault_proxy</Message></Error>')


def read_request(conn):
    """One request (head + Content-Length body) from a client, or None at EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        body += chunk
    return head, body


def with_connection_close(head):
    lines = [l for l in head.split(b"\r\n")
             if not l.lower().startswith(b"connection:") and not l.lower().startswith(b"keep-alive:")]
    return b"\r\n".join(lines + [b"Connection: close"])


def forward(upstream, head, body):
    """Sends the request upstream on a fresh connection; returns the raw answer."""
    with socket.create_connection(upstream, timeout=30) as up:
        up.sendall(with_connection_close(head) + b"\r\n\r\n" + body)
        answer = b""
        while True:
            chunk = up.recv(65536)
            if not chunk:
                break
            answer += chunk
    answer_head, sep, answer_body = answer.partition(b"\r\n\r\n")
    return with_connection_close(answer_head) + sep + answer_body


def status_answer(status, reason, code):
    body = ERROR_BODY % code
    return (b"HTTP/1.1 %d %s\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n"
            b"Connection: close\r\n\r\n" % (status, reason, len(body))) + body


class Proxy:
    def __init__(self, upstream, pattern, stall_seconds, stall_first_put=None):
        self.upstream = upstream
        self.stall_first_put = stall_first_put
        self.pattern = pattern
        self.stall_seconds = stall_seconds
        self.index = 0
        self.lock = threading.Lock()
        self.counts = {}
        self.puts = {}

    def count_put(self, head, answer):
        """Counts a PUT the store accepted (2xx; a refused conditional PUT stores nothing)."""
        method, _, rest = head.split(b"\r\n", 1)[0].partition(b" ")
        status = answer.split(b"\r\n", 1)[0].split(b" ")
        if method == b"PUT" and len(status) > 1 and status[1].startswith(b"2"):
            path = rest.rpartition(b" ")[0].split(b"?", 1)[0].decode("latin-1")
            with self.lock:
                self.puts[path] = self.puts.get(path, 0) + 1

    def stalls_first_put(self, head):
        method, _, rest = head.split(b"\r\n", 1)[0].partition(b" ")
        path = rest.rpartition(b" ")[0].split(b"?", 1)[0].decode("latin-1")
        with self.lock:
            if method != b"PUT" or not self.stall_first_put or \
                    not path.endswith(self.stall_first_put):
                return False
            self.stall_first_put = None
            self.counts["stall-first-put"] = 1
            return True

    def next_fault(self):
        with self.lock:
            fault = self.pattern[self.index % len(self.pattern)]
            self.index += 1
            self.counts[fault] = self.counts.get(fault, 0) + 1
            return fault

    def handle(self, conn):
        with conn:
            request = read_request(conn)
            if request is None:
                return
            head, body = request
            if self.stalls_first_put(head):
                time.sleep(self.stall_seconds)
                return
            fault = self.next_fault()
            if fault == "ok":
                answer = forward(self.upstream, head, body)
                self.count_put(head, answer)
                conn.sendall(answer)
            elif fault in ("500", "503"):
                conn.sendall(status_answer(int(fault), b"Server Error", b"InternalError"))
            elif fault == "429":
                conn.sendall(status_answer(429, b"Too Many Requests", b"SlowDown"))
            elif fault == "drop-before":
                pass
            elif fault == "drop-after":
                self.count_put(head, forward(self.upstream, head, body))
            elif fault == "stall":
                time.sleep(self.stall_seconds)
            # Closing without "Connection: close" handling: one request per connection.


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="http://127.0.0.1:PORT of the store")
    parser.add_argument("--pattern", default="ok,500,drop-after,ok,429,drop-before,stall,503",
                        help="comma-separated faults, repeated in order")
    parser.add_argument("--stall-seconds", type=float, default=5.0)
    parser.add_argument("--stall-first-put", default=None,
                        help="stall the first PUT of a path ending in this")
    args = parser.parse_args()

    host_port = args.upstream.split("://", 1)[-1].rstrip("/")
    host, _, port = host_port.rpartition(":")
    proxy = Proxy((host, int(port)), args.pattern.split(","), args.stall_seconds,
                  args.stall_first_put)

    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(64)

    def accept_loop():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=proxy.handle, args=(conn,), daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()
    print(json.dumps({"endpoint": "http://127.0.0.1:%d" % server.getsockname()[1]}), flush=True)
    sys.stdin.read()
    print(json.dumps({"counts": proxy.counts, "puts": proxy.puts}), flush=True)
    server.close()


if __name__ == "__main__":
    main()
