"""``unspin scan --engine dask``: the corpus scan on dask.distributed, laptop to cluster.

The same steps as ``unspin index add`` and :func:`unspin.corpus.scan`, with the same
library functions doing the work, spread over workers so that no process holds all
postings, all vectors or all candidate pairs:

0. **Indexing** (when inputs are given, :func:`index_dask`): the input files, in
   ``iter_documents`` order, are cut into runs (a container file alone, loose files a few
   hundred at a time); each worker reads, fingerprints and embeds a run into a part index
   with ``Index.add``, and the client merges the parts in input order (``Index.merge``),
   so row numbers are those of a local ``index add``.
1. **Postings and band keys** are read from the index in ranges of documents (each task
   opens the index read-only) into Dask DataFrames.
2. **Candidates** (as ``candidates.ngram_pairs`` and ``lsh_pairs``): keys are counted with
   a shuffled group-by, keys in too many documents are cut *before* the join, the kept
   postings are shuffled by key so every key's documents meet in one partition, where
   they are paired; the pairs are counted with a second shuffled group-by. Embedding
   neighbours (``semantic_pairs``) are searched blockwise: a task compares one range of
   mean vectors with another and keeps each query's best few; a second task per query
   range keeps the best of those. Ranges start on the local search's block boundaries.
3. **Alignment** partition by partition of candidates (shuffled by pair), each task
   running ``semantic_look`` and the scan's own aligner (``corpus._Aligner``) with the
   index's boilerplate for its documents.
4. **Provenance** (``corpus.corpus_provenance``) over the pairs found — the output, not
   the candidates — on the client, which then writes the same files as the local scan.

Every step is a pure function of its inputs: a task lost with its worker is recomputed
elsewhere and its result counted once (Dask keeps one result per task key; a part index
is written under a temporary name and renamed whole), so a killed worker neither loses
nor duplicates documents or pairs. Results do not depend on the number of workers or
partitions: candidates are keyed pairs, counts are exact, neighbour ties go to the lower
row number, and provenance sorts what it is given.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xxhash

from .candidates import (
    Candidate,
    Hits,
    best_hits,
    centroids,
    hit_pairs,
    neighbour_hits,
    semantic_look,
)
from .config import Config
from .corpus import ScanResult, _Aligner, corpus_provenance
from .embed import load_embedder
from .errors import InputError, OutputError, UnspinError
from .index import AddSummary, Index
from .ingest import InputFile, Skipped, check_paths, expand_globs, input_files, read_inputs

if TYPE_CHECKING:
    from distributed import Client


@dataclass(frozen=True, slots=True)
class DaskPlan:
    """How to spread a scan: the index, how many partitions, the settings."""

    db: str
    config: Config
    partitions: int


def _ranges(max_id: int, parts: int) -> list[tuple[int, int]]:
    step = max(1, -(-max_id // parts))
    return [(lo, min(max_id, lo + step - 1)) for lo in range(1, max_id + 1, step)]


_OPEN: dict[str, Index] = {}


def _open(db: str, config: Config) -> Index:
    """One read-only connection per worker process and index (tasks reuse it)."""
    if db not in _OPEN:
        _OPEN[db] = Index(db, config=config.index, read_only=True)
    return _OPEN[db]


def _scalar(plan: DaskPlan, sql: str) -> int:
    with Index(plan.db, config=plan.config.index, read_only=True) as index:
        row = index.con.execute(sql).fetchone()
    return int(row[0]) if row is not None else 0


def _read_keys(plan: DaskPlan, table: str, column: str, bounds: tuple[int, int]) -> pd.DataFrame:
    index = _open(plan.db, plan.config)
    frame = index.con.execute(
        f"SELECT {column} AS key, doc_id FROM {table} WHERE doc_id BETWEEN ? AND ?",
        list(bounds),
    ).df()
    frame["key"] = frame["key"].astype("uint64")
    frame["doc_id"] = frame["doc_id"].astype("int64")
    return frame


def _pairs_in_partition(part: pd.DataFrame) -> pd.DataFrame:
    """Every two documents sharing a key, within one partition (all rows of a key are here)."""
    joined = part.merge(part, on="key", suffixes=("_a", "_b"))
    joined = joined[joined["doc_id_a"] < joined["doc_id_b"]]
    return pd.DataFrame(
        {"a": joined["doc_id_a"].to_numpy(), "b": joined["doc_id_b"].to_numpy()}
    ).astype("int64")


def _pairs_by_key(plan: DaskPlan, table: str, column: str, *, max_docs: int, min_count: int) -> Any:
    """Pairs of documents sharing at least ``min_count`` keys found in 2..``max_docs``
    documents, as a Dask DataFrame (a, b, n)."""
    import dask.dataframe as dd

    max_id = _scalar(plan, "SELECT coalesce(max(doc_id), 0) FROM documents")
    meta = pd.DataFrame({"key": pd.Series(dtype="uint64"), "doc_id": pd.Series(dtype="int64")})
    bounds = _ranges(max_id, plan.partitions)
    keys = dd.from_map(
        lambda b: _read_keys(plan, table, column, b), bounds, meta=meta, enforce_metadata=False
    )
    n = max(1, plan.partitions)
    # Cut frequent keys first: a key in thousands of documents would make millions of pairs.
    df = keys.groupby("key")["doc_id"].count(split_out=n)
    kept_keys = df[(df >= 2) & (df <= max_docs)].to_frame("n")
    kept = keys.merge(kept_keys, left_on="key", right_index=True, how="inner", npartitions=n)
    kept = kept[["key", "doc_id"]].shuffle("key", npartitions=n)
    pairs = kept.map_partitions(
        _pairs_in_partition,
        meta=pd.DataFrame({"a": pd.Series(dtype="int64"), "b": pd.Series(dtype="int64")}),
    )
    counts = pairs.assign(n=1).groupby(["a", "b"])["n"].sum(split_out=n).reset_index()
    return counts[counts["n"] >= min_count]


def _centroid_ranges(plan: DaskPlan) -> list[tuple[int, int | None]]:
    """Row-number ranges of ``DaskConfig.centroid_rows_per_task`` documents with vectors
    each, their starts on the local search's block boundaries."""
    block = plan.config.candidates.semantic_block
    step = max(1, plan.config.dask.centroid_rows_per_task // block) * block
    with Index(plan.db, config=plan.config.index, read_only=True) as index:
        starts = [int(r[0]) for r in index.con.execute(
            "SELECT doc_id FROM (SELECT doc_id, row_number() OVER (ORDER BY doc_id) - 1 AS r "
            "FROM embeddings) WHERE r % ? = 0 ORDER BY doc_id",
            [step],
        ).fetchall()]  # fmt: skip
    stops: list[int | None] = [*starts[1:], None]
    return list(zip(starts, stops, strict=True))


def _neighbour_part(
    plan: DaskPlan, queries: tuple[int, int | None], columns: tuple[int, int | None]
) -> Hits:
    """The nearest columns of one range of query documents within one range of columns:
    each task holds two ranges of mean vectors, never all of them."""
    index = _open(plan.db, plan.config)
    q_ids, q = centroids(index, *queries)
    c_ids, c = q_ids, q
    if columns != queries:
        c_ids, c = centroids(index, *columns)
    return neighbour_hits(q_ids, q, c_ids, c, plan.config.candidates)


def _neighbour_pairs(parts: list[Hits], k: int) -> pd.DataFrame:
    """The best neighbours of a range of queries over all column ranges, as pairs."""
    found = hit_pairs(best_hits(parts, k))
    return pd.DataFrame(
        {
            "a": np.array([key[0] for key in found], dtype=np.int64),
            "b": np.array([key[1] for key in found], dtype=np.int64),
            "cosine": np.array(list(found.values()), dtype=np.float64),
        }
    )


def _align_partition(part: pd.DataFrame, plan: DaskPlan) -> tuple[int, list[Any]]:
    """Look at and align one partition of candidates: how many went to the aligner, and
    the pairs found."""
    if part.empty:
        return 0, []
    config = plan.config
    index = _open(plan.db, config)
    part = part.sort_values(["a", "b"])
    candidates = [
        Candidate(int(r.a), int(r.b), int(r.shared), bool(r.lsh), round(float(r.cosine), 4))
        for r in part.itertuples(index=False)
    ]
    ids = sorted({c.a for c in candidates} | {c.b for c in candidates})
    thresholds = config.align.semantic.get(index.model or "")
    if thresholds is not None:
        candidates = semantic_look(
            candidates,
            index.sentence_vectors(ids),
            weak=thresholds.weak,
            strong=thresholds.strong,
            config=config.candidates,
        )
    boilerplate = index.boilerplate(
        min_docs=config.candidates.boilerplate_min_docs,
        max_words=config.candidates.boilerplate_max_words,
        doc_ids=ids,
    )
    aligner = _Aligner(index, config, boilerplate)
    reports = []
    for i in range(0, len(candidates), 64):
        reports += aligner.run(candidates[i : i + 64])
    return len(candidates), reports


def dask_candidates(plan: DaskPlan) -> Any:
    """Every candidate pair as a Dask DataFrame (a, b, shared, lsh, cosine)."""
    import dask.dataframe as dd
    from dask.delayed import delayed

    cfg = plan.config.candidates
    ngrams = _pairs_by_key(
        plan, "postings", "hash", max_docs=cfg.max_df, min_count=cfg.min_shared
    ).rename(columns={"n": "shared"})
    lsh = _pairs_by_key(plan, "minhash", "band_key", max_docs=cfg.max_bucket, min_count=1)
    lsh = lsh.rename(columns={"n": "lsh"})
    meta = pd.DataFrame(
        {
            "a": pd.Series(dtype="int64"),
            "b": pd.Series(dtype="int64"),
            "cosine": pd.Series(dtype="float64"),
        }
    )
    ranges = _centroid_ranges(plan) if cfg.semantic_neighbours > 0 else []
    blocks = [
        delayed(_neighbour_pairs)(
            [delayed(_neighbour_part)(plan, q, c) for c in ranges], cfg.semantic_neighbours
        )
        for q in ranges
    ]
    semantic = dd.from_delayed(blocks, meta=meta) if blocks else dd.from_pandas(meta, npartitions=1)
    # A pair found from both ends of the neighbour relation keeps its larger cosine.
    n = plan.partitions
    semantic = semantic.groupby(["a", "b"])["cosine"].max(split_out=n).reset_index()
    # Hash joins, never broadcast: an outer join against a broadcast side emits that
    # side's unmatched rows once per partition of the other (seen at 100k documents).
    merged = ngrams.merge(lsh, on=["a", "b"], how="outer", npartitions=n, broadcast=False)
    merged = merged.merge(semantic, on=["a", "b"], how="outer", npartitions=n, broadcast=False)
    merged = merged.assign(
        shared=merged["shared"].fillna(0).astype("int64"),
        lsh=(merged["lsh"].fillna(0) > 0).astype("int64"),
        cosine=merged["cosine"].fillna(0.0),
    )
    # One row per pair whatever the joins did: each reason at its strongest.
    unique = merged.groupby(["a", "b"]).agg(
        {"shared": "max", "lsh": "max", "cosine": "max"}, split_out=n
    )
    unique = unique.reset_index()
    return unique.assign(lsh=unique["lsh"] > 0)


# -- indexing ---------------------------------------------------------------------------------


def input_runs(
    paths: Sequence[str | os.PathLike[str]], files_per_task: int
) -> list[list[InputFile | Skipped]]:
    """The input files in ``iter_documents`` order, cut into runs, one task each: a
    container file alone, loose files ``files_per_task`` at a time."""
    runs: list[list[InputFile | Skipped]] = []
    loose: list[InputFile | Skipped] = []
    for f in input_files(paths):
        if isinstance(f, InputFile) and f.container:
            if loose:
                runs.append(loose)
                loose = []
            runs.append([f])
            continue
        loose.append(f)
        if len(loose) >= files_per_task:
            runs.append(loose)
            loose = []
    if loose:
        runs.append(loose)
    return runs


def _part_name(number: int, run: list[InputFile | Skipped], config: Config, model: str) -> str:
    """A part's file name, which changes when its files or the settings do: a rerun after
    an interruption reuses the parts already written, and only those."""
    what: list[Any] = [config.index.shingle_n, config.index.minhash_bands,
                       config.index.minhash_rows, model]  # fmt: skip
    for f in run:
        if isinstance(f, Skipped):
            what.append([f.source, f.reason])
            continue
        try:
            st = os.stat(f.source)
            what.append([f.source, f.walked, st.st_size, st.st_mtime_ns])
        except OSError:
            what.append([f.source, f.walked])
    digest = xxhash.xxh64_hexdigest(json.dumps(what).encode())
    return f"{number:06d}-{digest}.duckdb"


def _index_part(run: list[InputFile | Skipped], path: str, config: Config) -> str:
    """Read and fingerprint one run of input files into a part index of its own
    (``Index.add``, the same code as a local ``index add``); the client merges the parts
    in input order. Written under a temporary name, so a part that exists is whole."""
    if os.path.exists(path):
        return path
    tmp = f"{path}.tmp"
    for leftover in (tmp, f"{tmp}.wal"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(leftover)
    with Index(tmp, config=config.index) as part:
        summary = part.add(
            read_inputs(run, config=config.ingest), embedder=load_embedder(config.embed)
        )
        part.con.execute(
            "INSERT INTO meta VALUES ('part_replaced', ?), ('part_unchanged', ?)",
            [str(summary.replaced), str(summary.unchanged)],
        )
    os.replace(tmp, path)
    return path


def _part(run: list[InputFile | Skipped], future: Any) -> str:
    """The finished part of ``run``; a task that failed for good (its worker died each
    time it ran it, say) is one line naming the run's files."""
    try:
        return str(future.result())
    except UnspinError:
        raise
    except Exception as err:
        files = [f.source for f in run]
        where = files[0] if len(files) == 1 else f"{files[0]} (and {len(files) - 1} more files)"
        why = (str(err).strip().splitlines() or [""])[0]
        raise InputError(
            where, f"indexing failed on the workers: {type(err).__name__}: {why}"
        ) from None


def index_dask(
    paths: Sequence[str | os.PathLike[str]],
    db: str | os.PathLike[str],
    *,
    client: Client,
    config: Config | None = None,
    progress: Callable[[AddSummary], None] | None = None,
) -> AddSummary:
    """``unspin index add`` on the workers of ``client``: the same index.

    Workers read and fingerprint runs of input files into part indexes in
    ``<db>.parts/`` (on storage the workers and the client share); the client merges them
    into ``db`` in input order (``Index.merge``, one transaction per part) as they come,
    so row numbers, and therefore the scan's output, are those of a local ``index add``.
    An interrupted run keeps the parts written so far and the next one reuses them.

    Raises:
        InputError: A path or pattern matches nothing (checked before any work).
        ConfigError: ``db`` was built with other settings or another model.
    """
    config = config or Config()
    paths = expand_globs(paths)
    check_paths(paths)
    target = os.path.abspath(os.fspath(db))
    folder = Path(f"{target}.parts")
    model = config.embed.model if config.embed.enabled else ""
    summary = AddSummary()
    with Index(target, config=config.index) as index:
        index.claim_model(model)  # another model is refused before any work is done
        try:
            folder.mkdir(exist_ok=True)
        except OSError as err:
            raise OutputError(
                str(folder), f"cannot create the parts folder: {err.strerror}"
            ) from None
        runs = input_runs(paths, config.dask.files_per_task)
        names = [str(folder / _part_name(i, run, config, model)) for i, run in enumerate(runs)]
        futures = [
            client.submit(_index_part, run, name, config, key=f"unspin-part-{Path(name).stem}")
            for run, name in zip(runs, names, strict=True)
        ]
        for run, future in zip(runs, futures, strict=True):
            merged = index.merge(_part(run, future))
            future.release()
            summary.added += merged.added
            summary.replaced += merged.replaced
            summary.unchanged += merged.unchanged
            summary.skipped += merged.skipped
            if progress is not None:
                progress(summary)
    for name in names:
        with contextlib.suppress(FileNotFoundError):
            os.remove(name)
    with contextlib.suppress(OSError):
        folder.rmdir()
    return summary


# -- the scan ---------------------------------------------------------------------------------


def scan_dask(
    db: str | os.PathLike[str],
    *,
    client: Client,
    config: Config | None = None,
    partitions: int | None = None,
) -> ScanResult:
    """:func:`unspin.corpus.scan` on the workers of ``client``; the same result.

    Raises:
        InputError: ``db`` is missing or not an index.
    """
    config = config or Config()
    path = os.fspath(db)
    if not os.path.exists(path):
        raise InputError(path, "no such index (build one with `unspin index add`)")
    n_workers = max(1, len(client.scheduler_info().get("workers", {})))
    plan = DaskPlan(os.path.abspath(path), config, partitions or 4 * n_workers)
    seconds: dict[str, float] = {}
    with Index(path, config=config.index, read_only=True) as index:
        n_docs = index.count()
    t = time.perf_counter()
    # Shuffled by pair, kept on the workers: each partition is aligned where it lies.
    candidates = client.persist(dask_candidates(plan).shuffle("a", npartitions=plan.partitions))
    found = len(candidates)
    seconds["candidates"] = time.perf_counter() - t
    t = time.perf_counter()
    futures = client.compute([_align_delayed(p, plan) for p in candidates.to_delayed()])
    looked = 0
    reports = []
    for n, batch in client.gather(futures):
        looked += n
        reports += batch
    seconds["align"] = time.perf_counter() - t
    t = time.perf_counter()
    result = corpus_provenance(reports, config=config)
    result.documents = n_docs
    result.candidates = found
    result.aligned = looked
    seconds["provenance"] = time.perf_counter() - t
    result.seconds = seconds
    return result


def _align_delayed(part: Any, plan: DaskPlan) -> Any:
    from dask.delayed import delayed

    return delayed(_align_partition)(part, plan)


@contextlib.contextmanager
def dask_client(scheduler: str | None, workers: int) -> Iterator[Client]:
    """A client on the running cluster at ``scheduler``, or on a new ``LocalCluster`` of
    ``workers`` processes (one thread each: the aligner holds the interpreter lock)."""
    from distributed import Client, LocalCluster

    # The shuffle extension announces every shuffle at WARNING level.
    logging.getLogger("distributed.shuffle").setLevel(logging.ERROR)
    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, silence_logs=logging.ERROR
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


__all__ = ["DaskPlan", "dask_candidates", "dask_client", "index_dask", "input_runs", "scan_dask"]
