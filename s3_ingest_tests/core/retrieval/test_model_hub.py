"""Hub ids load through huggingface_hub - its cache, HF_HUB_OFFLINE, a pinned revision - here
from a local endpoint (HF_ENDPOINT) serving the all-MiniLM-L6-v2 files a package ships.

Each load runs in a fresh process, configured only by the environment as a user's would be
(huggingface_hub reads HF_HOME and HF_ENDPOINT when it is imported), as a production install:
no package carrying the model. A connection to anything but 127.0.0.1 fails the process.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from s3_ingest.core.retrieval import model_files
from s3_ingest.core.retrieval.model_files import (
    DEFAULT_MODEL, DEFAULT_REVISION, DEFAULT_WEIGHTS_SHA256,
)
from s3_ingest_tests.core.retrieval.hub_server import HubServer

SHIPPED = Path(model_files._bundled_directory(DEFAULT_MODEL))
TEXTS = ["employee vacation policy", "invoice payment terms"]

SCRIPT = """
import json, os, socket, sys
real_connect = socket.socket.connect
def loopback_only(self, address):
    if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1", "localhost"):
        raise AssertionError(f"network access attempted: {address}")
    return real_connect(self, address)
socket.socket.connect = loopback_only
from s3_ingest.core.retrieval import model_files
from s3_ingest.core.retrieval.local_embedder import LocalEmbedder
model_files.BUNDLED = {}  # a production install: no package carries the model
out = []
for endpoint, model, revision in json.loads(sys.argv[1]):
    if endpoint:
        os.environ["HF_ENDPOINT"] = endpoint
    try:
        out.append({"vectors": LocalEmbedder(model, revision=revision).embed(%r)})
    except Exception as e:
        out.append({"error": type(e).__name__, "message": str(e)})
print(json.dumps(out))
""" % (TEXTS,)


def load(home, loads, endpoint=None, offline=False):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update(HF_HOME=str(home), HF_ENDPOINT=endpoint or "http://127.0.0.1:9")
    if offline:
        env["HF_HUB_OFFLINE"] = "1"
    done = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(loads)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def reference():
    return load("/nonexistent", [[None, str(SHIPPED), None]])[0]["vectors"]


def test_the_default_downloads_at_its_pinned_revision_then_runs_offline(tmp_path):
    [empty] = load(tmp_path, [[None, DEFAULT_MODEL, None]], offline=True)
    assert empty["error"] == "EmbedderError"
    assert "HF_HUB_OFFLINE is set" in empty["message"] and DEFAULT_MODEL in empty["message"]
    assert "demo" in empty["message"] and "S3_INGEST_LOCAL_MODEL" in empty["message"]

    with HubServer({DEFAULT_MODEL: SHIPPED}, DEFAULT_REVISION) as hub:
        [online] = load(tmp_path, [[None, DEFAULT_MODEL, None]], hub.url)
    expected = reference()
    assert online["vectors"] == expected
    resolved = [path for _, path in hub.requests if "/resolve/" in path]
    assert f"/{DEFAULT_MODEL}/resolve/{DEFAULT_REVISION}/model.safetensors" in resolved
    assert f"/{DEFAULT_MODEL}/resolve/{DEFAULT_REVISION}/1_Pooling/config.json" in resolved
    assert all(f"/resolve/{DEFAULT_REVISION}/" in path for path in resolved)
    # huggingface_hub's own cache layout: the weights' blob is named by their SHA-256.
    repo = tmp_path / "hub" / "models--sentence-transformers--all-MiniLM-L6-v2"
    assert (repo / "blobs" / DEFAULT_WEIGHTS_SHA256).is_file()
    assert (repo / "snapshots" / DEFAULT_REVISION / "model.safetensors").exists()

    # The server is gone: HF_HUB_OFFLINE reads the cache and asks nobody.
    [offline] = load(tmp_path, [[None, DEFAULT_MODEL, None]], offline=True)
    assert offline["vectors"] == expected


def test_weights_that_are_not_the_expected_ones_stop_embedding(tmp_path):
    repos = {DEFAULT_MODEL: SHIPPED, "acme/minilm": SHIPPED}
    with HubServer(repos, DEFAULT_REVISION, tamper=True) as bad, \
            HubServer(repos, DEFAULT_REVISION) as good:
        pinned, unpinned, again = load(tmp_path, [
            [bad.url, DEFAULT_MODEL, None],  # held to the pinned digest
            [bad.url, "acme/minilm", None],  # no pin: held to the Hub's own (its LFS ETag)
            [good.url, "acme/minilm", None],  # the bad blob was not kept: downloaded again
        ])
    for failed in (pinned, unpinned):
        assert failed["error"] == "WeightsMismatch", failed
        message = failed["message"]
        assert "model.safetensors" in message and f"expected {DEFAULT_WEIGHTS_SHA256}" in message
        found = message.split("has SHA-256 ")[1].split(",")[0]
        assert len(found) == 64 and found != DEFAULT_WEIGHTS_SHA256
    assert again["vectors"] == reference()
