"""A tiny random BERT sentence model written as sentence-transformers lays one out, and a plain
NumPy reference of its forward pass (one text at a time, no batching, exact GELU)."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

WIDTH, HEADS, LAYERS, INNER, VOCAB, POSITIONS = 32, 4, 2, 64, 30522, 64


def make_tiny_bert(directory: Path, tokenizer_json: Path, pooling: str, normalize: bool,
                   seed: int = 0, prefix: str = "") -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)

    def r(*shape):
        return (rng.standard_normal(shape) * 0.2).astype(np.float32)

    w = {"embeddings.word_embeddings.weight": r(VOCAB, WIDTH),
         "embeddings.position_embeddings.weight": r(POSITIONS, WIDTH),
         "embeddings.token_type_embeddings.weight": r(2, WIDTH),
         "embeddings.LayerNorm.weight": 1 + r(WIDTH), "embeddings.LayerNorm.bias": r(WIDTH)}
    for n in range(LAYERS):
        p = f"encoder.layer.{n}."
        for name, shape in (("attention.self.query", (WIDTH, WIDTH)),
                            ("attention.self.key", (WIDTH, WIDTH)),
                            ("attention.self.value", (WIDTH, WIDTH)),
                            ("attention.output.dense", (WIDTH, WIDTH)),
                            ("intermediate.dense", (INNER, WIDTH)),
                            ("output.dense", (WIDTH, INNER))):
            w[p + name + ".weight"], w[p + name + ".bias"] = r(*shape), r(shape[0])
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            w[p + norm + ".weight"], w[p + norm + ".bias"] = 1 + r(WIDTH), r(WIDTH)
    directory.mkdir(parents=True)
    save_file({prefix + k: v for k, v in w.items()}, str(directory / "model.safetensors"))
    config = {"model_type": "bert", "architectures": ["BertModel"], "hidden_size": WIDTH,
              "num_attention_heads": HEADS, "num_hidden_layers": LAYERS,
              "intermediate_size": INNER, "hidden_act": "gelu", "layer_norm_eps": 1e-12,
              "max_position_embeddings": POSITIONS, "vocab_size": VOCAB, "type_vocab_size": 2}
    (directory / "config.json").write_text(json.dumps(config))
    shutil.copy(tokenizer_json, directory / "tokenizer.json")
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    if normalize:
        modules.append({"idx": 2, "name": "2", "path": "2_Normalize",
                        "type": "sentence_transformers.models.Normalize"})
    (directory / "modules.json").write_text(json.dumps(modules))
    (directory / "1_Pooling").mkdir()
    (directory / "1_Pooling" / "config.json").write_text(json.dumps({
        "word_embedding_dimension": WIDTH, "pooling_mode_cls_token": pooling == "cls",
        "pooling_mode_mean_tokens": pooling == "mean", "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False}))
    (directory / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 48}))
    return w


def reference_states(w: dict[str, np.ndarray], ids: list[int]) -> np.ndarray:
    """The token states of one text: BERT as written in its paper, in float64."""
    w = {k: v.astype(np.float64) for k, v in w.items()}

    def norm(x, name):
        mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + 1e-12) * w[name + ".weight"] + w[name + ".bias"]

    def dense(x, name):
        return x @ w[name + ".weight"].T + w[name + ".bias"]

    gelu = np.vectorize(lambda v: 0.5 * v * (1 + math.erf(v / math.sqrt(2))))
    x = (w["embeddings.word_embeddings.weight"][ids]
         + w["embeddings.position_embeddings.weight"][: len(ids)]
         + w["embeddings.token_type_embeddings.weight"][0])
    x = norm(x, "embeddings.LayerNorm")
    head = WIDTH // HEADS
    for n in range(LAYERS):
        p = f"encoder.layer.{n}."
        q, k, v = (dense(x, p + f"attention.self.{s}") for s in ("query", "key", "value"))
        heads = []
        for h in range(HEADS):
            cut = slice(h * head, (h + 1) * head)
            scores = q[:, cut] @ k[:, cut].T / math.sqrt(head)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            heads.append(scores / scores.sum(-1, keepdims=True) @ v[:, cut])
        x = norm(x + dense(np.concatenate(heads, -1), p + "attention.output.dense"),
                 p + "attention.output.LayerNorm")
        x = norm(x + dense(gelu(dense(x, p + "intermediate.dense")), p + "output.dense"),
                 p + "output.LayerNorm")
    return x
