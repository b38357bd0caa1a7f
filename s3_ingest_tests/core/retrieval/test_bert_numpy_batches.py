"""How the NumPy encoder spends the cores: length-sorted batches with little padding, a batch
per core with BLAS on one thread, and the same vectors as one batch at a time."""

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from s3_ingest.core.retrieval import bert_numpy
from s3_ingest.core.retrieval.local_minilm import LocalMiniLM

TEXTS = [" ".join(f"word{i % 97}" for i in range(n)) for n in
         (3, 90, 17, 120, 64, 5, 99, 31, 88, 40, 12, 50, 70, 9, 30, 45) * 2]


@pytest.fixture
def spied(monkeypatch):
    encoder = LocalMiniLM().encoder()
    calls = []
    forward = type(encoder)._forward

    def spy(self, tokens, mask):
        blas = {info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"}
        calls.append((tokens.shape, int(mask.sum()), blas))
        return forward(self, tokens, mask)

    monkeypatch.setattr(type(encoder), "_forward", spy)
    return encoder, calls


def test_batches_are_sorted_by_length_so_padding_is_small(spied):
    encoder, calls = spied
    encoder.encode(TEXTS)
    padded = sum(shape[0] * shape[1] for shape, *_ in calls)
    real = sum(real for _, real, _ in calls)
    assert len(calls) > 4
    assert padded - real < 0.05 * real  # in arrival order, the same batches pad about half
    assert all(shape[0] * shape[1] <= bert_numpy.TOKEN_BUDGET or shape[0] == 1
               for shape, *_ in calls)


def test_a_batch_per_core_with_blas_on_one_thread_gives_each_texts_own_vector(spied, monkeypatch):
    encoder, calls = spied
    monkeypatch.setattr(bert_numpy, "_workers", lambda: 2)
    together = encoder.encode(TEXTS[:16])
    assert len(calls) >= 2 and all(blas == {1} for *_, blas in calls)
    alone = np.concatenate([encoder.encode([text]) for text in TEXTS[:16]])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    # Outside an embedding call, BLAS has its threads back.
    assert {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"} != {1} or \
        bert_numpy._workers() == 1


def test_element_wise_passes_in_blocks_change_nothing():
    x = np.random.default_rng(0).standard_normal((4, 300, 1536)).astype(np.float32)
    whole = bert_numpy._gelu(x.copy())
    blocked = bert_numpy._blocked(bert_numpy._gelu, x.copy())
    assert np.array_equal(whole, blocked)
