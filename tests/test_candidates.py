"""Candidate pairs: rare n-gram postings, MinHash LSH, embedding neighbours, the DF cut."""

from __future__ import annotations

import itertools
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unspin.candidates import (
    best_hits,
    corpus_candidates,
    lsh_pairs,
    neighbour_hits,
    ngram_pairs,
    query_candidates,
    semantic_pairs,
)
from unspin.config import CandidateConfig, Config, EmbedConfig
from unspin.corpus import index_paths
from unspin.fingerprint import content_shingles, fingerprint, minhash_bands
from unspin.index import Index
from unspin.ingest import load_document

from .conftest import SEED_DERIVED, SEED_SOURCE
from .test_corpus import A_PARAS, TEXT_A, UNRELATED, join

LEXICAL = Config(embed=EmbedConfig(enabled=False))


def _tiny(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    """Seed pair, a story and a near-duplicate of it, unrelated stories; name -> doc_id."""
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(SEED_SOURCE, folder / SEED_SOURCE.name)
    shutil.copy(SEED_DERIVED, folder / SEED_DERIVED.name)
    (folder / "a.txt").write_text(TEXT_A, encoding="utf-8")
    near = TEXT_A.replace("four million", "five million").replace("on Tuesday", "on Wednesday")
    assert near != TEXT_A
    (folder / "a2.txt").write_text(near, encoding="utf-8")
    for i, text in enumerate(UNRELATED):
        (folder / f"u{i}.txt").write_text(text, encoding="utf-8")
    db = tmp_path / "i.db"
    index_paths([folder], db, config=LEXICAL)
    with Index(db, read_only=True) as index:
        ids = {Path(s.document.path or "").name: s.doc_id for s in index.documents()}
    return db, ids


def _named(pairs: object, ids: dict[str, int]) -> set[tuple[str, str]]:
    names = {v: k for k, v in ids.items()}
    return {(names[a], names[b]) for a, b in pairs}  # type: ignore[attr-defined]


def test_ngram_postings_find_the_seed_pair_and_the_copy_only(tmp_path: Path) -> None:
    db, ids = _tiny(tmp_path)
    config = CandidateConfig()
    with Index(db, read_only=True) as index:
        found = ngram_pairs(index, config)
        candidates = corpus_candidates(index, config)
    assert _named(found, ids) == {
        (SEED_SOURCE.name, SEED_DERIVED.name),
        ("a.txt", "a2.txt"),
    }
    seed = (ids[SEED_SOURCE.name], ids[SEED_DERIVED.name])
    assert seed[0] < seed[1]
    assert found[seed] >= config.min_shared
    # Unioned, with the reasons that brought each pair together (no model: no cosine).
    by_pair = {(c.a, c.b): c for c in candidates}
    assert set(by_pair) == set(found)
    assert by_pair[seed].shared_ngrams == found[seed]
    assert by_pair[seed].reasons[0] == f"{found[seed]} rare n-grams"
    assert all(c.cosine == 0.0 for c in candidates)
    assert [(c.a, c.b) for c in candidates] == sorted(by_pair)


def test_minhash_finds_the_near_duplicate_not_the_rewrite(tmp_path: Path) -> None:
    db, ids = _tiny(tmp_path)
    with Index(db, read_only=True) as index:
        lsh = lsh_pairs(index, CandidateConfig())
        candidates = {(c.a, c.b): c for c in corpus_candidates(index, CandidateConfig())}
    # The copy with two words changed shares most band keys; the spun seed pair's Jaccard is
    # far too low for any band to agree.
    assert _named(lsh, ids) == {("a.txt", "a2.txt")}
    near = (min(ids["a.txt"], ids["a2.txt"]), max(ids["a.txt"], ids["a2.txt"]))
    assert candidates[near].lsh and "MinHash" in candidates[near].reasons
    # A bucket larger than max_bucket is left out (here: any bucket of two).
    with Index(db, read_only=True) as index:
        assert lsh_pairs(index, CandidateConfig(max_bucket=1)) == set()


def _unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_semantic_pairs_keep_each_documents_nearest_above_the_cosine() -> None:
    angle = math.radians(10)  # cos 0.985
    wide = math.radians(40)  # cos 0.766
    vectors = np.stack(
        [
            _unit(1, 0, 0),
            _unit(math.cos(angle), math.sin(angle), 0),
            _unit(0, 0, 1),
            _unit(0, math.sin(wide), math.cos(wide)),
            _unit(math.cos(2 * angle), math.sin(2 * angle), 0),
        ]
    )
    ids = np.array([10, 20, 30, 40, 50], dtype=np.int64)
    config = CandidateConfig(semantic_neighbours=1, semantic_min_cosine=0.85)
    out = semantic_pairs(ids, vectors, config)
    # 10's nearest is 20, 20's is 10 or 50 (equal), 50's is 20; 30-40 is below 0.85.
    assert set(out) == {(10, 20), (20, 50)}
    assert out[10, 20] == pytest.approx(math.cos(angle), abs=1e-6)
    assert all(a < b for a, b in out)
    # With two neighbours each, 10-50 joins (cos 0.94); never a document with itself.
    two = semantic_pairs(ids, vectors, CandidateConfig(semantic_neighbours=2))
    assert set(two) == {(10, 20), (20, 50), (10, 50)}
    assert two[10, 50] == pytest.approx(math.cos(2 * angle), abs=1e-6)
    # Lower the bar and 30-40 is found.
    loose = semantic_pairs(ids, vectors, CandidateConfig(semantic_min_cosine=0.7))
    assert loose[30, 40] == pytest.approx(math.cos(wide), abs=1e-6)
    # Nothing to do without vectors or neighbours.
    assert semantic_pairs(ids[:0], vectors[:0], config) == {}
    assert semantic_pairs(ids, vectors, CandidateConfig(semantic_neighbours=0)) == {}


def test_semantic_pairs_of_outside_queries_are_keyed_by_negative_rows() -> None:
    vectors = np.stack([_unit(1, 0), _unit(0, 1), _unit(1, 1)])
    ids = np.array([7, 8, 9], dtype=np.int64)
    queries = np.stack([_unit(1, 0.05), _unit(-1, 0)])
    out = semantic_pairs(ids, vectors, CandidateConfig(semantic_neighbours=1), queries=queries)
    # Query row 0 -> key -1, its nearest is document 7; query row 1 resembles nothing.
    assert set(out) == {(-1, 7)}
    assert out[-1, 7] == pytest.approx(float(queries[0] @ vectors[0]), abs=1e-6)


def test_an_ngram_in_more_than_max_df_documents_brings_no_pair(tmp_path: Path) -> None:
    """A sentence in six documents; two of them also share a passage no one else has."""
    shared = (
        "Officials from the regional transport authority confirmed the new timetable would "
        "apply to every ferry route crossing the northern strait from the first of June."
    )
    folder = tmp_path / "docs"
    folder.mkdir()
    for i, text in enumerate(UNRELATED):
        (folder / f"u{i}.txt").write_text(f"{text}\n\n{shared}\n", encoding="utf-8")
    rare = join(A_PARAS[1:3])
    (folder / "x.txt").write_text(f"{rare}\n{shared}\n", encoding="utf-8")
    (folder / "u0.txt").write_text(f"{UNRELATED[0]}\n\n{rare}\n{shared}\n", encoding="utf-8")
    db = tmp_path / "i.db"
    index_paths([folder], db, config=LEXICAL)
    with Index(db, read_only=True) as index:
        names = {s.doc_id: Path(s.document.path or "").name for s in index.documents()}
        assert len(names) == 6
        cut = ngram_pairs(index, CandidateConfig(max_df=3))
        every = ngram_pairs(index, CandidateConfig(max_df=100))
        shared_hashes = content_shingles(
            fingerprint(load_document(folder / "x.txt")), 3
        )[0]  # fmt: skip
        df = index.document_frequency([shared_hashes])
    assert {(names[a], names[b]) for a, b in cut} == {("u0.txt", "x.txt")}
    assert len(every) == 15  # the common sentence pairs every document with every other
    (pair,) = cut
    # Only the n-grams of the rare passage count; the common sentence's add nothing.
    rare_count = sum(1 for n in df.values() if n == 2)
    common_count = sum(1 for n in df.values() if n == 6)
    assert rare_count > 0 and common_count > 0
    assert cut[pair] == rare_count
    assert every[pair] == rare_count + common_count
    assert set(df.values()) <= {1, 2, 6}


def test_query_candidates_of_an_outside_document(tmp_path: Path) -> None:
    db, ids = _tiny(tmp_path)
    doc = load_document(SEED_DERIVED)
    fp = fingerprint(doc)
    shingles, _ = content_shingles(fp, 3)
    bands = minhash_bands(shingles, bands=16, rows=4)
    with Index(db, read_only=True) as index:
        found = query_candidates(index, shingles, bands, None, CandidateConfig())
    names = {v: k for k, v in ids.items()}
    by_name = {names[c.b]: c for c in found}
    assert all(c.a == -1 for c in found)
    # The indexed copy of the same text is found by everything; its source by n-grams.
    assert set(by_name) == {SEED_SOURCE.name, SEED_DERIVED.name}
    assert by_name[SEED_SOURCE.name].shared_ngrams >= CandidateConfig().min_shared
    assert by_name[SEED_DERIVED.name].lsh


def test_semantic_look_drops_weak_candidates_whose_sentences_are_far_apart() -> None:
    from unspin.candidates import Candidate, semantic_look

    near = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float16)
    far = np.array([[0.6, 0.8]], dtype=np.float16)  # cosine 0.8 at best with ``near``
    vectors = {1: near, 2: near.copy(), 3: far}
    config = CandidateConfig(align_always=6, min_shared=3, min_strong_sentences=2)
    candidates = [
        Candidate(1, 2, shared_ngrams=3),  # identical sentences: aligned
        Candidate(1, 3, shared_ngrams=3),  # 0.8 < 0.85: dropped
        Candidate(1, 3, shared_ngrams=6),  # many shared phrases: aligned regardless
        Candidate(1, 2, lsh=True),  # MinHash only, two sentence pairs at 1.0: aligned
        Candidate(1, 3, cosine=0.95),  # embedding only, no strong sentence pair: dropped
        Candidate(1, 4, shared_ngrams=3),  # no vectors stored: aligned
    ]
    kept = semantic_look(candidates, vectors, weak=0.85, strong=0.9, config=config)
    assert kept == [candidates[0], candidates[2], candidates[3], candidates[5]]
    looser = semantic_look(candidates[1:2], vectors, weak=0.75, strong=0.9, config=config)
    assert looser == candidates[1:2]


