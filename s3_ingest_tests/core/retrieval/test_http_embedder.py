"""The OpenAI-compatible embedder against a real HTTP server the test starts: batches, retries
with backoff, and a key that never leaves the Authorization header."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from s3_ingest.core.retrieval.embedder import EmbedderError
from s3_ingest.core.retrieval.http_embedder import HttpEmbedder

SECRET = "sk-test-7f3a9c-never-log-me"


class Endpoint:
    """An /embeddings server: answers each request with the next scripted status (200 once
    the script is used up); a vector's first component is the input's length."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: list[int] = []
        self.lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with endpoint.lock:
                    endpoint.requests.append({"path": self.path, "body": body,
                                              "auth": self.headers.get("Authorization")})
                    status = endpoint.script.pop(0) if endpoint.script else 200
                if status != 200:
                    self.send_response(status)
                    self.send_header("Retry-After", "0")
                    self.end_headers()
                    return
                data = [{"index": i, "embedding": [float(len(text)), 1.0, 0.0]}
                        for i, text in enumerate(body["input"])]
                payload = json.dumps({"data": list(reversed(data)), "model": body["model"]})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(payload.encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def endpoint():
    server = Endpoint()
    yield server
    server.server.shutdown()


def embedder(endpoint, **kwargs):
    return HttpEmbedder(endpoint.url, "nomic-embed-text", SECRET, sleep=lambda s: None, **kwargs)


def test_batches_and_keeps_order(endpoint):
    texts = ["a" * n for n in range(1, 8)]
    vectors = embedder(endpoint, batch_size=3).embed(texts)
    # Batches are in flight at once (issue 19), so they may arrive in any order; the vectors
    # still come back in the texts' order (below).
    assert sorted(r["body"]["input"] for r in endpoint.requests) == sorted(
        [texts[0:3], texts[3:6], texts[6:]])
    assert all(r["path"] == "/v1/embeddings" for r in endpoint.requests)
    assert all(r["body"]["model"] == "nomic-embed-text" for r in endpoint.requests)
    assert all(r["auth"] == f"Bearer {SECRET}" for r in endpoint.requests)
    # Items come back in reverse: the embedder orders them by index, and normalises them.
    lengths = [v[0] / v[1] for v in vectors]
    assert lengths == pytest.approx(range(1, 8))
    assert all(abs(sum(x * x for x in v) - 1) < 1e-9 for v in vectors)


def test_throttling_and_server_errors_are_retried(endpoint):
    endpoint.script = [429, 503, 500]
    slept = []
    e = HttpEmbedder(endpoint.url, "m", SECRET, sleep=slept.append, max_attempts=5)
    assert len(e.embed(["x"])) == 1
    assert len(endpoint.requests) == 4
    assert slept == [0.0, 0.0, 0.0]  # Retry-After: 0 was honoured


def test_backoff_grows_without_retry_after():
    e = HttpEmbedder("http://127.0.0.1:9/v1", "m", SECRET, max_attempts=4, backoff_s=1.0,
                     timeout_s=0.5, sleep=(slept := []).append)
    with pytest.raises(EmbedderError) as failure:
        e.embed(["x"])
    assert len(slept) == 3 and slept[0] < slept[2]  # exponential, with jitter
    assert "unreachable" in str(failure.value)


def test_a_rejected_key_fails_at_once_and_is_never_shown(endpoint, caplog):
    endpoint.script = [401]
    e = embedder(endpoint)
    with pytest.raises(EmbedderError) as failure:
        e.embed(["x"])
    assert len(endpoint.requests) == 1  # retrying cannot fix a bad key
    shown = " ".join([str(failure.value), repr(failure.value), repr(e), str(vars(e).keys()),
                      caplog.text, repr(failure.value.__cause__), repr(failure.value.__context__)])
    assert "HTTP 401" in str(failure.value) and "API key" in str(failure.value)
    assert SECRET not in shown


def test_dimension_is_learnt_from_the_endpoint(endpoint):
    assert embedder(endpoint).dimension == 3
