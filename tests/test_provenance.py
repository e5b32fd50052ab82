"""Coverage, derivation levels and the direction of reuse."""

from __future__ import annotations

import datetime as dt

from unspin.config import ProvenanceConfig
from unspin.ingest import document_from_text
from unspin.pipeline import compare
from unspin.provenance import coverage, derivation, direction
from unspin.records import Derivation, Document, Kind, Op, Passage, TokenEdit

from .test_classify import SOURCE


def test_coverage_counts_union_of_spans_inside_body() -> None:
    doc = Document("d", "x" * 100, body=((10, 60), (70, 100)))
    # Overlapping spans count once; the parts outside the body not at all.
    assert coverage(doc, [(0, 30), (20, 40), (65, 80)]) == (30 + 10) / 80
    assert coverage(doc, []) == 0.0


def test_derivation_levels() -> None:
    config = ProvenanceConfig()
    assert derivation(0.9, config) is Derivation.WHOLLY
    assert derivation(0.3, config) is Derivation.PARTIALLY
    assert derivation(0.0, config) is Derivation.NONE


def _doc(name: str, date: dt.date | None) -> Document:
    return Document(name, "text of " + name, date=date)


def test_direction_by_dates_either_way() -> None:
    early, late = _doc("early", dt.date(2021, 7, 6)), _doc("late", dt.date(2021, 7, 9))
    a_is_source, how = direction(late, early, [])
    assert not a_is_source and how.method == "date" and "predates" in how.reason


def test_direction_without_any_evidence_is_unknown() -> None:
    _a_is_source, how = direction(_doc("a", None), _doc("b", None), [])
    assert how.method == "unknown" and how.confidence == 0.5


def test_direction_by_content_when_a_quotation_is_reused_twice() -> None:
    p = Passage((0, 5), (0, 5), Kind.SHARED_QUOTE, 1.0)
    q = Passage((0, 5), (10, 15), Kind.ALTERED_QUOTE, 0.7)
    a_is_source, how = direction(_doc("a", None), _doc("b", None), [p, q])
    assert a_is_source and how.method == "content" and "twice" in how.reason


def test_rarer_substitutes_point_at_the_spun_copy() -> None:
    a = Document("a", "Ireland asked the company to stop the regular transfer of user data now")
    b = Document(
        "b", "Eire requested the corporation to cease the common transmission of consumer info now"
    )
    edits = (TokenEdit(Op.REPLACE, (0, len(a.text)), (0, len(b.text))),)
    p = Passage((0, len(a.text)), (0, len(b.text)), Kind.PARAPHRASE, 0.6, edits)
    a_is_source, how = direction(a, b, [p])
    assert a_is_source and "rarer" in how.reason
    b_is_source, _ = direction(b, a, [Passage(p.derived_span, p.source_span, p.kind, 0.6, ())])
    assert b_is_source  # no edits: no evidence, falls back to argument order


def test_compare_puts_the_earlier_document_first_whatever_the_argument_order() -> None:
    derived = document_from_text(
        "date 2021-07-09 Residents celebrated. " + SOURCE.split("\n\n")[0], id="later.txt"
    )
    source = document_from_text("date 2021-07-06 " + SOURCE, id="earlier.txt")
    (pair,) = compare(derived, source).pairs
    assert pair.source.id == "earlier.txt" and pair.derived.id == "later.txt"
    assert pair.direction.method == "date"
    assert pair.derived_coverage > 0.7 and pair.derivation is Derivation.WHOLLY


def test_direction_does_not_depend_on_argument_order_without_dates() -> None:
    from .conftest import SEED_DERIVED, SEED_SOURCE

    source = document_from_text(
        SEED_SOURCE.read_text(encoding="utf-8").replace(" date 2021-07-06 ", "", 1), id="s"
    )
    derived = document_from_text(SEED_DERIVED.read_text(encoding="utf-8"), id="d")
    assert source.date is None
    forward = compare(source, derived).pairs[0]
    backward = compare(derived, source).pairs[0]
    assert forward.source.id == backward.source.id == "s"
    assert forward.direction.method == "content"
    assert "once verbatim and once reworded" in forward.direction.reason
    assert forward.passages == backward.passages
