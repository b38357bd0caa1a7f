"""A small HTTP proxy on 127.0.0.1 in front of a local S3 endpoint, for tests and bench.

It counts requests by kind (list, get, head, put, ...), and can add latency to every request or
fault a share of them: 503 SlowDown, 500 InternalError, a reset connection, a stall, or an object
body cut off halfway (after its full Content-Length was announced) by a clean close or a reset,
or delivered whole with one byte changed. It can also fill in the RestoreStatus that moto's
listings leave out. The S3
client talks to the proxy's URL as if it were the endpoint (path-style addressing).
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import random
import re
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, urlsplit

FAULT_KINDS = ("slowdown", "internal_error", "reset", "delay", "truncate", "truncate_reset",
               "corrupt")
BODY_FAULTS = ("truncate", "truncate_reset", "corrupt")  # only an object GET has a body

_ERROR_BODY = (
    '<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
    "<Message>{message}</Message><RequestId>proxy</RequestId></Error>"
)


@dataclass
class ProxySettings:
    latency_s: float = 0.0
    fault_share: float = 0.0
    fault_kinds: tuple[str, ...] = FAULT_KINDS
    stall_s: float = 2.0  # how long a "delay" fault holds the request (past the read timeout)
    seed: int = 0
    # Fill in a listing's RestoreStatus from each archived object's restore state upstream, as
    # S3 does when asked (moto's listings leave it out).
    restore_status: bool = False


@dataclass
class ProxyStats:
    requests: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, kind: str) -> None:
        with self.lock:
            self.requests[kind] += 1

    def fault(self, kind: str) -> None:
        with self.lock:
            self.faults[kind] += 1


def request_kind(method: str, path: str) -> str:
    """list / get / head / put / delete / other, from the method and path-style URL."""
    parts = urlsplit(path)
    segments = [s for s in parts.path.split("/") if s]
    if method == "GET" and len(segments) <= 1:
        return "list"
    return {"GET": "get", "HEAD": "head", "PUT": "put", "DELETE": "delete"}.get(method, "other")


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # the default backlog of 5 refuses a burst of concurrent GETs
    daemon_threads = True


class S3Proxy:
    """`with S3Proxy(upstream_url) as proxy: proxy.url ...`"""

    def __init__(self, upstream_url: str, settings: ProxySettings | None = None) -> None:
        self.upstream = urlsplit(upstream_url)
        self.settings = settings or ProxySettings()
        self.stats = ProxyStats()
        self._random = random.Random(self.settings.seed)
        self._random_lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def _roll(self) -> str | None:
        settings = self.settings
        if settings.fault_share <= 0:
            return None
        with self._random_lock:
            if self._random.random() >= settings.fault_share:
                return None
            return self._random.choice(settings.fault_kinds)

    def _with_restore_status(self, path: str, listing: bytes, authorization: str) -> bytes:
        """The listing with a RestoreStatus in each archived entry whose restore was requested,
        read from the entry's `Restore` header upstream (a HEAD that is not counted, made with
        the listing's credentials: moto checks whose request it is, not its signature)."""
        bucket = [s for s in urlsplit(path).path.split("/") if s][0]

        def entry(match: re.Match[bytes]) -> bytes:
            block = match.group(0)
            if not re.search(rb"<StorageClass>(GLACIER|DEEP_ARCHIVE)</StorageClass>", block):
                return block
            key = html.unescape(re.search(rb"<Key>(.*?)</Key>", block, re.S).group(1).decode())
            upstream = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port,
                                                  timeout=60)
            try:
                upstream.request("HEAD", f"/{bucket}/{quote(key)}",
                                 headers={"Authorization": authorization})
                restore = upstream.getresponse().getheader("x-amz-restore") or ""
            finally:
                upstream.close()
            if not restore:
                return block
            status = (b"<RestoreStatus><IsRestoreInProgress>"
                      + (b"true" if 'ongoing-request="true"' in restore else b"false")
                      + b"</IsRestoreInProgress></RestoreStatus>")
            return block.replace(b"</Contents>", status + b"</Contents>")

        return re.sub(rb"<Contents>.*?</Contents>", entry, listing, flags=re.S)

    def start(self) -> S3Proxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _control(self) -> bool:
                """`/__proxy/stats` (GET) and `/__proxy/reset` (POST), for a proxy run as its
                own process (bench); never forwarded, never counted."""
                if not self.path.startswith("/__proxy/"):
                    return False
                if self.path == "/__proxy/reset":
                    with proxy.stats.lock:
                        proxy.stats.requests.clear()
                        proxy.stats.faults.clear()
                body = json.dumps({"requests": dict(proxy.stats.requests),
                                   "faults": dict(proxy.stats.faults)}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return True

            def _forward(self) -> None:
                if self._control():
                    return
                kind = request_kind(self.command, self.path)
                proxy.stats.count(kind)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if proxy.settings.latency_s:
                    time.sleep(proxy.settings.latency_s)
                fault = proxy._roll()
                if fault in BODY_FAULTS and kind != "get":
                    fault = None
                if fault:
                    proxy.stats.fault(fault)
                if fault == "reset":
                    # SO_LINGER 0 makes close() send a RST: a "connection reset by peer".
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.close_connection = True
                    self.connection.close()
                    return
                if fault == "delay":
                    time.sleep(proxy.settings.stall_s)
                if fault in ("slowdown", "internal_error"):
                    status, code = (503, "SlowDown") if fault == "slowdown" else (500, "InternalError")
                    payload = _ERROR_BODY.format(code=code, message="injected by the test proxy")
                    data = payload.encode() if self.command != "HEAD" else b""
                    self.send_response(status)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(payload.encode())))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                upstream = http.client.HTTPConnection(
                    proxy.upstream.hostname, proxy.upstream.port, timeout=60
                )
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    response = upstream.getresponse()
                    data = response.read()
                    if (kind == "list" and response.status == 200 and proxy.settings.restore_status
                            and "RestoreStatus" in self.headers.get(
                                "x-amz-optional-object-attributes", "")):
                        data = proxy._with_restore_status(
                            self.path, data, self.headers.get("Authorization", ""))
                    self.send_response(response.status, response.reason)
                    for key, value in response.getheaders():
                        if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                            self.send_header(key, value)
                    length_header = response.getheader("Content-Length")
                    self.send_header(
                        "Content-Length", length_header if self.command == "HEAD" and length_header
                        else str(len(data))
                    )
                    self.end_headers()
                    if fault == "corrupt" and data and response.status == 200:
                        self.wfile.write(bytes([data[0] ^ 0x20]) + data[1:])
                    elif fault in BODY_FAULTS and len(data) > 1 and response.status == 200:
                        self._cut(data, reset=fault == "truncate_reset")
                    elif self.command != "HEAD":
                        self.wfile.write(data)
                finally:
                    upstream.close()

            def _cut(self, data: bytes, *, reset: bool) -> None:
                """Half the body, then the connection ends: a clean close (the client sees
                fewer bytes than Content-Length said) or a reset."""
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                if reset:
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> S3Proxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    """Run a proxy as its own process: prints its URL, serves until killed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--fault-share", type=float, default=0.0)
    args = parser.parse_args()
    settings = ProxySettings(latency_s=args.latency_ms / 1000, fault_share=args.fault_share)
    proxy = S3Proxy(args.upstream, settings).start()
    print(proxy.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        proxy.stop()


if __name__ == "__main__":
    main()
