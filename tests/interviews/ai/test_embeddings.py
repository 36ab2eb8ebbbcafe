"""The numpy MiniLM encoder reproduces sentence-transformers' all-MiniLM-L6-v2 embeddings."""

import threading

import numpy as np
import pytest

from interviews.ai import embeddings

pytestmark = pytest.mark.slow  # the real MiniLM model (loaded once per session)


def test_embeddings_are_unit_vectors_of_384_dimensions(encoder):
    vectors = embeddings.embed(["A stack is last in, first out.", "Queues are first in, first out.", "hi"])

    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_hello_world_matches_the_published_reference_vector(encoder):
    # First five dimensions of sentence-transformers/all-MiniLM-L6-v2("hello world"), as pinned by the
    # canonical-vector test of qdrant/fastembed (tests/test_text_onnx_embeddings.py, tolerance 1e-3).
    reference = np.array([-0.034478, 0.03102, 0.00673, 0.02611, -0.039362])

    vector = embeddings.embed(["hello world"])[0]

    np.testing.assert_allclose(vector[:5], reference, atol=1e-4)


def test_paraphrase_is_closer_than_an_unrelated_sentence(encoder):
    original, paraphrase, unrelated = embeddings.embed(
        [
            "A primary key uniquely identifies each row in a database table.",
            "Every record in the table can be told apart by its primary key value.",
            "I went hiking in the mountains with my dog last weekend.",
        ]
    )

    assert original @ paraphrase > 0.6
    assert original @ unrelated < 0.15


def test_padding_in_a_batch_does_not_change_an_embedding(encoder):
    short = "short"
    long = "a much longer sentence with many more tokens than the short one, so the batch gets padded " * 3
    embeddings._cache.clear()
    together = embeddings.embed([short, long])
    embeddings._cache.clear()
    alone = np.vstack([embeddings.embed([short]), embeddings.embed([long])])

    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_answers_longer_than_256_tokens_are_truncated_not_rejected(encoder):
    vector = embeddings.embed(["word " * 1000])

    assert vector.shape == (1, 384)
    assert np.isfinite(vector).all()


def test_repeated_texts_are_served_from_the_cache(encoder):
    text = "Reference answer that every candidate is compared with."
    first = embeddings.embed([text])

    assert text in embeddings._cache
    np.testing.assert_array_equal(embeddings.embed([text, text]), np.vstack([first, first]))


def test_an_empty_list_gives_an_empty_matrix():
    assert embeddings.embed([]).shape == (0, 384)


def test_concurrent_callers_get_the_same_vectors(encoder):
    texts = [f"Concurrent sentence number {i} about hash tables." for i in range(8)]
    expected = embeddings.get_encoder().encode(texts)
    results: list[np.ndarray] = []

    def work():
        results.append(embeddings.embed(texts))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 4
    for result in results:
        np.testing.assert_allclose(result, expected, atol=1e-5)
