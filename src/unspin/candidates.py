"""Candidate pairs of a corpus: which documents are worth aligning, without all pairs.

Three sub-quadratic sources, unioned (a pair is aligned once, whatever found it):

* rare n-gram postings joined in DuckDB, n-grams in more than ``max_df`` documents cut
  first (passim's and TextPAIR's candidate step): finds copies, quotes and the runs of
  content words a spinner leaves alone;
* MinHash LSH band keys (Broder 1997): near-duplicate documents, whatever their length;
* semantic neighbours by mean sentence embedding: spun copies that share few n-grams.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .config import CandidateConfig
from .index import Index


@dataclass(frozen=True, slots=True)
class Candidate:
    """A pair of documents (index row numbers, ``a < b``) and what brought them together."""

    a: int
    b: int
    shared_ngrams: int = 0
    lsh: bool = False
    cosine: float = 0.0

    @property
    def reasons(self) -> list[str]:
        out = []
        if self.shared_ngrams:
            out.append(f"{self.shared_ngrams} rare n-grams")
        if self.lsh:
            out.append("MinHash")
        if self.cosine:
            out.append(f"embedding cosine {self.cosine:.2f}")
        return out


def ngram_pairs(index: Index, config: CandidateConfig) -> dict[tuple[int, int], int]:
    """Pairs sharing at least ``min_shared`` n-grams found in at most ``max_df`` documents."""
    rows = index.con.execute(
        """
        WITH rare AS (
            SELECT hash FROM postings GROUP BY hash HAVING count(*) BETWEEN 2 AND ?
        ), p AS (
            SELECT hash, doc_id FROM postings SEMI JOIN rare USING (hash)
        )
        SELECT a.doc_id, b.doc_id, count(*) FROM p a JOIN p b USING (hash)
        WHERE a.doc_id < b.doc_id
        GROUP BY a.doc_id, b.doc_id HAVING count(*) >= ?
        """,
        [config.max_df, config.min_shared],
    ).fetchall()
    return {(int(a), int(b)): int(n) for a, b, n in rows}


def lsh_pairs(index: Index, config: CandidateConfig) -> set[tuple[int, int]]:
    """Pairs sharing a MinHash band key, buckets larger than ``max_bucket`` left out."""
    rows = index.con.execute(
        """
        WITH ok AS (
            SELECT band_key FROM minhash GROUP BY band_key HAVING count(*) BETWEEN 2 AND ?
        ), m AS (
            SELECT band_key, doc_id FROM minhash SEMI JOIN ok USING (band_key)
        )
        SELECT DISTINCT a.doc_id, b.doc_id FROM m a JOIN m b USING (band_key)
        WHERE a.doc_id < b.doc_id
        """,
        [config.max_bucket],
    ).fetchall()
    return {(int(a), int(b)) for a, b in rows}


def centroids(
    index: Index, first: int | None = None, stop: int | None = None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Row numbers and mean sentence vectors of every document that has them (with
    ``first`` and ``stop``, of the rows ``first <= doc_id < stop`` only)."""
    rows = index.con.execute(
        "SELECT doc_id, centroid FROM embeddings WHERE doc_id >= coalesce(?, 0) "
        "AND (? IS NULL OR doc_id < ?) ORDER BY doc_id",
        [first, stop, stop],
    ).fetchall()
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    return ids, np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows])


def block_bounds(n: int, size: int) -> list[tuple[int, int]]:
    """Rows ``0..n`` in blocks of ``size``: the neighbour search multiplies exactly these
    blocks, locally or on Dask, so both compute bit for bit the same cosines."""
    return [(s, min(n, s + size)) for s in range(0, n, size)]


def neighbour_hits(
    q_ids: npt.NDArray[np.int64],
    q: npt.NDArray[np.float32],
    c_ids: npt.NDArray[np.int64],
    c: npt.NDArray[np.float32],
    config: CandidateConfig,
) -> Hits:
    """Each query's nearest columns in one block of columns (at most
    ``semantic_neighbours``, above ``semantic_min_cosine``, a document never its own).

    Keeping the best k of every block and then the best k of those is the best k of all,
    so the columns may be split between tasks; ties go to the lower id, so the split
    does not change which neighbours win. Only the best k of a block are kept (and any
    tied with the k-th), never every pair above the cosine: many stories of one beat are
    that close, and their pairs would number in the hundreds of millions.
    """
    k = config.semantic_neighbours
    size = config.semantic_block
    found: list[Hits] = []
    if k <= 0:
        return best_hits(found, k)
    for qs, qe in block_bounds(len(q_ids), size):
        hits: list[Hits] = []
        for cs, ce in block_bounds(len(c_ids), size):
            cos = q[qs:qe] @ c[cs:ce].T
            cos[q_ids[qs:qe, None] == c_ids[None, cs:ce]] = -np.inf  # never its own neighbour
            kk = min(k, ce - cs)
            kth = np.partition(cos, ce - cs - kk, axis=1)[:, ce - cs - kk]
            floor = np.maximum(kth, np.float32(config.semantic_min_cosine))
            r, j = np.nonzero(cos >= floor[:, None])
            hits.append((q_ids[qs + r], c_ids[cs + j], cos[r, j].astype(np.float64)))
        found.append(best_hits(hits, k))
    return best_hits(found, k)


Hits = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]


def best_hits(hits: list[Hits], k: int) -> Hits:
    """The ``k`` best hits of each query: highest cosine first, then lowest column id."""
    if not hits:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float64)
    qs = np.concatenate([h[0] for h in hits])
    cs = np.concatenate([h[1] for h in hits])
    cos = np.concatenate([h[2] for h in hits])
    order = np.lexsort((cs, -cos, qs))
    qs, cs, cos = qs[order], cs[order], cos[order]
    first = np.searchsorted(qs, qs, side="left")
    rank = np.arange(len(qs)) - first
    top = rank < k
    return qs[top], cs[top], cos[top]


