"""The library API over a corpus: index documents, check one against the index, scan all.

The same stages as ``pipeline.compare`` — every candidate pair is compared by
``pipeline.compare_prepared`` — with the index supplying prepared documents, candidates
(``candidates``) replacing all pairs, and corpus-level provenance (siblings, ledger,
families) on top.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from . import __version__
from .candidates import Candidate, corpus_candidates, query_candidates, semantic_look
from .config import CandidateConfig, Config, EmbedConfig
from .embed import Embedder, load_embedder
from .fingerprint import (
    GENERIC_NAMES,
    STOPWORDS,
    U64,
    Fingerprint,
    content_shingles,
    fingerprint,
    minhash_bands,
    posting_keys,
    sentence_keys,
)
from .index import AddSummary, Boilerplate, Index, StoredDocument, centroid
from .ingest import check_paths, iter_documents
from .pipeline import Prepared, compare_prepared, pair_report, prepare
from .provenance import Ledger, common_sources, families, ledger
from .records import Comparison, Direction, Document, Kind, PairReport, Passage, Span

Progress = Callable[[int, int], None]

_CHUNK_PAIRS = 64
_CACHE_DOCUMENTS = 4096


def index_paths(
    paths: Sequence[str | os.PathLike[str]],
    db: str | os.PathLike[str],
    *,
    config: Config | None = None,
    embedder: Embedder | None = None,
    progress: Callable[[AddSummary], None] | None = None,
) -> AddSummary:
    """Add the documents under ``paths`` (files, folders, containers) to the index ``db``.

    Raises:
        InputError: A path does not exist (checked before anything is written).
        ConfigError: The index was built with other settings or another model.
    """
    config = config or Config()
    check_paths(paths)
    if embedder is None and config.embed.enabled:
        embedder = load_embedder(config.embed)
    with Index(db, config=config.index) as index:
        return index.add(
            iter_documents(paths, config=config.ingest), embedder=embedder, progress=progress
        )


# -- learned boilerplate ----------------------------------------------------------------------


def subtract(body: tuple[Span, ...], spans: Sequence[Span]) -> tuple[Span, ...]:
    """``body`` without ``spans`` (both sorted or not), as sorted disjoint spans."""
    out: list[Span] = []
    cuts = sorted(spans)
    for bs, be in body:
        cur = bs
        for s, e in cuts:
            if e <= cur or s >= be:
                continue
            if s > cur:
                out.append((cur, s))
            cur = max(cur, e)
        if cur < be:
            out.append((cur, be))
    return tuple(out) or ((body[0][0], body[0][0]),) if body else ()


def _inside(span: Span, spans: Sequence[Span]) -> int:
    s, e = span
    return sum(max(0, min(e, be) - max(s, bs)) for bs, be in spans)


def without_boilerplate(
    report: PairReport,
    source: Boilerplate | None,
    derived: Boilerplate | None,
    *,
    config: Config,
) -> PairReport | None:
    """The report minus passages that are mostly corpus boilerplate, on reduced bodies.

    A template's sentences are boilerplate unless copied word for word: the same filling
    is the same facts. Applied after alignment rather than before, so a document's stored
    sentence vectors still line up with its sentences.
    """
    source, derived = source or Boilerplate(), derived or Boilerplate()
    if not (source.lines or source.templates or derived.lines or derived.templates):
        return report
    share = config.candidates.boilerplate_share

    def mostly(span: Span, spans: Boilerplate, copy: bool) -> bool:
        inside = _inside(span, spans.lines) + (0 if copy else _inside(span, spans.templates))
        return inside >= share * (span[1] - span[0])

    kept = [
        p
        for p in report.passages
        if not mostly(p.derived_span, derived, p.kind is Kind.VERBATIM)
        and not mostly(p.source_span, source, p.kind is Kind.VERBATIM)
    ]
    if not kept:
        return None

    def body(doc: Document, spans: Boilerplate, side: str) -> tuple[Span, ...]:
        copies = [getattr(p, side) for p in kept if p.kind is Kind.VERBATIM]
        templates = [t for t in spans.templates if not _inside(t, copies)]
        return subtract(doc.body, [*spans.lines, *templates])

    return pair_report(
        replace(report.source, body=body(report.source, source, "source_span")),
        replace(report.derived, body=body(report.derived, derived, "derived_span")),
        kept,
        report.direction,
        config=config,
    )


# -- alignment of candidate pairs (in worker processes) ---------------------------------------


@dataclass(frozen=True, slots=True)
class PassageEvidence:
    """What the corpus filters need of one passage: the posting keys (content n-grams,
    name-or-figure pairs) its two sides share, and how many sentences it spans (the
    fewer of its two sides)."""

    shared: U64
    sentences: int


def _sentences_in(fp: Fingerprint, span: Span) -> int:
    starts, ends = fp.sentence_spans[:, 0], fp.sentence_spans[:, 1]
    return int(((starts < span[1]) & (ends > span[0])).sum())


def passage_evidence(
    pair: PairReport, source: Prepared, derived: Prepared, n: int
) -> list[PassageEvidence]:
    """Per passage of ``pair``, its :class:`PassageEvidence`."""
    a, b = source.fingerprint, derived.fingerprint
    return [
        PassageEvidence(
            np.intersect1d(
                posting_keys(a, n, p.source_span)[0], posting_keys(b, n, p.derived_span)[0]
            ),
            min(_sentences_in(a, p.source_span), _sentences_in(b, p.derived_span)),
        )
        for p in pair.passages
    ]


#: Names (capitalised words, initialisms such as "U.S.") and figures.
_SPECIFIC = re.compile(r"[A-Z](?:\.[A-Z])+\.?|\b[A-Z][\w'-]*|\d(?:[\d,.]*\d)?")


def specifics(text: str) -> set[str]:
    """The names and figures of a text (capitalised function and calendar words left out)."""
    return {
        w.rstrip(".")
        for w in _SPECIFIC.findall(text)
        if w.lower() not in STOPWORDS and w.rstrip(".").lower() not in GENERIC_NAMES
    }


_FIGURE = re.compile(r"\d(?:[\d,.]*\d)?")


def specifics_kept(source: str, derived: str, config: CandidateConfig) -> bool:
    """Does a rewrite keep enough of its source's names and figures?

    Figures are also judged on their own: a spinner never touches them, so a rewrite
    whose figures are mostly new reports other facts in the same words (this week's
    copper stocks after last month's, the aluminium figures after the copper ones).
    """
    mine = specifics(derived)
    if len(mine) >= config.min_specifics and (
        len(mine & specifics(source)) < config.min_specifics_share * len(mine)
    ):
        return False
    figures = set(_FIGURE.findall(derived))
    if len(figures) < config.min_figures:
        return True
    return len(figures & set(_FIGURE.findall(source))) >= config.min_figures_share * len(figures)


def rare_limit(n_documents: int, config: CandidateConfig) -> int:
    """The largest document frequency of a phrase still rare in a corpus of this size."""
    relative = int(config.rare_df_share * n_documents)
    return max(config.rare_df_floor, min(config.max_df, relative))


#: Passages that copy text: a pair with one is a borrowing, its looser passages with it.
_COPIED = frozenset({Kind.VERBATIM, Kind.NEAR_VERBATIM, Kind.SHARED_QUOTE})


def with_corpus_evidence(
    pair: PairReport,
    evidence: list[PassageEvidence],
    df: dict[int, int],
    limit: int,
    *,
    config: Config,
) -> PairReport | None:
    """The pair minus rewritten passages that share no phrase rare in the corpus.

    A wire service's formulas ("Qtly div ... Pay ... Record ...", "the company said in a
    statement") resemble each other across hundreds of stories; within one pair they look
    like a rewrite, across the corpus they are the house style. A reused passage keeps
    some phrase of its own: copies keep all, spun copies the runs their spinner had no
    synonym for (TextPAIR's banality filter works on the same corpus frequencies).
    Copies are exempt (a long identical run is no formula) as long as they are passages,
    not phrases (``AlignConfig.min_passage_chars``), and so are shared quotations: a
    speaker's words are reuse however common. A reworded quotation is a rewrite like any
    other: two stories quoting one official on one subject say similar things.

    A loose rewrite of a single sentence also needs ``min_single_sentence_similarity``:
    two reporters telling the same announcement write one such sentence each (an update,
    a rival's story), while a spinner rewrites passages and keeps each sentence close.
    """
    # In a pair that shares copied or quoted text, the looser passages beside it are the
    # same borrowing (the seed pair's spun paragraphs next to its quotes), not chance.
    shortest = config.align.min_passage_chars
    copied = any(p.kind in _COPIED for p in pair.passages)

    def rewrite_holds(p: Passage, e: PassageEvidence) -> bool:
        if copied:
            return True
        if e.sentences <= 1 and p.similarity < config.candidates.min_single_sentence_similarity:
            return False
        rare = sum(1 for h in e.shared.tolist() if df.get(h, 0) <= limit)
        return rare >= config.candidates.min_rare_shared and specifics_kept(
            pair.source.text[slice(*p.source_span)],
            pair.derived.text[slice(*p.derived_span)],
            config.candidates,
        )

    kept = [
        p
        for p, e in zip(pair.passages, evidence, strict=True)
        if p.kind is Kind.SHARED_QUOTE
        or (p.kind is Kind.ALTERED_QUOTE and rewrite_holds(p, e))
        or (
            p.derived_span[1] - p.derived_span[0] >= shortest
            and (p.kind in _COPIED or (p.kind is Kind.PARAPHRASE and rewrite_holds(p, e)))
        )
    ]
    if len(kept) == len(pair.passages):
        return pair
    if not kept:
        return None
    return pair_report(pair.source, pair.derived, kept, pair.direction, config=config)


@dataclass(slots=True)
class _Aligner:
    """A worker's read-only view of the index and the learned boilerplate."""

    index: Index
    config: Config
    boilerplate: dict[int, Boilerplate]
    rare: int = 0
    #: Documents recur across candidates (a document has a dozen on average), so each
    #: worker keeps the ones it prepared last instead of reading and fingerprinting again.
    cache: OrderedDict[int, tuple[StoredDocument, Prepared]] = field(default_factory=OrderedDict)

    def __post_init__(self) -> None:
        self.rare = rare_limit(self.index.count(), self.config.candidates)

    def _load(self, ids: list[int]) -> None:
        missing = [i for i in ids if i not in self.cache]
        stored = list(self.index.documents(missing))
        prepared = self.index.prepared_many(stored)
        for s in stored:
            self.cache[s.doc_id] = (s, prepared[s.doc_id])
        for i in ids:
            self.cache.move_to_end(i)
        while len(self.cache) > _CACHE_DOCUMENTS:
            self.cache.popitem(last=False)

    def run(self, chunk: list[Candidate]) -> list[PairReport]:
        ids = sorted({c.a for c in chunk} | {c.b for c in chunk})
        self._load(ids)
        stored = {i: self.cache[i][0] for i in ids}
        prepared = {i: self.cache[i][1] for i in ids}
        found: list[tuple[PairReport, list[PassageEvidence]]] = []
        n = self.config.index.shingle_n
        for c in chunk:
            a, b = stored[c.a], stored[c.b]
            result = compare_prepared(
                a.document,
                b.document,
                prepared[c.a],
                prepared[c.b],
                config=self.config,
                one_way_by_date=True,
            )
            for pair in result.pairs:
                src, der = (c.a, c.b) if pair.source is a.document else (c.b, c.a)
                kept = without_boilerplate(
                    pair,
                    self.boilerplate.get(src),
                    self.boilerplate.get(der),
                    config=self.config,
                )
                if kept is not None:
                    found.append((kept, passage_evidence(kept, prepared[src], prepared[der], n)))
        df = self.index.document_frequency([e.shared for _, es in found for e in es])
        out = []
        for pair, evidence in found:
            if kept := with_corpus_evidence(pair, evidence, df, self.rare, config=self.config):
                out.append(kept)
        return out


_WORKER: _Aligner | None = None


def _init_worker(db: str, config: Config, boilerplate: dict[int, Boilerplate]) -> None:
    global _WORKER
    _WORKER = _Aligner(Index(db, config=config.index, read_only=True), config, boilerplate)


def _run_chunk(chunk: list[Candidate]) -> list[PairReport]:
    assert _WORKER is not None, "worker not initialised"
    return _WORKER.run(chunk)


def align_candidates(
    db: str,
    candidates: list[Candidate],
    boilerplate: dict[int, Boilerplate],
    *,
    config: Config,
    workers: int,
    progress: Progress | None = None,
) -> list[PairReport]:
    """Compare every candidate pair, ``workers`` processes each reading the index."""
    chunks = [candidates[i : i + _CHUNK_PAIRS] for i in range(0, len(candidates), _CHUNK_PAIRS)]
    reports: list[PairReport] = []
    done = 0
    if workers <= 1 or len(chunks) <= 1:
        with Index(db, config=config.index, read_only=True) as index:
            aligner = _Aligner(index, config, boilerplate)
            for chunk in chunks:
                reports += aligner.run(chunk)
                done += len(chunk)
                if progress:
                    progress(done, len(candidates))
        return reports
    # fork shares the loaded model and the boilerplate map with the workers for free.
    ctx = mp.get_context("fork")
    with ctx.Pool(workers, _init_worker, (db, config, boilerplate)) as pool:
        for found in pool.imap_unordered(_run_chunk, chunks):
            reports += found
            done = min(len(candidates), done + _CHUNK_PAIRS)
            if progress:
                progress(done, len(candidates))
    return reports


# -- the scan ---------------------------------------------------------------------------------


@dataclass(slots=True)
class ScanResult:
    """Every reuse pair of a corpus, with its provenance."""

    pairs: list[PairReport]
    #: (source id, derived id) of pairs whose shared text both took from a third document.
    siblings: dict[tuple[str, str], str]
    ledgers: dict[str, Ledger]
    families: dict[str, int]
    documents: int
    candidates: int
    #: Candidates that passed ``candidates.semantic_look`` and went to the aligner.
    aligned: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def scan(
    db: str | os.PathLike[str],
    *,
    config: Config | None = None,
    workers: int = 1,
    progress: Progress | None = None,
) -> ScanResult:
    """All reuse pairs of the index ``db``: candidates, alignment, direction, provenance.

    Raises:
        InputError: ``db`` is missing or not an index.
    """
    config = config or Config()
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    with Index(db, config=config.index, read_only=True) as index:
        n_docs = index.count()
        boilerplate = index.boilerplate(
            min_docs=config.candidates.boilerplate_min_docs,
            max_words=config.candidates.boilerplate_max_words,
        )
        seconds["boilerplate"] = time.perf_counter() - t
        t = time.perf_counter()
        candidates = corpus_candidates(index, config.candidates)
        found = len(candidates)
        thresholds = config.align.semantic.get(index.model or "")
        if thresholds is not None:
            candidates = semantic_look(
                candidates,
                index.sentence_vectors(),
                weak=thresholds.weak,
                strong=thresholds.strong,
                config=config.candidates,
            )
        seconds["candidates"] = time.perf_counter() - t
    t = time.perf_counter()
    reports = align_candidates(
        str(db), candidates, boilerplate, config=config, workers=workers, progress=progress
    )
    seconds["align"] = time.perf_counter() - t
    t = time.perf_counter()
    result = corpus_provenance(reports, config=config)
    result.documents = n_docs
    result.candidates = found
    result.aligned = len(candidates)
    seconds["provenance"] = time.perf_counter() - t
    result.seconds = seconds
    return result


def corpus_provenance(reports: list[PairReport], *, config: Config) -> ScanResult:
    """Siblings, ledgers and families over a corpus's pair reports (sorted, deterministic)."""
    del config  # the thresholds of provenance live with its functions' defaults
    reports = sorted(reports, key=lambda r: (r.source.id, r.derived.id))
    siblings = common_sources(reports)
    out: list[PairReport] = []
    for r in reports:
        origin = siblings.get((r.source.id, r.derived.id))
        if origin is not None:
            why = (
                f"both reuse {origin}: the text {r.source.id} and {r.derived.id} share "
                f"comes from it ({r.direction.reason})"
            )
            r = replace(r, direction=Direction("common-source", r.direction.confidence, why))
        out.append(r)
    by_derived: dict[str, list[PairReport]] = {}
    for r in out:
        if (r.source.id, r.derived.id) not in siblings:
            by_derived.setdefault(r.derived.id, []).append(r)
    ledgers = {doc_id: ledger(rs[0].derived, rs) for doc_id, rs in by_derived.items()}
    ids = sorted({r.source.id for r in out} | {r.derived.id for r in out})
    fams = families(ids, [(r.source.id, r.derived.id) for r in out])
    return ScanResult(out, siblings, ledgers, fams, 0, 0)


# -- check one document -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One outside document against the index: its pairs and its borrowing ledger."""

    comparison: Comparison
    ledger: Ledger
    candidates: int


def check(
    doc: Document,
    db: str | os.PathLike[str],
    *,
    config: Config | None = None,
    embedder: Embedder | None = None,
) -> CheckResult:
    """Find the sources of ``doc`` in the index and align them.

    The index's own model is used (its vectors are only comparable with their own
    model's); with ``config.embed.enabled`` false, or an index without vectors, the
    comparison is lexical.

    Raises:
        InputError: ``db`` is missing or not an index.
    """
    config = config or Config()
    with Index(db, config=config.index, read_only=True) as index:
        return check_index(doc, index, config=config, embedder=embedder)


def index_embedder(
    index: Index, config: Config, embedder: Embedder | None = None
) -> Embedder | None:
    """The embedder whose vectors compare with the index's own (loaded when not given):
    none for a lexical index or with ``config.embed.enabled`` false."""
    model = index.model if config.embed.enabled else None
    if embedder is None and model is not None:
        embedder = load_embedder(EmbedConfig(model=model, batch_size=config.embed.batch_size))
    if embedder is not None and embedder.name != model:
        embedder = None
    return embedder


def check_index(
    doc: Document, index: Index, *, config: Config, embedder: Embedder | None = None
) -> CheckResult:
    """:func:`check` against an index already open (the web app keeps one open)."""
    embedder = index_embedder(index, config, embedder)
    model = embedder.name if embedder is not None else None
    mine = prepare(doc, embedder)
    shingles, _ = posting_keys(mine.fingerprint, config.index.shingle_n)
    bands = minhash_bands(
        content_shingles(mine.fingerprint, config.index.shingle_n)[0],
        bands=config.index.minhash_bands,
        rows=config.index.minhash_rows,
    )
    mean = (
        centroid(mine.embeddings, mine.fingerprint.sentence_in_body)
        if mine.embeddings is not None
        else None
    )
    candidates = query_candidates(index, shingles, bands, mean, config.candidates)
    ids = [c.b for c in candidates]
    stored = list(index.documents(ids))
    prepared = (
        index.prepared_many(stored)
        if model
        else {s.doc_id: Prepared(fingerprint(s.document), None) for s in stored}
    )
    common = index.common_sentences(
        min_docs=config.candidates.boilerplate_min_docs,
        max_words=config.candidates.boilerplate_max_words,
    )
    boiler = index.boilerplate(
        min_docs=config.candidates.boilerplate_min_docs,
        max_words=config.candidates.boilerplate_max_words,
        doc_ids=ids,
    )
    lines, templates = common
    own = Boilerplate()
    for h, sk, start, end, _ in sentence_keys(mine.fingerprint):
        if h in lines:
            own.lines.append((start, end))
        elif sk in templates:
            own.templates.append((start, end))
    found: list[tuple[PairReport, bool, list[PassageEvidence]]] = []
    for s in stored:
        if _same_file(s.document.path, doc.path):
            continue  # the document itself, already indexed, is not its own source
        theirs = prepared[s.doc_id]
        result = compare_prepared(s.document, doc, theirs, mine, config=config)
        for pair in result.pairs:
            mine_derived = pair.derived is doc
            spans = boiler.get(s.doc_id)
            kept = without_boilerplate(
                pair,
                spans if mine_derived else own,
                own if mine_derived else spans,
                config=config,
            )
            if kept is not None:
                src, der = (theirs, mine) if mine_derived else (mine, theirs)
                evidence = passage_evidence(kept, src, der, config.index.shingle_n)
                found.append((kept, mine_derived, evidence))
    # The same corpus evidence as a scan: the house style of the index is no source.
    df = index.document_frequency([e.shared for _, _, es in found for e in es])
    rare = rare_limit(index.count(), config.candidates)
    reports = [
        (kept, mine_derived)
        for pair, mine_derived, evidence in found
        if (kept := with_corpus_evidence(pair, evidence, df, rare, config=config)) is not None
    ]
    reports.sort(key=lambda rm: (-rm[0].derived_coverage, rm[0].source.id, rm[0].derived.id))
    others = tuple(r.source if derived else r.derived for r, derived in reports)
    comparison = Comparison(
        documents=(doc, *others), pairs=tuple(r for r, _ in reports), version=__version__
    )
    own_spans = [*own.lines, *own.templates]
    body_doc = replace(doc, body=subtract(doc.body, own_spans)) if own_spans else doc
    sources = [replace(r, derived=body_doc) for r, derived in reports if derived]
    return CheckResult(comparison, ledger(body_doc, sources), len(candidates))


def _same_file(a: str | None, b: str | None) -> bool:
    """Do two document paths name one file (records inside containers compared as given)?"""
    if a is None or b is None:
        return False
    return a == b or (os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b))
