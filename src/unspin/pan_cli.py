"""``unspin pan``: align a PAN text-alignment corpus and score the detections.

``pan align`` writes one PAN detection file per listed pair; ``pan eval`` scores a folder
of detection files against the corpus truth with the PAN measures (see ``unspin.pan``).

Alignment runs in worker processes. Each document is loaded, fingerprinted and embedded
once: the pairs are split into groups that share no document (connected components of
the pair graph), so every worker sees all the pairs of the documents it prepares, and a
worker keeps the documents it prepared in an LRU cache.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from .cli_options import ModelOption, NoModelOption, QuietProgressOption
from .config import Config, EmbedConfig
from .embed import Embedder, load_embedder
from .errors import InputError, UnspinError
from .ingest import load_document
from .pan import evaluate, pair_xml_name, read_pairs, scores_to_dict, write_detections
from .pipeline import Prepared, align_prepared, prepare

__all__ = ["AlignSummary", "PairOutcome", "align_pairs", "pan_app", "plan_chunks", "run_align"]

pan_app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="The PAN text-alignment task: align its pairs and score the detections.",
)

EXIT_BAD_INPUT = 2

#: Prepared documents a worker keeps. Pairs are grouped so that a document is needed by
#: one group only; the cache spans a group (the largest PAN group has 141 documents) and
#: catches documents of a group that was too large and was split.
CACHE_DOCUMENTS = 2048

#: Groups of pairs up to this size are never split: preparing their documents twice
#: would cost more than a worker idling at the end of the run.
MIN_SPLIT_PAIRS = 64

Pair = tuple[str, str]


# --- planning -------------------------------------------------------------------------


def plan_chunks(pairs: Sequence[Pair], *, workers: int) -> list[list[Pair]]:
    """Split pairs into work units that share no document, largest first.

    Pairs linked through a document (the same suspicious or source file) form one
    group, so each document is prepared by one worker only. Groups larger than a fair
    share are split (their documents are then prepared at most once per part); small
    groups are packed together so that progress is reported in steps of about 1/32 of
    the run per worker. Largest first, so the pool ends evenly.

    Args:
        pairs: ``(suspicious, source)`` file names.
        workers: Worker processes that will share the chunks.

    Returns:
        The chunks; together they hold every pair once.
    """
    n = len(pairs)
    if n == 0:
        return []
    split_above = max(MIN_SPLIT_PAIRS, math.ceil(n / (workers * 4)))
    pack_up_to = max(1, math.ceil(n / (workers * 32)))
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = parent.setdefault(x, x)
        while root != parent[root]:
            parent[root] = parent[parent[root]]  # path halving keeps trees flat
            root = parent[root]
        return root

    for susp, src in pairs:
        a, b = find("susp:" + susp), find("src:" + src)
        if a != b:
            parent[a] = b
    groups: dict[str, list[Pair]] = {}
    for pair in dict.fromkeys(pairs):  # a pair listed twice is aligned once
        groups.setdefault(find("susp:" + pair[0]), []).append(pair)
    parts: list[list[Pair]] = []
    for group in groups.values():
        group.sort()  # by suspicious document: split parts keep its pairs together
        parts.extend(group[i : i + split_above] for i in range(0, len(group), split_above))
    parts.sort(key=len, reverse=True)
    chunks: list[list[Pair]] = []
    small: list[Pair] = []
    for part in parts:
        if len(part) >= pack_up_to:
            chunks.append(part)
            continue
        if len(small) + len(part) > pack_up_to:
            chunks.append(small)
            small = []
        small.extend(part)
    if small:
        chunks.append(small)
    return chunks


# --- workers --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PairOutcome:
    """What became of one pair: its detection file, or the one-line error."""

    susp: str
    src: str
    detections: int
    error: str | None = None


@dataclass(frozen=True, slots=True)
class _ChunkResult:
    outcomes: list[PairOutcome]
    prepared: int
    prepare_seconds: float
    align_seconds: float


@dataclass(slots=True)
class _Worker:
    """A worker's settings, model and cache of prepared documents."""

    config: Config
    src_dir: Path
    susp_dir: Path
    out_dir: Path
    embedder: Embedder | None
    prepared: int = 0
    prepare_seconds: float = 0.0
    cache: Callable[[str], Prepared] = field(init=False)

    def __post_init__(self) -> None:
        self.cache = lru_cache(maxsize=CACHE_DOCUMENTS)(self._prepare)

    def _prepare(self, path: str) -> Prepared:
        start = time.perf_counter()
        doc = load_document(path, config=self.config.ingest)
        result = prepare(doc, self.embedder)
        self.prepared += 1
        self.prepare_seconds += time.perf_counter() - start
        return result


_WORKER: _Worker | None = None


def _init_worker(config: Config, src_dir: Path, susp_dir: Path, out_dir: Path) -> None:
    """Load the model once per worker process."""
    global _WORKER
    _WORKER = _Worker(config, src_dir, susp_dir, out_dir, load_embedder(config.embed))


