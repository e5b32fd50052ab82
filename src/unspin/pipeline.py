"""The library API: compare two documents, end to end, in one screen of stage calls."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from . import __version__
from .align import FloatArray, align
from .classify import classify
from .config import Config
from .embed import Embedder, load_embedder
from .errors import InputError
from .fingerprint import Fingerprint, fingerprint
from .ingest import load_document
from .provenance import coverage, derivation, direction
from .records import Comparison, Direction, Document, PairReport, Passage


@dataclass(frozen=True, slots=True)
class Prepared:
    """A document made ready for alignment once, to be aligned against many others."""

    fingerprint: Fingerprint
    embeddings: FloatArray | None
    #: The embedding model's name, which selects its calibrated thresholds.
    model: str | None = None


def prepare(doc: Document, embedder: Embedder | None) -> Prepared:
    """Fingerprint ``doc`` and embed its sentences (when a model is given)."""
    fp = fingerprint(doc)
    if embedder is None:
        return Prepared(fp, None)
    sentences = [fp.sentence_text(i) for i in range(fp.n_sentences)]
    vectors = np.asarray(embedder.encode(sentences), dtype=np.float32)
    return Prepared(fp, vectors, embedder.name)


def align_prepared(source: Prepared, derived: Prepared, *, config: Config) -> list[Passage]:
    """Passages of ``derived`` reused from ``source``, roles fixed (no direction step).

    Raises:
        InputError: The two documents are too long to compare sentence by sentence.
    """
    cells = source.fingerprint.n_sentences * derived.fingerprint.n_sentences
    if cells > config.align.max_sentence_pairs:
        raise InputError(
            f"{source.fingerprint.doc.id} vs {derived.fingerprint.doc.id}",
            f"too long to compare whole ({source.fingerprint.n_sentences:,} x "
            f"{derived.fingerprint.n_sentences:,} sentences; the limit is "
            f"{config.align.max_sentence_pairs:,} pairs): split the documents",
        )
    # Vectors of two different models are not comparable: align lexically then.
    same_model = source.model is not None and source.model == derived.model
    matches = align(
        source.fingerprint,
        derived.fingerprint,
        config=config.align,
        embeddings_a=source.embeddings if same_model else None,
        embeddings_b=derived.embeddings if same_model else None,
        model=source.model if same_model else None,
    )
    return classify(
        matches,
        source.fingerprint,
        derived.fingerprint,
        config=config.classify,
        min_piece_chars=config.align.min_passage_chars,
    )


def compare(
    a: Document,
    b: Document,
    *,
    config: Config | None = None,
    embedder: Embedder | None = None,
    use_model: bool = True,
) -> Comparison:
    """Find every passage one of ``a``/``b`` reuses from the other, and explain the pair.

    Args:
        a: A document (its role, source or derived, is decided here).
        b: The other document.
        config: Settings; the documented defaults when omitted.
        embedder: A loaded sentence model; when omitted and ``use_model`` is true the
            configured one is loaded (once per process). Without a model unspin aligns
            on lexical evidence only.
        use_model: Set false to align lexically without trying to load a model.

    Returns:
        The documents and, when they share reused passages, one ``PairReport``.
    """
    config = config or Config()
    if embedder is None and use_model:
        embedder = load_embedder(config.embed)
    return compare_prepared(a, b, prepare(a, embedder), prepare(b, embedder), config=config)


def compare_prepared(
    a: Document,
    b: Document,
    pa: Prepared,
    pb: Prepared,
    *,
    config: Config,
    one_way_by_date: bool = False,
) -> Comparison:
    """``compare`` for documents already prepared (by ``prepare`` or from an index).

    With ``one_way_by_date``, two documents of different dates are aligned one way only,
    the earlier as the source: the date decides the direction anyway, and a corpus scan
    halves its work (the content cues of that one alignment still set the confidence).
    """
    if one_way_by_date and a.date and b.date and a.date != b.date:
        if b.date < a.date:
            a, b, pa, pb = b, a, pb, pa
        forward = align_prepared(pa, pb, config=config)
        _, how = direction(a, b, forward)
        dated = (pair_report(a, b, forward, how, config=config),) if forward else ()
        return Comparison(documents=(a, b), pairs=dated, version=__version__)
    # Passages are clustered along the derived text, so each role gets its own alignment;
    # the direction weighs the evidence of both.
    forward = align_prepared(pa, pb, config=config)
    backward = align_prepared(pb, pa, config=config)
    a_is_source, how = direction(a, b, forward, backward)
    src, der, passages = (a, b, forward) if a_is_source else (b, a, backward)
    pairs: tuple[PairReport, ...] = ()
    if passages:
        pairs = (pair_report(src, der, passages, how, config=config),)
    return Comparison(documents=(a, b), pairs=pairs, version=__version__)


def pair_report(
    source: Document,
    derived: Document,
    passages: list[Passage],
    how: Direction,
    *,
    config: Config,
) -> PairReport:
    """The report of one directed pair: coverage on each side and the derivation level."""
    der_cov = coverage(derived, [p.derived_span for p in passages])
    return PairReport(
        source=source,
        derived=derived,
        direction=how,
        derivation=derivation(der_cov, config.provenance),
        source_coverage=coverage(source, [p.source_span for p in passages]),
        derived_coverage=der_cov,
        passages=tuple(passages),
    )


def compare_files(
    path_a: str | os.PathLike[str],
    path_b: str | os.PathLike[str],
    *,
    config: Config | None = None,
    embedder: Embedder | None = None,
    use_model: bool = True,
) -> Comparison:
    """Load two files (txt, json or html) and compare them; see ``compare``."""
    config = config or Config()
    a = load_document(path_a, config=config.ingest)
    b = load_document(path_b, config=config.ingest)
    return compare(a, b, config=config, embedder=embedder, use_model=use_model)
