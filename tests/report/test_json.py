"""The stable JSON output."""

from __future__ import annotations

import json

from unspin.records import Comparison
from unspin.report import to_json, to_jsonl_line

from . import seed_comparison, seed_documents


def test_round_trip_and_stable_keys() -> None:
    c = seed_comparison()
    data = json.loads(to_json(c))
    assert data == c.to_dict()
    assert set(data) == {"unspin_version", "documents", "pairs"}
    assert data["unspin_version"] == "0.1.0"
    for d in data["documents"]:
        assert set(d) == {"id", "path", "date", "chars", "body"}
    assert data["documents"][0]["date"] == "2021-07-06"
    assert data["documents"][1]["date"] is None
    assert data["documents"][0]["chars"] == len(c.documents[0].text)
    (pair,) = data["pairs"]
    assert set(pair) == {
        "source",
        "derived",
        "direction",
        "derivation",
        "source_coverage",
        "derived_coverage",
        "passages",
    }
    assert set(pair["direction"]) == {"method", "confidence", "reason"}
    assert pair["derivation"] == "partially"
    assert len(pair["passages"]) == len(c.pairs[0].passages)
    for p, orig in zip(pair["passages"], c.pairs[0].passages, strict=True):
        assert set(p) == {"source_span", "derived_span", "kind", "similarity"}
        assert p["source_span"] == list(orig.source_span)
        assert p["derived_span"] == list(orig.derived_span)
        assert p["kind"] == orig.kind.value


def test_spans_index_the_real_texts() -> None:
    c = seed_comparison()
    data = json.loads(to_json(c))
    texts = {d.id: d.text for d in c.documents}
    pair = data["pairs"][0]
    quote = "As facts have proven time and again"
    spans = [p["derived_span"] for p in pair["passages"]]
    assert any(texts[pair["derived"]][s:e].startswith(quote) for s, e in spans)


def test_non_ascii_kept_and_indent() -> None:
    c = seed_comparison()
    out = to_json(c)
    assert "→" in out and "\\u2192" not in out
    assert out.startswith('{\n  "unspin_version"')
    compact = to_json(c, indent=None)
    assert "\n" not in compact
    assert json.loads(compact) == json.loads(out)


def test_jsonl_line_is_one_line() -> None:
    c = seed_comparison()
    line = to_jsonl_line(c)
    assert "\n" not in line and "\r" not in line
    assert json.loads(line) == c.to_dict()


def test_empty_comparison() -> None:
    a, b = seed_documents()
    data = json.loads(to_json(Comparison(documents=(a, b), pairs=())))
    assert data["pairs"] == []
    assert [d["id"] for d in data["documents"]] == [a.id, b.id]