def _run_chunk(chunk: list[Pair]) -> _ChunkResult:
    worker = _WORKER
    assert worker is not None, "_init_worker was not called"
    prepared, prepare_seconds = worker.prepared, worker.prepare_seconds
    align_seconds = 0.0
    outcomes = []
    for susp, src in chunk:
        try:
            derived = worker.cache(str(worker.susp_dir / susp))
            source = worker.cache(str(worker.src_dir / src))
            aligned = time.perf_counter()
            passages = align_prepared(source, derived, config=worker.config)
            align_seconds += time.perf_counter() - aligned
            write_detections(
                worker.out_dir / pair_xml_name(susp, src), Path(susp).name, Path(src).name, passages
            )
            outcomes.append(PairOutcome(susp, src, len(passages)))
        except UnspinError as err:
            outcomes.append(PairOutcome(susp, src, 0, str(err)))
        except Exception as err:
            # A bug tripped by one pair must not cost a run of thousands; it is reported
            # with the pair and fails the run's exit code.
            problem = " ".join(str(err).split()) or "no message"
            error = f"{susp} {src}: {type(err).__name__}: {problem}"
            outcomes.append(PairOutcome(susp, src, 0, error))
    return _ChunkResult(
        outcomes,
        worker.prepared - prepared,
        worker.prepare_seconds - prepare_seconds,
        align_seconds,
    )


@dataclass(frozen=True, slots=True)
class AlignSummary:
    """Figures of one ``align_pairs`` run."""

    pairs: int
    failed: int
    detections: int
    #: Documents loaded, fingerprinted and embedded (each once when groups were not split).
    documents: int
    workers: int
    seconds: float
    #: CPU-side totals over all workers: preparing documents and aligning pairs.
    prepare_seconds: float
    align_seconds: float


def align_pairs(
    pairs: Sequence[Pair],
    *,
    src_dir: Path,
    susp_dir: Path,
    out_dir: Path,
    config: Config,
    workers: int,
    on_outcomes: Callable[[list[PairOutcome]], None] | None = None,
    on_start: Callable[[], None] | None = None,
) -> AlignSummary:
    """Align every pair (source from ``src_dir``, derived from ``susp_dir``) into PAN files.

    Each pair's detections go to ``out_dir / pair_xml_name(susp, src)``. A pair that fails
    (an unreadable document…) is reported through ``on_outcomes`` and counted; the rest go on.

    Args:
        pairs: ``(suspicious, source)`` file names, relative to their folders.
        src_dir: The source documents.
        susp_dir: The suspicious (derived) documents.
        out_dir: Where detection files are written; must exist.
        config: Settings (the model in ``config.embed``).
        workers: Processes; 1 aligns in this process.
        on_outcomes: Called in this process with each finished chunk's outcomes.
        on_start: Called once the worker processes exist (start threads only then:
            workers are forked).

    Returns:
        The run's figures.
    """
    chunks = plan_chunks(pairs, workers=workers)
    init_args = (config, src_dir, susp_dir, out_dir)
    start = time.perf_counter()
    results: list[_ChunkResult] = []

    def collect(result: _ChunkResult) -> None:
        results.append(result)
        if on_outcomes is not None:
            on_outcomes(result.outcomes)

    if workers <= 1:
        _init_worker(*init_args)
        if on_start is not None:
            on_start()
        for chunk in chunks:
            collect(_run_chunk(chunk))
    else:
        # fork: workers inherit the imported modules, so start-up costs only the model load.
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_init_worker, initargs=init_args
        ) as pool:
            # Every chunk is submitted before any thread of ours starts: with fork the
            # pool creates its processes on the first submit.
            futures: list[Future[_ChunkResult]] = [pool.submit(_run_chunk, c) for c in chunks]
            if on_start is not None:
                on_start()
            for future in as_completed(futures):
                collect(future.result())
    seconds = time.perf_counter() - start
    outcomes = [o for r in results for o in r.outcomes]
    return AlignSummary(
        pairs=len(outcomes),
        failed=sum(o.error is not None for o in outcomes),
        detections=sum(o.detections for o in outcomes),
        documents=sum(r.prepared for r in results),
        workers=workers,
        seconds=seconds,
        prepare_seconds=sum(r.prepare_seconds for r in results),
        align_seconds=sum(r.align_seconds for r in results),
    )


# --- commands -------------------------------------------------------------------------


def _fail(message: str) -> typer.Exit:
    _stderr().print(f"unspin: error: {message}", markup=False)
    return typer.Exit(EXIT_BAD_INPUT)


def _stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def default_workers() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _require_dir(path: Path, what: str) -> None:
    if not path.is_dir():
        problem = "no such directory" if not path.exists() else "not a directory"
        raise InputError(path, f"{problem} ({what})")


