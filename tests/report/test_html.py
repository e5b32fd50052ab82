"""The HTML report: exact offsets, escaping, passage ids in both panes, offline page."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from unspin.records import (
    Comparison,
    Derivation,
    Direction,
    Document,
    Kind,
    Op,
    PairReport,
    Passage,
    TokenEdit,
)
from unspin.report import render_html
from unspin.report.html import Mark, Segment, passage_marks, segments

from . import seed_comparison, seed_documents, span_of


class _Panes(HTMLParser):
    """Collects, per pair section and pane side, the pane text and the passage ids in it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.section = -1
        self.side: str | None = None
        self.div_depth = 0
        self.side_depth = -1
        self.in_text_depth = -1
        self.texts: dict[tuple[int, str], list[str]] = {}
        self.ids: dict[tuple[int, str], set[str]] = {}
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "section" and a.get("data-pair") is not None:
            self.section = int(a["data-pair"] or 0)
        if tag == "div":
            self.div_depth += 1
            if a.get("data-side"):
                side = a["data-side"] or ""
                n = sum(1 for k in self.texts if k[0] == self.section and k[1].startswith(side))
                self.side, self.side_depth = side + (str(n) if n else ""), self.div_depth
                self.texts[(self.section, self.side)] = []
                self.ids[(self.section, self.side)] = set()
            elif self.side and "text" in (a.get("class") or "").split():
                self.in_text_depth = self.div_depth
        if self.side and a.get("data-passages") is not None:
            self.ids[(self.section, self.side)].update((a["data-passages"] or "").split())

    def handle_endtag(self, tag: str) -> None:
        if tag == "div":
            if self.div_depth == self.in_text_depth:
                self.in_text_depth = -1
            if self.div_depth == self.side_depth:
                self.side, self.side_depth = None, -1
            self.div_depth -= 1

    def handle_data(self, data: str) -> None:
        if self.side and self.in_text_depth >= 0:
            self.texts[(self.section, self.side)].append(data)


def _parse(html: str) -> _Panes:
    p = _Panes()
    p.feed(html)
    p.close()
    return p


def _pair(source: Document, derived: Document, passages: tuple[Passage, ...]) -> PairReport:
    return PairReport(
        source=source,
        derived=derived,
        direction=Direction("date", 0.9, "the source is older"),
        derivation=Derivation.PARTIALLY,
        source_coverage=0.5,
        derived_coverage=0.25,
        passages=passages,
    )


# --- segments --------------------------------------------------------------------------


def test_segments_seed_concatenate_to_the_document_text() -> None:
    c = seed_comparison()
    pair = c.pairs[0]
    for side, doc in (("source", pair.source), ("derived", pair.derived)):
        segs = segments(doc.text, doc.body, passage_marks(pair, side))
        assert "".join(s.text for s in segs) == doc.text
        for s in segs:
            assert doc.text[s.start : s.end] == s.text


def test_segments_overlapping_passages_belong_to_all() -> None:
    text = "abcdefghij"
    marks = [Mark(2, 6, 1, Kind.PARAPHRASE), Mark(4, 8, 2, Kind.VERBATIM)]
    segs = segments(text, [(1, 9)], marks)
    assert [(s.text, s.passages, s.in_body) for s in segs] == [
        ("a", (), False),
        ("b", (), True),
        ("cd", (1,), True),
        ("ef", (1, 2), True),
        ("gh", (2,), True),
        ("i", (), True),
        ("j", (), False),
    ]
    # the most literal kind comes first
    assert segs[3].kinds == (Kind.VERBATIM, Kind.PARAPHRASE)