def hit_pairs(hits: Hits) -> dict[tuple[int, int], float]:
    """Hits as unordered pairs, each at its larger cosine (it may be found from both ends)."""
    out: dict[tuple[int, int], float] = {}
    for a, b, cos in zip(*(h.tolist() for h in hits), strict=True):
        key = (a, b) if a < b else (b, a)
        if cos > out.get(key, -2.0):
            out[key] = cos
    return out


def semantic_pairs(
    ids: npt.NDArray[np.int64],
    vectors: npt.NDArray[np.float32],
    config: CandidateConfig,
    queries: npt.NDArray[np.float32] | None = None,
) -> dict[tuple[int, int], float]:
    """Each document's ``semantic_neighbours`` nearest others above ``semantic_min_cosine``.

    Brute force in blocks (a matrix product per block): exact, and linear in memory, but
    quadratic in time: 90 core-seconds at 100k documents of 256 dimensions, 10 core-days
    at 10 million. With
    ``queries``, the rows are outside documents (keyed ``-1 - row``) against the index.
    """
    if len(ids) == 0 or config.semantic_neighbours <= 0:
        return {}
    if queries is None:
        q_ids, q = ids, vectors
    else:
        q_ids, q = -1 - np.arange(len(queries), dtype=np.int64), queries
    hits = [
        neighbour_hits(q_ids[s:e], q[s:e], ids, vectors, config)
        for s, e in block_bounds(len(q), config.semantic_block)
    ]
    return hit_pairs(best_hits(hits, config.semantic_neighbours))


def semantic_look(
    candidates: list[Candidate],
    vectors: dict[int, npt.NDArray[np.float16]],
    *,
    weak: float,
    strong: float,
    config: CandidateConfig,
) -> list[Candidate]:
    """Candidates worth aligning: a cheap look at sentence vectors before the aligner.

    A pair found by a few shared phrases alone (a name and a title, say) whose sentences
    nowhere reach the model's ``weak`` seed cosine cannot seed a passage except through
    copied runs, which share many more phrases (``align_always``). A pair found by
    MinHash or by mean embedding alone, with no rare phrase in common, needs two sentence
    pairs at the ``strong`` cosine: a heavily spun passage keeps that much of its
    meaning, two stories of one beat or two tables of figures rarely do. Most chance
    candidates of a large corpus end here, at microseconds each instead of milliseconds.
    """
    out = []
    for c in candidates:
        va, vb = vectors.get(c.a), vectors.get(c.b)
        if c.shared_ngrams >= config.align_always or va is None or vb is None:
            out.append(c)
            continue
        if not len(va) or not len(vb):
            continue
        sims = va.astype(np.float32) @ vb.astype(np.float32).T
        if c.shared_ngrams >= config.min_shared:
            if float(sims.max()) >= weak:
                out.append(c)
        elif int((sims >= strong).sum()) >= config.min_strong_sentences:
            out.append(c)
    return out


def corpus_candidates(index: Index, config: CandidateConfig) -> list[Candidate]:
    """Every candidate pair of the index, in ``(a, b)`` order (deterministic)."""
    ngrams = ngram_pairs(index, config)
    lsh = lsh_pairs(index, config)
    ids, vectors = centroids(index)
    semantic = semantic_pairs(ids, vectors, config)
    keys = sorted(set(ngrams) | lsh | set(semantic))
    return [
        Candidate(a, b, ngrams.get((a, b), 0), (a, b) in lsh, round(semantic.get((a, b), 0.0), 4))
        for a, b in keys
    ]


def query_candidates(
    index: Index,
    shingles: npt.NDArray[np.uint64],
    bands: npt.NDArray[np.uint64],
    centroid: npt.NDArray[np.float32] | None,
    config: CandidateConfig,
) -> list[Candidate]:
    """Indexed documents that may be sources of one outside document (``a`` is -1)."""
    con = index.con
    found: dict[int, Candidate] = {}
    if len(shingles):
        con.register("query_shingles", {"hash": shingles})
        rows = con.execute(
            """
            WITH q AS (SELECT DISTINCT hash FROM query_shingles),
            df AS (
                SELECT hash, count(*) AS n FROM postings SEMI JOIN q USING (hash)
                GROUP BY hash HAVING count(*) <= ?
            )
            SELECT p.doc_id, count(*) FROM postings p JOIN df USING (hash)
            GROUP BY p.doc_id HAVING count(*) >= ?
            """,
            [config.max_df, config.min_shared],
        ).fetchall()
        con.unregister("query_shingles")
        for doc_id, n in rows:
            found[int(doc_id)] = Candidate(-1, int(doc_id), shared_ngrams=int(n))
    if len(bands):
        con.register("query_bands", {"band_key": bands})
        rows = con.execute(
            "SELECT DISTINCT doc_id FROM minhash SEMI JOIN query_bands USING (band_key)"
        ).fetchall()
        con.unregister("query_bands")
        for (doc_id,) in rows:
            c = found.get(int(doc_id), Candidate(-1, int(doc_id)))
            found[int(doc_id)] = Candidate(-1, c.b, c.shared_ngrams, True, c.cosine)
    if centroid is not None:
        ids, vectors = centroids(index)
        if len(ids) and vectors.shape[1] == len(centroid):
            near = semantic_pairs(ids, vectors, config, queries=centroid[None, :])
            for (_, doc_id), cos in near.items():
                c = found.get(doc_id, Candidate(-1, doc_id))
                found[doc_id] = Candidate(-1, doc_id, c.shared_ngrams, c.lsh, round(cos, 4))
    return [found[k] for k in sorted(found)]
