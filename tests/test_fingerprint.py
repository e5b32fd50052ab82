"""Tokens and sentences keep exact spans into the original text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from unspin.fingerprint import fingerprint, paragraphs
from unspin.ingest import document_from_text, load_document
from unspin.records import Document

from .conftest import EXAMPLES


def test_seed_sentences_are_real_sentences() -> None:
    doc = load_document(EXAMPLES / "000_404ac855c4996d3e.txt")
    fp = fingerprint(doc)
    sentences = [fp.sentence_text(i) for i in range(fp.n_sentences)]
    # "the US" must not end a sentence, the metadata line is not body text,
    # and the image credit is boilerplate, so it is no sentence either.
    assert sentences[0].startswith("As the relations between the United States")
    assert 'The US itself is the top threat to global cybersecurity," Wenbin said.' in sentences
    assert not any("IMAGE" in s for s in sentences)


def test_initialisms_and_abbreviations_do_not_split() -> None:
    fp = fingerprint(Document("x", "Mr. Smith met the U.S. envoy. He left."))
    assert [fp.sentence_text(i) for i in range(fp.n_sentences)] == [
        "Mr. Smith met the U.S. envoy.",
        "He left.",
    ]
    assert "us" in fp.words


@given(st.text(max_size=300))
@settings(max_examples=200)
def test_spans_are_inside_the_text_and_ordered(text: str) -> None:
    fp = fingerprint(Document("x", text))
    n = len(text)
    for s, e in fp.token_spans:
        assert 0 <= s < e <= n
    for k, (s, e) in enumerate(fp.sentence_spans):
        assert 0 <= s < e <= n
        a, b = fp.sentence_tokens[k]
        assert a < b
        # A sentence's tokens lie inside it.
        assert s <= fp.token_spans[a, 0] and fp.token_spans[b - 1, 1] <= e
    assert all(
        fp.sentence_spans[k, 1] <= fp.sentence_spans[k + 1, 0] for k in range(fp.n_sentences - 1)
    )


def test_a_sentence_may_start_in_lower_case() -> None:
    # Spinners and OCR lower-case sentence starts; a missed boundary doubles a sentence.
    text = "Free ground shipping on all products.  enter the coupon code at checkout."
    fp = fingerprint(document_from_text(text, id="t.txt"))
    assert [fp.sentence_text(i) for i in range(fp.n_sentences)] == [
        "Free ground shipping on all products.",
        "enter the coupon code at checkout.",
    ]


def test_abbreviations_before_lower_case_do_not_split() -> None:
    text = "Bring a document, e.g. a passport or a licence, and approx. five pounds."
    fp = fingerprint(document_from_text(text, id="t.txt"))
    assert fp.n_sentences == 1


def test_a_text_wrapped_at_a_fixed_width_keeps_its_sentences_whole() -> None:
    # Lines cut mid-sentence, most of them before a lower-case word: a capitalised word
    # after a cut ("United\nKingdom") goes on with the sentence too.
    wrapped = (
        "Range Rover Sport is a sport utility vehicle made by a British\n"
        "producer based in Gaydon, England, and in the United\n"
        "Kingdom it is sold through a network of dealers that\n"
        "also sell the larger Range Rover and the smaller models of\n"
        "the same brand, which are built in the same factory."
    )
    assert paragraphs(wrapped) == [(0, len(wrapped))]
    # Lines that stand alone (a list, a heading) stay apart, whatever their case.
    listing = (
        "Start a poetry swap at your school or your office today\n"
        "Ask nearby shops to give discounts to people carrying poems\n"
        "Post short verses in busy public places around the town"
    )
    assert len(paragraphs(listing)) == 3


def test_a_stop_glued_to_the_next_sentence_ends_a_long_one() -> None:
    # Scraped text that lost the spaces after its full stops runs sentences together.
    first = (
        "In 1899 Deam attended the annual meeting of the Indiana Academy of Science, "
        "where he began to acquire his reputation as a noteworthy botanist and met the "
        "collectors who would send him specimens from the southern counties of the state "
        "for the next twenty years, and he kept a careful record of each of them"
    )
    text = first + ".On visits to Mexico in 1900 he found new plant specimens."
    fp = fingerprint(document_from_text(text, id="glued.txt"))
    assert [fp.sentence_text(i) for i in range(fp.n_sentences)] == [
        first + ".",
        "On visits to Mexico in 1900 he found new plant specimens.",
    ]
    # In a short sentence a glued stop is more likely a name than a lost space.
    short = fingerprint(document_from_text("We built it with node.Js in a week.", id="s.txt"))
    assert short.n_sentences == 1


def test_sentence_skeletons_mask_names_and_figures_but_keep_the_wording() -> None:
    from unspin.fingerprint import sentence_keys
    from unspin.ingest import document_from_text

    a = "Nissan Motor Co is issuing a 35 billion yen eurobond due 1992, Nikko Securities said."
    b = "Imperial Chemical Industries is issuing a 100 billion yen eurobond due 2005, Warburg said."
    c = "Nissan Motor Co is selling a 35 billion yen eurobond due 1992, Nikko Securities said."
    keys = [
        sentence_keys(fingerprint(document_from_text(t, id=str(i))))
        for i, t in enumerate((a, b, c))
    ]
    (ha, sa, *_), (hb, sb, *_), (_, sc, *_) = (k[0] for k in keys)
    assert sa == sb and ha != hb  # one template, two fillings
    assert sc != sa  # a changed word is another template


def test_a_sentence_may_start_at_a_bracketed_company_name() -> None:
    # Wire copy brackets company names; a spun copy that moved such a sentence behind
    # another must still have two sentences to align, not one long one.
    text = (
        "As soon as is practicable, ARC America will acquire American Aggregates. "
        "<Consolidated Gold Fields PLC>'s ARC America Corp subsidiary said it has acquired "
        "7,521,643 American Aggregates Corp shares."
    )
    fp = fingerprint(document_from_text(text, id="t.txt"))
    assert fp.n_sentences == 2
    assert fp.sentence_text(1).startswith("<Consolidated Gold Fields PLC>'s")


# Reuters story 10869 and the planted benchmark's spun copy of it (WordNet synonyms,
# sentences reordered): one content 3-gram survives the spinner, the names and figures do.
_SOURCE = (
    "The company said about 25 of the 135 employees at the Broomall site will be moved to "
    "Monroeville and 45 to Orlando, with the remaining 65 having their employment "
    "terminated.\n\nIt said terminated employees will receive enhanced separation benefits."
)
_SPUN = (
    "It said over employees will have raised separation benefits. About 25 of the 135 "
    "employees at the Broomall situation will be moved to Monroeville and 45 to Orlando, "
    "with the left 65 having their employment terminated, the company said."
)
# The same formula about another plant: other places, other figures.
_FORMULA = (
    "The company said about 40 of the 210 employees at the Tulsa site will be moved to "
    "Dallas and 60 to Houston, with the remaining 110 having their employment terminated."
)


def test_anchor_pairs_survive_a_spinner_and_differ_between_formula_stories() -> None:
    import numpy as np

    from unspin.fingerprint import anchor_shingles, content_shingles

    src, spun, formula = (
        fingerprint(document_from_text(t, id=f"{i}.txt"))
        for i, t in enumerate((_SOURCE, _SPUN, _FORMULA))
    )
    shared_anchors = np.intersect1d(anchor_shingles(src)[0], anchor_shingles(spun)[0])
    shared_grams = np.intersect1d(content_shingles(src, 3)[0], content_shingles(spun, 3)[0])
    assert len(shared_grams) < 3 <= len(shared_anchors)
    assert not len(np.intersect1d(anchor_shingles(src)[0], anchor_shingles(formula)[0]))
    # The formula story shares the spinner-proof wording instead.
    assert len(np.intersect1d(content_shingles(src, 3)[0], content_shingles(formula, 3)[0]))


@given(st.text(max_size=300), st.integers(0, 300), st.integers(0, 300))
@settings(max_examples=200)
def test_posting_keys_are_unique_and_point_at_tokens_inside_the_span(
    text: str, a: int, b: int
) -> None:
    import numpy as np

    from unspin.fingerprint import posting_keys

    fp = fingerprint(Document("x", text, body=((0, len(text)),)))
    span = (min(a, b), max(a, b))
    keys, positions = posting_keys(fp, 3, span)
    assert len(keys) == len(positions) == len(np.unique(keys))
    for k in positions.tolist():
        s, e = fp.token_spans[k]
        assert span[0] <= s < e <= span[1]