def test_segments_edits_clipping_and_empty() -> None:
    text = "Ireland asked"
    marks = [
        Mark(-5, 99, 1, Kind.ALTERED_QUOTE),
        Mark(0, 7, 1, Kind.ALTERED_QUOTE, Op.REPLACE, "Ireland → Eire"),
        Mark(3, 3, 2, Kind.VERBATIM),  # empty: marks nothing
        Mark(8, 13, 1, Kind.ALTERED_QUOTE, Op.EQUAL),  # equal words stay plain
    ]
    segs = segments(text, [(0, 13)], marks)
    assert [(s.text, s.edits, s.titles) for s in segs] == [
        ("Ireland", (Op.REPLACE,), ("Ireland → Eire",)),
        (" asked", (), ()),
    ]
    assert all(s.passages == (1,) for s in segs)
    assert segments("", [(0, 0)], marks) == []


_TEXT = st.text(
    alphabet=st.characters(exclude_categories=["Cs"]),  # control, combining, any plane
    max_size=60,
)


@st.composite
def _doc_and_marks(draw: st.DrawFn) -> tuple[str, list[tuple[int, int]], list[Mark]]:
    text = draw(_TEXT)
    pos = st.integers(min_value=-3, max_value=len(text) + 3)
    body = draw(st.lists(st.tuples(pos, pos), max_size=3))
    marks = draw(
        st.lists(
            st.builds(
                Mark,
                start=pos,
                end=pos,
                passage=st.integers(1, 5),
                kind=st.sampled_from(list(Kind)),
                edit=st.none() | st.sampled_from(list(Op)),
                title=st.sampled_from(["", "a → b", '"><script>']),
            ),
            max_size=8,
        )
    )
    return text, body, marks


def _clip(s: int, e: int, n: int) -> tuple[int, int]:
    return max(0, min(s, n)), max(0, min(e, n))


@settings(max_examples=400, deadline=None)
@given(_doc_and_marks())
def test_segments_property(case: tuple[str, list[tuple[int, int]], list[Mark]]) -> None:
    text, body, marks = case
    segs = segments(text, body, marks)
    assert "".join(s.text for s in segs) == text
    pos = 0
    prev: Segment | None = None
    for s in segs:
        assert s.start == pos and s.end > s.start and text[s.start : s.end] == s.text
        pos = s.end
        # every character of the segment has exactly the segment's marks
        for i in (s.start, s.end - 1):
            want = sorted(
                {
                    m.passage
                    for m in marks
                    if m.edit is None
                    and _clip(m.start, m.end, len(text))[0] <= i
                    and i < _clip(m.start, m.end, len(text))[1]
                }
            )
            assert list(s.passages) == want
            inside = any(a <= i < b for a, b in (_clip(x, y, len(text)) for x, y in body))
            assert s.in_body == inside
        if prev is not None:  # maximal: neighbours differ
            assert (prev.in_body, prev.passages, prev.kinds, prev.edits, prev.titles) != (
                s.in_body,
                s.passages,
                s.kinds,
                s.edits,
                s.titles,
            )
        prev = s
    assert pos == len(text)


# --- the page --------------------------------------------------------------------------


def test_seed_page_shows_both_texts_exactly_and_every_passage_in_both_panes() -> None:
    c = seed_comparison()
    pair = c.pairs[0]
    html = render_html(c)
    parsed = _parse(html)
    assert "".join(parsed.texts[(0, "source")]) == pair.source.text
    assert "".join(parsed.texts[(0, "derived")]) == pair.derived.text
    want = {str(i) for i in range(1, len(pair.passages) + 1)}
    assert parsed.ids[(0, "source")] == want
    assert parsed.ids[(0, "derived")] == want
    # one source span is the counterpart of two derived passages (the quote and its spun copy)
    assert re.search(r'data-passages="(\d+) (\d+)"', html)
    for pid in want:  # the passage table jumps to each passage
        assert f'data-jump="{pid}"' in html
        assert f'id="pair0-s-{pid}"' in html and f'id="pair0-d-{pid}"' in html


