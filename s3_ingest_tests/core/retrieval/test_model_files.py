"""Any BERT-family sentence model: pooling and normalisation come from the model's own files,
and its weights are checked against their SHA-256 every time they load."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from tokenizers import Tokenizer

from s3_ingest.core.retrieval import local_embedder, model_files
from s3_ingest.core.retrieval.embedder import EmbedderError
from s3_ingest.core.retrieval.embedder_choice import embedder_from_env
from s3_ingest.core.retrieval.local_embedder import LocalEmbedder
from s3_ingest.core.retrieval.local_minilm import LocalMiniLM
from s3_ingest.core.retrieval.model_files import DEFAULT_MODEL, WeightsMismatch
from s3_ingest_tests.core.retrieval.tiny_bert import make_tiny_bert, reference_states

SHIPPED = Path(model_files._bundled_directory(DEFAULT_MODEL))
TEXTS = ["Staff may carry over five days of leave.", "Invoices are paid within 30 days",
         "a"]


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.setattr(local_embedder, "_models", {})


def ids(text):
    tokenizer = Tokenizer.from_file(str(SHIPPED / "tokenizer.json"))
    tokenizer.no_padding()
    return tokenizer.encode(text).ids


@pytest.mark.parametrize("pooling, normalize", [("cls", False), ("mean", True), ("cls", True)])
def test_pooling_and_normalisation_come_from_the_model_files(tmp_path, pooling, normalize):
    w = make_tiny_bert(tmp_path / "tiny", SHIPPED / "tokenizer.json", pooling, normalize)
    embedder = LocalEmbedder(str(tmp_path / "tiny"))
    got = np.array(embedder.embed(TEXTS))
    assert embedder.dimension == 32 and embedder.max_tokens == 48
    for text, vector in zip(TEXTS, got):
        states = reference_states(w, ids(text))
        want = states[0] if pooling == "cls" else states.mean(0)
        if normalize:
            want = want / np.linalg.norm(want)
        np.testing.assert_allclose(vector, want, rtol=0, atol=2e-4)
    norms = np.linalg.norm(got, axis=1)
    assert np.allclose(norms, 1.0, atol=1e-5) == normalize


def test_a_checkpoint_saved_with_its_head_prefix_loads(tmp_path):
    w = make_tiny_bert(tmp_path / "tiny", SHIPPED / "tokenizer.json", "cls", True, prefix="bert.")
    got = LocalEmbedder(str(tmp_path / "tiny")).embed(TEXTS[:1])[0]
    want = reference_states(w, ids(TEXTS[0]))[0]
    np.testing.assert_allclose(got, want / np.linalg.norm(want), atol=2e-4)


def test_stages_it_cannot_run_are_refused_by_name(tmp_path):
    make_tiny_bert(tmp_path / "tiny", SHIPPED / "tokenizer.json", "mean", True)
    modules = json.loads((tmp_path / "tiny" / "modules.json").read_text())
    modules.insert(2, {"idx": 2, "name": "2", "path": "2_Dense",
                       "type": "sentence_transformers.models.Dense"})
    (tmp_path / "tiny" / "modules.json").write_text(json.dumps(modules))
    with pytest.raises(EmbedderError, match="Dense"):
        LocalEmbedder(str(tmp_path / "tiny")).embed(["x"])


def test_a_model_directory_is_held_to_a_given_digest(tmp_path):
    make_tiny_bert(tmp_path / "tiny", SHIPPED / "tokenizer.json", "cls", True)
    with pytest.raises(WeightsMismatch) as caught:
        LocalEmbedder(str(tmp_path / "tiny"), weights_sha256="0" * 64).embed(["x"])
    assert str(tmp_path / "tiny" / "model.safetensors") in str(caught.value)
    assert "expected " + "0" * 64 in str(caught.value)


def test_a_damaged_packaged_copy_of_the_default_stops_embedding(tmp_path, monkeypatch):
    copy = tmp_path / "pkg" / "data" / "embeddings" / "sentence-transformers__all-MiniLM-L6-v2"
    shutil.copytree(SHIPPED, copy)
    with open(copy / "model.safetensors", "r+b") as f:
        f.seek(-1, 2)
        last = f.read(1)
        f.seek(-1, 2)
        f.write(bytes([last[0] ^ 1]))
    monkeypatch.setattr(model_files, "_bundled_directory", lambda name: str(copy))
    with pytest.raises(WeightsMismatch) as caught:
        LocalMiniLM().embed(["a query"])
    message = str(caught.value)
    assert str(copy / "model.safetensors") in message
    assert f"expected {model_files.DEFAULT_WEIGHTS_SHA256}" in message


def test_the_model_is_chosen_by_configuration(tmp_path, monkeypatch):
    make_tiny_bert(tmp_path / "tiny", SHIPPED / "tokenizer.json", "cls", True)
    monkeypatch.delenv("S3_INGEST_EMBEDDINGS_URL", raising=False)
    monkeypatch.setenv("S3_INGEST_LOCAL_MODEL", str(tmp_path / "tiny"))
    embedder = embedder_from_env()
    assert embedder.model == str(tmp_path / "tiny") and embedder.dimension == 32
    from s3_ingest.defs.resources.embedder import embedder_resource

    resource = embedder_resource()
    assert resource.model == str(tmp_path / "tiny")
    assert resource.embedder().dimension == 32
    monkeypatch.delenv("S3_INGEST_LOCAL_MODEL")
    assert isinstance(embedder_from_env(), LocalMiniLM)


def test_a_production_install_carries_no_package_for_the_weights():
    """Issue 19: the package that carries the default's files (and pandas and DuckDB with it)
    comes only with the demo and test extras; a production install loads through the Hub."""
    from importlib.metadata import requires

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    carriers = {canonicalize_name(package) for package, _ in model_files.BUNDLED.values()}
    wanted = [Requirement(line) for line in requires("s3_ingest") or ()]
    production = {canonicalize_name(r.name) for r in wanted
                  if r.marker is None or r.marker.evaluate({"extra": ""})}
    for extra in ("demo", "test"):
        offline = {canonicalize_name(r.name) for r in wanted
                   if r.marker is not None and r.marker.evaluate({"extra": extra})}
        assert carriers <= offline, extra
    assert carriers and not carriers & production
