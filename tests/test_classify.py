"""Kinds of reuse, quotation detection and token edits."""

from __future__ import annotations

from unspin.classify import quotation_spans
from unspin.ingest import document_from_text
from unspin.pipeline import compare
from unspin.records import Kind, Op

SOURCE = (
    "The mayor opened the new bridge across the river on Saturday morning. "
    "Thousands of residents walked across it before the first cars were allowed through.\n\n"
    '"This bridge connects two halves of a city that grew apart for decades," the mayor said.\n\n'
    "Construction took four years and cost far more than the council had planned at the start."
)


def _pair(source: str, derived: str, *, use_model: bool = True):  # type: ignore[no-untyped-def]
    result = compare(
        document_from_text(source, id="src.txt"),
        document_from_text(derived, id="der.txt"),
        use_model=use_model,
    )
    assert result.pairs, "expected reuse"
    return result.pairs[0]


def test_quotation_spans_curly_straight_and_dropped_opening_mark() -> None:
    text = 'He said “we will win” and left.\n"Yes," she said.\nno opener here,” he said.\n“runs on'
    spans = [text[s:e] for s, e in quotation_spans(text)]
    assert spans == ["“we will win”", '"Yes,"', "no opener here,”", "“runs on"]


def test_a_stray_straight_quote_closes_nothing() -> None:
    # Sloppy or spun text scatters marks mid-sentence: without an opener, a straight
    # quote closes a quotation from the paragraph's start only where speech ends.
    text = 'They cry him" Zabolon the Jew ". They know him.\nwe will not back down," he said.'
    spans = [text[s:e] for s, e in quotation_spans(text)]
    assert spans == ['we will not back down,"']


def test_apostrophes_are_not_quotes() -> None:
    assert quotation_spans("It's the mayor's bridge, isn't it?") == []


def test_verbatim_copy() -> None:
    derived = "Local news.\n\n" + SOURCE.split("\n\n")[0] + "\n\nOther things happened too."
    pair = _pair(SOURCE, derived)
    (p,) = pair.passages
    assert p.kind is Kind.VERBATIM
    assert pair.derived.text[slice(*p.derived_span)] == SOURCE.split("\n\n")[0]
    assert all(e.op is Op.EQUAL for e in p.edits)


def test_near_verbatim_copy() -> None:
    derived = (
        "The mayor opened the new bridge across the river on Saturday. "
        "Thousands of local residents walked across it before the first cars were let through."
    )
    (p,) = _pair(SOURCE, derived).passages
    assert p.kind is Kind.NEAR_VERBATIM
    assert any(e.op is not Op.EQUAL for e in p.edits)


def test_shared_and_altered_quotes() -> None:
    shared = '"This bridge connects two halves of a city that grew apart for decades," he said.'
    (p,) = _pair(SOURCE, shared).passages
    assert p.kind is Kind.SHARED_QUOTE
    # A spinner's rewording: synonyms swapped, the sentence's shape kept.
    altered = '"This bridge joins two halves of a town that drifted apart for many years," he said.'
    (q,) = _pair(SOURCE, altered).passages
    assert q.kind is Kind.ALTERED_QUOTE


def test_spun_paragraph_is_one_paraphrase_passage() -> None:
    spun = (
        "The mayor inaugurated the new span over the stream on Saturday morning. "
        "Hundreds of inhabitants strolled over it "
        "before the first automobiles were permitted through."
    )
    (p,) = _pair(SOURCE, spun).passages
    assert p.kind is Kind.PARAPHRASE
    replaced = [e for e in p.edits if e.op is Op.REPLACE]
    assert replaced, "substituted words are marked"


def test_reordered_sentences_still_align_as_one_passage() -> None:
    first, second = SOURCE.split("\n\n")[0].split(". ", 1)
    derived = second + " " + first + "."
    (p,) = _pair(SOURCE, derived).passages
    s, e = p.derived_span
    assert (s, e) == (0, len(derived))


def test_one_source_passage_reused_twice_gives_two_passages() -> None:
    quote = (
        '"This bridge connects two halves of a city that grew apart for decades," the mayor said.'
    )
    derived = quote + "\n\nThe weather was fine all week long in the valley.\n\n" + quote
    pair = _pair(SOURCE, derived)
    assert len(pair.passages) == 2
    assert pair.passages[0].source_span == pair.passages[1].source_span