def test_seed_page_header_and_edits() -> None:
    html = render_html(seed_comparison())
    for needle in (
        "000_404ac855c4996d3e.txt",
        "002_030f45c5db0ae00d.txt",
        "2021-07-06",
        "86%",
        "Partially derived",
        "Altered quote",
        "Shared quote",
        "Paraphrase (spun)",
        "e-replace",
        "e-insert",
        "white-space: pre-wrap",
        'class="outside"',
    ):
        assert needle in html, needle
    assert "Ireland → Eire" in html  # tooltip of the replaced word, in both panes
    assert "US → U.S." in html


def test_page_is_self_contained() -> None:
    html = render_html(seed_comparison())
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assert "@import" not in html and "url(" not in html
    assert "<link" not in html


def test_document_text_is_escaped() -> None:
    evil = 'Lead <script>alert(1)</script> then <img src=x " onerror="alert(2)"> & {{ 7*7 }} end.'
    source = Document(id='<b>src</b>" onerror="x', text=evil + " shared words here")
    derived = Document(id="der.txt", text="Intro. " + evil + " shared words here")
    s_span = span_of(source.text, "<script>", "</script>")
    d_span = span_of(derived.text, "<script>", "</script>")
    edits = (TokenEdit(Op.REPLACE, s_span, d_span),)
    c = Comparison(
        documents=(source, derived),
        pairs=(_pair(source, derived, (Passage(s_span, d_span, Kind.VERBATIM, 1.0, edits),)),),
    )
    html = render_html(c)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '" onerror="' not in html
    assert "<b>src</b>" not in html
    assert html.count("<script") == 1  # only the page's own script
    parsed = _parse(html)
    assert parsed.scripts == 1
    assert "".join(parsed.texts[(0, "source")]) == source.text
    assert "".join(parsed.texts[(0, "derived")]) == derived.text
    assert "{{ 7*7 }}" in "".join(parsed.texts[(0, "source")])


def test_no_pairs_shows_both_texts_and_says_so() -> None:
    source, derived = seed_documents()
    html = render_html(Comparison(documents=(source, derived), pairs=()))
    assert (
        f"No reuse found between {source.id} and {derived.id} "
        "(beyond boilerplate and common phrases)."
    ) in html
    parsed = _parse(html)
    texts = ["".join(v) for k, v in parsed.texts.items() if k[1].startswith("doc")]
    assert texts == [source.text, derived.text]


def test_several_pairs_one_section_each() -> None:
    source, derived = seed_documents()
    third = Document(id="c.txt", text=source.text[:400])
    span = span_of(source.text, "As the relations", "continues to soar,")
    passages = (Passage(span, span, Kind.VERBATIM, 1.0),)
    pair2 = _pair(source, third, passages)
    c = seed_comparison()
    c = Comparison(documents=(source, derived, third), pairs=(c.pairs[0], pair2))
    html = render_html(c)
    parsed = _parse(html)
    assert 'id="pair0"' in html and 'id="pair1"' in html
    assert "".join(parsed.texts[(1, "derived")]) == third.text
    assert parsed.ids[(1, "source")] == parsed.ids[(1, "derived")] == {"1"}


def test_pair_without_passages_renders() -> None:
    source, derived = seed_documents()
    html = render_html(Comparison(documents=(source, derived), pairs=(_pair(source, derived, ()),)))
    assert "No passages reported for this pair." in html


@settings(max_examples=60, deadline=None)
@given(_TEXT, _TEXT, st.integers(0, 60), st.integers(0, 60))
def test_any_text_round_trips_through_the_page(a: str, b: str, i: int, j: int) -> None:
    source, derived = Document(id="a", text=a), Document(id="b", text=b)
    span_a, span_b = (0, min(i, len(a))), (min(j, len(b)) // 2, len(b))
    c = Comparison(
        documents=(source, derived),
        pairs=(_pair(source, derived, (Passage(span_a, span_b, Kind.PARAPHRASE, 0.5),)),),
    )
    parsed = _parse(render_html(c))
    assert "".join(parsed.texts[(0, "source")]) == a
    assert "".join(parsed.texts[(0, "derived")]) == b
