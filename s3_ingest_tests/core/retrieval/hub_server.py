"""A local stand-in for the Hugging Face Hub's file endpoint, serving a model directory.

huggingface_hub resolves `{endpoint}/{repo_id}/resolve/{revision}/{filename}`: a HEAD for the
metadata, then a GET. It reads X-Repo-Commit (the commit a branch name resolves to), the ETag
(a Git LFS file's is its SHA-256, under X-Linked-Etag when the Hub redirects to its CDN; a
small file's is its Git blob id) and the size (X-Linked-Size or Content-Length); the ETag
names the blob in its cache. Missing files answer 404 with X-Error-Code: EntryNotFound.
"""

from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

LFS_SUFFIXES = (".safetensors", ".bin", ".onnx")


class HubServer:
    def __init__(self, repos: dict[str, Path], commit: str, *, tamper: bool = False) -> None:
        self.repos, self.commit, self.tamper = repos, commit, tamper
        self.requests: list[tuple[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
                self._answer(body=False)

            def do_GET(self) -> None:  # noqa: N802
                self._answer(body=True)

            def _answer(self, body: bool) -> None:
                server.requests.append((self.command, self.path))
                found = server.file(self.path)
                if found is None:
                    self.send_response(404)
                    self.send_header("X-Error-Code", "EntryNotFound")
                    self.send_header("X-Repo-Commit", server.commit)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data, etag, lfs = found
                self.send_response(200)
                self.send_header("X-Repo-Commit", server.commit)
                self.send_header("ETag", f'"{etag}"')
                if lfs:
                    self.send_header("X-Linked-Etag", f'"{etag}"')
                    self.send_header("X-Linked-Size", str(len(data)))
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Accept-Ranges", "bytes")
                self.end_headers()
                if body:
                    self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def file(self, path: str) -> tuple[bytes, str, bool] | None:
        parts = path.split("?", 1)[0].strip("/").split("/")
        if len(parts) < 5 or parts[2] != "resolve" or parts[3] not in ("main", self.commit):
            return None
        repo, filename = "/".join(parts[:2]), "/".join(parts[4:])
        target = self.repos.get(repo, Path("/nonexistent")) / filename
        if not target.is_file():
            return None
        data = target.read_bytes()
        lfs = filename.endswith(LFS_SUFFIXES)
        if lfs:
            etag = hashlib.sha256(data).hexdigest()
            if self.tamper:  # the ETag of the real file, the bytes of another
                data = data[:-1] + bytes([data[-1] ^ 1])
        else:
            etag = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
        return data, etag, lfs

    def __enter__(self) -> HubServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)
