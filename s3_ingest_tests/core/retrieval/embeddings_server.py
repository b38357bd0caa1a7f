"""A local OpenAI-compatible /embeddings server with added latency that counts how many requests
it holds at once: for the HTTP embedder's concurrency tests and bench/http_embedding.py.

A text "t <n>" is embedded as [n, 1, 0, ...] (any other text as [its length, 1, 0, ...]): the
caller can tell which vector is whose. Data
items come back in reverse order with their `index`, as the API allows."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class EmbeddingsServer:
    def __init__(self, latency_s: float = 0.0, *, hold_until: int = 0, key: str | None = None,
                 fail_text: str | None = None, dimension: int = 8,
                 hold_timeout_s: float = 10) -> None:
        """`hold_until`: each request waits (up to `hold_timeout_s`) until that many are in
        flight at once before it is answered - so a test knows they overlapped without timing
        anything."""
        self.latency_s, self.hold_until, self.key = latency_s, hold_until, key
        self.hold_timeout_s = hold_timeout_s
        self.fail_text, self.dimension = fail_text, dimension
        self.in_flight = self.max_in_flight = self.requests = 0
        self.headers: list[dict[str, str]] = []
        self.cond = threading.Condition()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status, payload = server.answer(body, dict(self.headers))
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, body: dict, headers: dict[str, str]) -> tuple[int, dict]:
        with self.cond:
            self.requests += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.headers.append(headers)
            self.cond.notify_all()
            self.cond.wait_for(lambda: self.max_in_flight >= self.hold_until,
                               timeout=self.hold_timeout_s)
        try:
            time.sleep(self.latency_s)
            if self.key and headers.get("Authorization") != f"Bearer {self.key}":
                return 401, {"error": {"message": "bad key"}}
            if self.fail_text in body["input"]:
                return 400, {"error": {"message": "input rejected"}}
            data = [{"index": i, "embedding": [_number(text), 1.0] + [0.0] * (self.dimension - 2)}
                    for i, text in enumerate(body["input"])]
            return 200, {"data": data[::-1], "model": body["model"]}
        finally:
            with self.cond:
                self.in_flight -= 1

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def __enter__(self) -> EmbeddingsServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _number(text: str) -> float:
    last = text.split()[-1] if text.split() else ""
    return float(last) if last.isdigit() else float(len(text))