def test_a_heavily_spun_copy_is_a_candidate_through_its_names_and_figures(
    tmp_path: Path,
) -> None:
    from .test_fingerprint import _SOURCE, _SPUN

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "source.txt").write_text(_SOURCE, encoding="utf-8")
    # The spun passage inside a story of its own, as a copier would publish it.
    (folder / "copy.txt").write_text(join([UNRELATED[0], _SPUN, UNRELATED[1]]), encoding="utf-8")
    for i, text in enumerate(UNRELATED[2:]):
        (folder / f"u{i}.txt").write_text(text, encoding="utf-8")
    db = tmp_path / "i.db"
    index_paths([folder], db, config=LEXICAL)
    config = CandidateConfig()
    with Index(db, read_only=True) as index:
        ids = {Path(s.document.path or "").name: s.doc_id for s in index.documents()}
        found = ngram_pairs(index, config)
    a, b = sorted((ids["source.txt"], ids["copy.txt"]))
    assert {frozenset(p) for p in _named(found, ids)} == {frozenset(("source.txt", "copy.txt"))}
    # The content 3-grams alone are too few to make it a candidate.
    grams = [
        content_shingles(fingerprint(load_document(folder / n)), 3)[0]
        for n in ("source.txt", "copy.txt")
    ]
    assert len(np.intersect1d(*grams)) < config.min_shared <= found[(a, b)]