def run_align(
    pairs_file: Path,
    *,
    src_dir: Path,
    susp_dir: Path,
    out_dir: Path,
    config: Config,
    workers: int,
    quiet: bool = False,
) -> AlignSummary:
    """``pan align`` without the exit: check inputs, align with a progress bar, summarise.

    Raises:
        InputError: The pairs file or a folder is missing, or ``out_dir`` cannot be made.
        ConfigError: A setting is wrong (an unknown model, fewer than one worker).
    """
    if workers < 1:
        raise InputError("--workers", f"must be at least 1, not {workers}")
    # Checks the model name without loading it: workers load it themselves.
    load_embedder(EmbedConfig(enabled=False, model=config.embed.model))
    pairs = read_pairs(pairs_file)
    _require_dir(src_dir, "--src")
    _require_dir(susp_dir, "--susp")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(out_dir, f"cannot create ({err.strerror})") from None
    console = _stderr()
    progress = Progress(
        TextColumn("aligning"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("pairs"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=quiet,
        transient=False,
    )
    task = progress.add_task("align", total=len(pairs))

    def report(outcomes: list[PairOutcome]) -> None:
        for o in outcomes:
            if o.error is not None:
                progress.console.print(f"unspin: error: {o.error}", markup=False)
        progress.advance(task, len(outcomes))

    try:
        summary = align_pairs(
            pairs,
            src_dir=src_dir,
            susp_dir=susp_dir,
            out_dir=out_dir,
            config=config,
            workers=min(workers, max(1, len(pairs))),
            on_outcomes=report,
            on_start=progress.start,
        )
    finally:
        progress.stop()
    if not quiet:
        rate = summary.pairs / summary.seconds if summary.seconds else float("inf")
        console.print(
            f"{summary.pairs - summary.failed} of {summary.pairs} pairs aligned in "
            f"{summary.seconds:.1f} s ({rate:.1f} pairs/s, {summary.documents} documents, "
            f"{summary.workers} workers); {summary.detections} detections written to {out_dir}"
            + (f"; {summary.failed} failed" if summary.failed else "")
        )
    return summary


@pan_app.command("align")
def align_cmd(
    pairs: Annotated[Path, typer.Argument(help="A PAN pairs file: 'susp.txt src.txt' lines.")],
    src: Annotated[Path, typer.Option("--src", help="Folder of the source documents.")],
    susp: Annotated[Path, typer.Option("--susp", help="Folder of the suspicious documents.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the detection XML files.")],
    workers: Annotated[
        int | None,
        typer.Option("--workers", help="Worker processes (default: the CPUs available)."),
    ] = None,
    no_model: NoModelOption = False,
    model: ModelOption = "static",
    quiet: QuietProgressOption = False,
) -> None:
    """Align every pair listed in PAIRS and write one PAN detection file per pair."""
    try:
        config = Config(embed=EmbedConfig(enabled=not no_model, model=model))
        summary = run_align(
            pairs,
            src_dir=src,
            susp_dir=susp,
            out_dir=out,
            config=config,
            workers=workers if workers is not None else default_workers(),
            quiet=quiet,
        )
    except UnspinError as err:
        raise _fail(str(err)) from None
    raise typer.Exit(EXIT_BAD_INPUT if summary.failed else 0)


@pan_app.command("eval")
def eval_cmd(
    truth: Annotated[
        Path, typer.Option("--truth", help="The corpus: folders with pairs and truth XML files.")
    ],
    detections: Annotated[
        Path, typer.Option("--detections", help="Folder of detection XML files.")
    ],
    json_out: Annotated[
        str | None, typer.Option("--json", help="Write the scores as JSON to PATH ('-' = stdout).")
    ] = None,
) -> None:
    """Score detection files with the PAN measures, per obfuscation folder and overall."""
    try:
        scores = evaluate(truth, detections)
    except UnspinError as err:
        raise _fail(str(err)) from None
    data = scores_to_dict(scores)
    # No borders: the table fits an 80-column terminal without cutting a header or a number.
    table = Table(title="PAN measures", box=None, pad_edge=False, collapse_padding=True)
    table.add_column("folder", no_wrap=True)
    for name in ("cases", "detections", "precision", "recall", "granularity", "plagdet"):
        table.add_column(name, justify="right")
    rows = [*data["by_folder"].items(), ("overall", data["overall"])]
    for i, (name, m) in enumerate(rows):
        table.add_row(
            name,
            str(m["cases"]),
            str(m["detections"]),
            f"{m['precision']:.4f}",
            f"{m['recall']:.4f}",
            f"{m['granularity']:.4f}",
            f"{m['plagdet']:.4f}",
            style="bold" if i == len(rows) - 1 else None,
        )
    text = json.dumps(data, indent=2) + "\n"
    if json_out == "-":
        sys.stdout.write(text)
        Console(stderr=True).print(table)
        return
    Console().print(table)
    if json_out is not None:
        try:
            Path(json_out).write_text(text, encoding="utf-8")
        except OSError as err:
            raise _fail(f"{json_out}: cannot write ({err.strerror})") from None
