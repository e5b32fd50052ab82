"""Every span unspin reports slices the original text, whatever the text contains."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unspin.ingest import document_from_text
from unspin.pipeline import compare
from unspin.records import Document

from .conftest import SEED_DERIVED, SEED_SOURCE

SOURCE_TEXT = SEED_SOURCE.read_text(encoding="utf-8")
DERIVED_TEXT = SEED_DERIVED.read_text(encoding="utf-8")[:2200]

# Control characters (PAN's U+0019 apostrophes), combining marks, zero-width and bidi
# characters, homoglyphs, ligatures, CRLF and arbitrary code points.
noise = st.one_of(
    st.sampled_from(
        list(
            "\x00\x07\x13\x19\x1c\x1d\r\n\t\u0301\u0327\u0308\u200b\u200d\u202e\ufeff\u2800ﬁ“”’аеоі"
        )
    ),
    st.characters(codec="utf-8", exclude_categories=("Cs",)),
)
insertions = st.lists(st.tuples(st.integers(0, len(DERIVED_TEXT)), noise), max_size=60)


def _mutate(text: str, edits: list[tuple[int, str]]) -> str:
    for pos, ch in sorted(edits, reverse=True):
        text = text[:pos] + ch + text[pos:]
    return text


def _check(doc: Document, spans: list[tuple[int, int]]) -> None:
    for s, e in spans:
        assert 0 <= s < e <= len(doc.text)
        assert any(bs <= s and e <= be for bs, be in doc.body), (s, e, doc.body)


@given(insertions)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_spans_slice_the_original_under_noise(edits: list[tuple[int, str]]) -> None:
    derived = _mutate(DERIVED_TEXT, edits)
    result = compare(
        document_from_text(SOURCE_TEXT, id="src"),
        document_from_text(derived, id="der"),
        use_model=False,
    )
    for pair in result.pairs:
        _check(pair.source, [p.source_span for p in pair.passages])
        _check(pair.derived, [p.derived_span for p in pair.passages])
        derived_spans = sorted(p.derived_span for p in pair.passages)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(derived_spans))
        for p in pair.passages:
            for edit in p.edits:
                for (s, e), doc in ((edit.source, pair.source), (edit.derived, pair.derived)):
                    assert 0 <= s <= e <= len(doc.text)
        assert 0.0 <= pair.source_coverage <= 1.0 and 0.0 <= pair.derived_coverage <= 1.0


@given(st.text(max_size=400), st.text(max_size=400))
@settings(max_examples=60, deadline=None)
def test_arbitrary_texts_never_crash(a: str, b: str) -> None:
    if not a.strip() or not b.strip():
        return
    result = compare(Document("a", a), Document("b", b), use_model=False)
    for pair in result.pairs:
        _check(pair.source, [p.source_span for p in pair.passages])
        _check(pair.derived, [p.derived_span for p in pair.passages])


def test_homoglyph_and_zero_width_copy_is_still_verbatim() -> None:
    paragraph = SOURCE_TEXT.split("\n\n")[2]
    disguised = paragraph.replace("a", "а").replace("e", "е").replace(" ", " \u200b")
    result = compare(
        document_from_text(SOURCE_TEXT, id="src"), document_from_text(disguised, id="der")
    )
    (pair,) = result.pairs
    (p,) = pair.passages
    assert p.kind.value in {"verbatim", "shared-quote"}
    assert pair.derived_coverage > 0.95
