"""How a sentence-transformers model turns token states into one vector, from its own files.

modules.json lists the model's stages: the Transformer, a Pooling stage whose config.json says
which pooling (mean for all-MiniLM-L6-v2, the [CLS] token for the bge models), and a Normalize
stage when the vectors are unit length. sentence_bert_config.json gives the window
(max_seq_length, special tokens included). Only what bert_numpy.py can run is accepted; anything
else (a Dense projection, another architecture) is refused by name rather than run wrongly.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from s3_ingest.core.retrieval.embedder import EmbedderError

_POOLING_MODES = {"pooling_mode_cls_token": "cls", "pooling_mode_mean_tokens": "mean",
                  "pooling_mode_max_tokens": "max"}
_KNOWN_OFF = ("pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens",
              "pooling_mode_lasttoken")


@dataclass(frozen=True, slots=True)
class SentenceConfig:
    pooling: str  # "mean", "cls" or "max"
    normalize: bool
    max_seq_length: int  # tokens the model reads, [CLS] and [SEP] included
    dimension: int


def _read(directory: str, *parts: str) -> dict | list:
    path = os.path.join(directory, *parts)
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise EmbedderError(f"model files in {directory}: cannot read {os.path.join(*parts)}: {e}") from e


def read_sentence_config(directory: str) -> SentenceConfig:
    config = _read(directory, "config.json")
    assert isinstance(config, dict)
    if config.get("model_type") != "bert" or config.get("hidden_act", "gelu") != "gelu" or \
            config.get("position_embedding_type", "absolute") != "absolute":
        raise EmbedderError(
            f"model in {directory} is {config.get('model_type')!r} with "
            f"{config.get('hidden_act')!r}: the local embedder runs BERT-family models with GELU "
            f"and absolute positions (all-MiniLM, bge, e5, gte); use an OpenAI-compatible "
            f"endpoint (S3_INGEST_EMBEDDINGS_URL) for others")
    modules = _read(directory, "modules.json")
    assert isinstance(modules, list)
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    unknown = [k for k in kinds if k not in ("Transformer", "Pooling", "Normalize")]
    if unknown or "Pooling" not in kinds:
        raise EmbedderError(f"model in {directory}: stages {kinds} in modules.json; the local "
                            f"embedder runs Transformer, Pooling and Normalize only")
    pooling_path = next(m["path"] for m in modules if m["type"].endswith(".Pooling"))
    pooling_config = _read(directory, pooling_path, "config.json")
    assert isinstance(pooling_config, dict)
    modes = [mode for key, mode in _POOLING_MODES.items() if pooling_config.get(key)]
    extra = [key for key in _KNOWN_OFF if pooling_config.get(key)]
    if len(modes) != 1 or extra:
        raise EmbedderError(f"model in {directory}: pooling {modes + extra} in "
                            f"{pooling_path}/config.json; one of cls, mean or max is supported")
    window = int(config.get("max_position_embeddings", 512))
    if os.path.isfile(os.path.join(directory, "sentence_bert_config.json")):
        bert_config = _read(directory, "sentence_bert_config.json")
        assert isinstance(bert_config, dict)
        window = min(window, int(bert_config.get("max_seq_length") or window))
    return SentenceConfig(modes[0], "Normalize" in kinds, window, int(config["hidden_size"]))
