"""Acceptance on the canonical seed pair, against the developers' own hand annotation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from unspin.config import Config, EmbedConfig
from unspin.pipeline import compare_files
from unspin.records import Comparison, Kind, PairReport, Span

from .conftest import SEED_DERIVED, SEED_SOURCE

ANNOTATION = json.loads((Path(__file__).parent / "data" / "seed_annotation.json").read_text())


def _chars(spans: list[Span], minus: list[Span] = ()) -> set[int]:  # type: ignore[assignment]
    out = {k for s, e in spans for k in range(s, e)}
    return out - {k for s, e in minus for k in range(s, e)}


def precision_recall(
    found: list[Span], gold: list[Span], ignore: list[Span] = ()
) -> tuple[float, float]:  # type: ignore[assignment]
    """Character-level precision and recall of ``found`` against ``gold``."""
    f, g = _chars(found, ignore), _chars(gold, ignore)
    return (len(f & g) / len(f) if f else 0.0), (len(f & g) / len(g) if g else 1.0)


@pytest.fixture(scope="module", params=["static", "minilm-l3", "none"])
def seed_result(request: pytest.FixtureRequest) -> Comparison:
    embed = EmbedConfig(
        enabled=request.param != "none",
        model=request.param if request.param != "none" else "static",
    )
    return compare_files(SEED_SOURCE, SEED_DERIVED, config=Config(embed=embed))


LEXICAL_OUT_OF_REACH = {"spun repetition of the quote", "relations with Washington"}


def _pair(result: Comparison) -> PairReport:
    assert len(result.pairs) == 1
    return result.pairs[0]


def test_annotation_matches_the_files() -> None:
    src = SEED_SOURCE.read_text(encoding="utf-8")
    der = SEED_DERIVED.read_text(encoding="utf-8")
    for p in ANNOTATION["passages"]:
        assert der[slice(*p["derived_span"])] == p["derived_text"]
        assert src[slice(*p["source_span"])] == p["source_text"]


def test_source_is_000_by_its_date(seed_result: Comparison) -> None:
    pair = _pair(seed_result)
    assert pair.source.id == SEED_SOURCE.name
    assert pair.derived.id == SEED_DERIVED.name
    assert pair.direction.method == "date"
    assert "2021-07-06" in pair.direction.reason


def test_character_precision_and_recall(
    seed_result: Comparison, request: pytest.FixtureRequest
) -> None:
    pair = _pair(seed_result)
    gold = ANNOTATION["passages"]
    ignore = [i["span"] for i in ANNOTATION["ignore_derived"]]
    p, r = precision_recall(
        [x.derived_span for x in pair.passages], [g["derived_span"] for g in gold], ignore
    )
    floor = 0.9 if "none" not in request.node.callspec.id else 0.6
    assert p >= 0.9 and r >= floor, (p, r)
    ps, rs = precision_recall(
        [x.source_span for x in pair.passages], [g["source_span"] for g in gold]
    )
    assert ps >= 0.9 and rs >= floor, (ps, rs)


def test_each_passage_found_with_its_kind(
    seed_result: Comparison, request: pytest.FixtureRequest
) -> None:
    pair = _pair(seed_result)
    gold = ANNOTATION["passages"]
    if "none" in request.node.callspec.id:
        # Without the sentence model the most heavily spun passages (the reworded
        # repetition of the quote, the paragraph on relations) are out of reach; the
        # copied and lightly spun ones must still be found.
        gold = [g for g in gold if g["label"] not in LEXICAL_OUT_OF_REACH]
    for g in gold:
        gs, ge = g["derived_span"]
        overlapping = [
            x
            for x in pair.passages
            if min(ge, x.derived_span[1]) - max(gs, x.derived_span[0]) > 0.5 * (ge - gs)
        ]
        assert overlapping, f"missed: {g['label']}"
        assert overlapping[0].kind == Kind(g["kind"]), (g["label"], overlapping[0].kind)


def test_each_passage_is_one_of_the_editor_s(seed_result: Comparison) -> None:
    # Two spun paragraphs from distant parts of the source are two passages, as an
    # editor marks them, not one passage drawing on everything in between.
    pair = _pair(seed_result)
    for x in pair.passages:
        hits = [
            g["label"]
            for g in ANNOTATION["passages"]
            if min(g["derived_span"][1], x.derived_span[1])
            > max(g["derived_span"][0], x.derived_span[0])
        ]
        assert len(hits) <= 1, (x.derived_span, hits)


def test_nothing_from_background_bio_or_links(seed_result: Comparison) -> None:
    pair = _pair(seed_result)
    der = SEED_DERIVED.read_text(encoding="utf-8")
    background = der.index(ANNOTATION["not_reuse_from"]["text"])
    assert all(x.derived_span[1] <= background for x in pair.passages)


def test_offsets_slice_both_texts(seed_result: Comparison) -> None:
    pair = _pair(seed_result)
    for x in pair.passages:
        for doc, (s, e) in ((pair.source, x.source_span), (pair.derived, x.derived_span)):
            assert 0 <= s < e <= len(doc.text)
            assert doc.text[s:e].strip() == doc.text[s:e]