# -- the blockwise neighbour search -------------------------------------------------------


def _reference_pairs(
    ids: np.ndarray, vectors: np.ndarray, config: CandidateConfig
) -> dict[tuple[int, int], float]:
    """Each document's k nearest others by one full product, ties to the lower id."""
    cos = vectors @ vectors.T
    out: dict[tuple[int, int], float] = {}
    for r in range(len(ids)):
        ranked = sorted((-float(cos[r, c]), int(ids[c])) for c in range(len(ids)) if c != r)[
            : config.semantic_neighbours
        ]
        for neg, other in ranked:
            if -neg >= config.semantic_min_cosine:
                key = (min(int(ids[r]), other), max(int(ids[r]), other))
                out[key] = max(out.get(key, -2.0), -neg)
    return out


@settings(max_examples=60, deadline=None)
@given(
    data=st.lists(st.integers(0, 5), min_size=1, max_size=40),
    block=st.integers(1, 9),
    k=st.integers(1, 4),
)
def test_blockwise_neighbours_are_the_full_products_whatever_the_block(
    data: list[int], block: int, k: int
) -> None:
    """Few distinct directions, so many exact ties (duplicates of one story): the blocks,
    however cut, keep the same neighbours as one product, ties going to the lower id."""
    directions = np.stack([_unit(1, 0, 0), _unit(1, 1, 0), _unit(0, 1, 0),
                           _unit(1, 1, 1), _unit(0, 0, 1), _unit(1, 0, 1)])  # fmt: skip
    vectors = directions[data].astype(np.float32)
    ids = np.arange(3, 3 + 2 * len(data), 2, dtype=np.int64)
    config = CandidateConfig(semantic_neighbours=k, semantic_min_cosine=0.5, semantic_block=block)
    got = semantic_pairs(ids, vectors, config)
    want = _reference_pairs(ids, vectors, config)
    assert set(got) == set(want)
    assert all(got[key] == pytest.approx(want[key], abs=1e-6) for key in want)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 30), block=st.integers(1, 6), cut=st.data())
def test_neighbours_of_column_ranges_combine_to_those_of_all_columns(
    n: int, block: int, cut: st.DataObject
) -> None:
    """The Dask engine searches ranges of columns in separate tasks and keeps the best of
    their bests: the same hits as one search over all columns."""
    rng = np.random.default_rng(n * 31 + block)
    vectors = rng.normal(size=(n, 4)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors[n // 2 :] = vectors[: n - n // 2]  # duplicates: ties
    ids = np.arange(1, n + 1, dtype=np.int64)
    config = CandidateConfig(semantic_neighbours=2, semantic_min_cosine=0.0, semantic_block=block)
    whole = neighbour_hits(ids, vectors, ids, vectors, config)
    bounds = [b for b in range(block, n, block) if cut.draw(st.booleans())]
    edges = [0, *bounds, n]
    parts = [
        neighbour_hits(ids, vectors, ids[s:e], vectors[s:e], config)
        for s, e in itertools.pairwise(edges)
    ]
    split = best_hits(parts, 2)
    assert all(np.array_equal(a, b) for a, b in zip(whole, split, strict=True))
