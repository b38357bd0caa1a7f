"""What the every-path secret tests share: a PostgreSQL index URL with a password (the test
server trusts every connection, so any password works), an OpenAI-compatible /embeddings
endpoint that requires a key, and the search for both in everything a command or a run leaves:
its stdout and stderr and every file under DAGSTER_HOME (run storage, event logs, compute logs,
snapshots - SQLite cells and their zlib-compressed blobs opened)."""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from s3_ingest_tests.reliability.test_index_url_secret import files_holding, with_password

URL_ENV, MODEL_ENV, KEY_ENV = (
    "S3_INGEST_EMBEDDINGS_URL", "S3_INGEST_EMBEDDINGS_MODEL", "S3_INGEST_EMBEDDINGS_API_KEY")


@dataclass(frozen=True)
class Secrets:
    password: str
    api_key: str

    @classmethod
    def new(cls) -> Secrets:
        return cls(f"PgPass{uuid.uuid4().hex[:12]}", f"sk-EmbKey{uuid.uuid4().hex[:12]}")

    def index_url(self, database_url: str) -> str:
        return with_password(database_url, self.password)

    def leaks(self, home: Path, outputs: dict[str, str]) -> list[str]:
        found = []
        for name, secret in (("password", self.password), ("api key", self.api_key)):
            needle = secret.lower()
            found += [f"{name} in {where}" for where, text in outputs.items()
                      if needle in text.lower()]
            found += [f"{name} in DAGSTER_HOME/{path}"
                      for path in files_holding(home, needle.encode())]
        return found


class EmbeddingsEndpoint:
    """/v1/embeddings answering 3-dimensional vectors to requests that carry the key only."""

    def __init__(self, api_key: str) -> None:
        self.authorised = 0
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.headers.get("Authorization") != f"Bearer {api_key}":
                    self.send_response(401)
                    self.end_headers()
                    return
                endpoint.authorised += 1
                data = [{"index": i, "embedding": [float(len(text) % 7), 1.0, 0.5]}
                        for i, text in enumerate(body["input"])]
                payload = json.dumps({"data": data, "model": body["model"]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def env(self, api_key: str) -> dict[str, str]:
        return {URL_ENV: self.url, MODEL_ENV: "soak-embed-3", KEY_ENV: api_key}

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
