"""The aligner's special cases: copies across sentence boundaries, summaries, edges."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from unspin.align import (
    SentenceSimilarity,
    chain_seeds,
    sentence_similarity,
    trim_weak_edges,
    widen_long_sentences,
)
from unspin.config import AlignConfig, Config
from unspin.embed import load_embedder
from unspin.fingerprint import fingerprint
from unspin.ingest import document_from_text, load_document
from unspin.pan import Case, read_pan_xml
from unspin.pipeline import align_prepared, compare, prepare
from unspin.records import Kind, Span

from .conftest import corpus

LIST = (
    "Access to over 100 multimedia lessons Full set of home study materials "
    "Full-length practice tests and diagnostic score reports Expert tutors on call "
    "seven days a week Personal study plan reviewed every month by a coach"
)


def _pair(source: str, derived: str):  # type: ignore[no-untyped-def]
    result = compare(
        document_from_text(source, id="src.txt"), document_from_text(derived, id="der.txt")
    )
    assert result.pairs, "expected reuse"
    return result.pairs[0]


def test_copy_without_punctuation_is_found_with_exact_edges() -> None:
    source = "Our programme is flexible.\n" + LIST.replace(" Full", "\nFull") + "\nCall us today."
    derived = (
        "If you are a successful affiliate we may choose to feature you. Here is what you get: "
        + LIST
        + " and our attorneys work with developers on many projects."
    )
    (p,) = _pair(source, derived).passages
    start = derived.index("Access")
    end = derived.index("coach") + len("coach")
    assert p.kind in {Kind.VERBATIM, Kind.NEAR_VERBATIM}
    assert abs(p.derived_span[0] - start) <= 2 and abs(p.derived_span[1] - end) <= 2


SOURCE_SENTENCES = [
    "The river authority opened a new flood barrier on the east bank this spring.",
    "Engineers spent three years designing gates that close in under ten minutes.",
    "Local farmers had lost crops to flooding in four of the last six years.",
    "The council voted to raise a special levy to pay for the maintenance work.",
    "Critics argued the money should have gone to restoring the old wetlands instead.",
    "Wildlife groups counted fewer wading birds after the banks were reinforced.",
    "A public inquiry into the costs is expected to report before the end of the year.",
    "Residents upstream fear the barrier will push floodwater onto their fields.",
    "The authority says its models show no such effect for ordinary floods.",
    "Independent hydrologists have asked to see the models before they agree.",
]


def test_summary_of_a_long_source_is_one_passage() -> None:
    source = "\n\n".join(SOURCE_SENTENCES)
    summary = (
        "The river authority opened a flood barrier on the east bank, with gates that close "
        "in under ten minutes. Critics argued the money should have gone to the old "
        "wetlands. Residents upstream fear the barrier pushes floodwater onto their fields, "
        "and hydrologists have asked to see the models."
    )
    pair = _pair(source, "Unrelated opening words about the weather today.\n\n" + summary)
    (p,) = pair.passages
    start = pair.derived.text.index("The river")
    assert p.derived_span == (start, len(pair.derived.text))
    # One passage drawing on the source from its first sentence to its last used one.
    assert p.source_span[0] == 0
    assert p.source_span[1] >= source.index("Residents upstream")
    assert p.kind is Kind.PARAPHRASE


FILLER = [
    "The weather office recorded an unusually dry February across the northern hills.",
    "School buses will follow a new timetable from the first week of the autumn term.",
    "A bakery on Mill Street won a regional prize for its rye bread and seed rolls.",
    "The library extended its opening hours on Thursdays until eight in the evening.",
    "Volunteers repainted the bandstand in the park ahead of the summer concerts.",
    "The football club signed a goalkeeper from a second division side in the south.",
]


def test_pieces_from_distant_source_sentences_merge_into_one_summary() -> None:
    # Three reused sentences separated in the source by six unrelated ones each.
    source = "\n\n".join(
        [SOURCE_SENTENCES[0], *FILLER, SOURCE_SENTENCES[4], *FILLER, SOURCE_SENTENCES[7]]
    )
    summary = (
        "The river authority opened a new flood barrier on the east bank this spring. "
        "Critics argued the money should have gone to restoring the old wetlands instead. "
        "Residents upstream fear the barrier will push floodwater onto their fields."
    )
    (p,) = _pair(source, summary).passages
    assert p.derived_span == (0, len(summary))
    assert p.source_span == (0, len(source))


def test_long_copies_from_distant_places_stay_separate_copies() -> None:
    # An article pieced together from three long paragraphs of a source, far apart in it:
    # three verbatim copies, not one summary of the whole source.
    extra = [
        "The barrier's control room sits in a converted pumping station by the weir.",
        "Its operators train twice a year with the fire service and the coastguard.",
    ]
    paragraphs = [
        " ".join(SOURCE_SENTENCES[0:4]),
        " ".join(SOURCE_SENTENCES[4:8]),
        " ".join(SOURCE_SENTENCES[8:10] + extra),
    ]
    source = "\n\n".join([paragraphs[0], *FILLER, paragraphs[1], *FILLER, *FILLER, paragraphs[2]])
    derived = "\n\n".join(paragraphs)
    passages = _pair(source, derived).passages
    assert len(passages) == 3
    assert all(p.kind is Kind.VERBATIM for p in passages)
    assert [derived[slice(*p.derived_span)] for p in passages] == paragraphs


def test_copies_far_apart_in_one_long_paragraph_stay_apart() -> None:
    # A web page without line breaks is one "paragraph"; two copies twenty sentences
    # apart in it are two passages, not one passage over everything in between.
    source = " ".join(SOURCE_SENTENCES)
    derived = " ".join([*SOURCE_SENTENCES[0:2], *FILLER, *FILLER, *FILLER, *SOURCE_SENTENCES[2:4]])
    passages = _pair(source, derived).passages
    assert len(passages) == 2
    for p in passages:
        assert FILLER[0] not in derived[slice(*p.derived_span)]


def test_a_sentence_the_source_repeats_is_matched_where_its_neighbours_are() -> None:
    # The source states its first sentence again before the passage that was copied.
    copied = SOURCE_SENTENCES[5:9]
    source = "\n\n".join(
        [SOURCE_SENTENCES[5], *SOURCE_SENTENCES[0:4], " ".join(copied), SOURCE_SENTENCES[9]]
    )
    derived = "\n\n".join([FILLER[0], " ".join(copied), FILLER[1]])
    (p,) = _pair(source, derived).passages
    assert p.source_span[0] == source.index(" ".join(copied))
    assert derived[slice(*p.derived_span)] == " ".join(copied)


def _similarity(semantic: list[list[float]], lexical: list[list[float]]) -> SentenceSimilarity:
    sem = np.asarray(semantic, dtype=np.float32)
    lex = np.asarray(lexical, dtype=np.float32)
    empty = sparse.csr_matrix((sem.shape[0], 1), dtype=np.float32)
    return SentenceSimilarity(
        cosine=lex,
        dice=lex,
        semantic=sem,
        weights_a=empty,
        weights_b=sparse.csr_matrix((sem.shape[1], 1), dtype=np.float32),
    )


def test_weak_matches_in_source_order_seed_a_chain() -> None:
    config = AlignConfig()
    thresholds = config.semantic["static"]
    weak = thresholds.chain + 0.05
    # Derived sentences 1-3 match source sentences 0-2 weakly but in order.
    diagonal = [[0.0] * 5 for _ in range(4)]
    for i, j in ((0, 1), (1, 2), (2, 3)):
        diagonal[i][j] = weak
    lexical = [[0.2 if v else 0.0 for v in row] for row in diagonal]
    seeds = chain_seeds(_similarity(diagonal, lexical), config, thresholds)
    assert [(i, j) for i, j, _ in seeds] == [(0, 1), (1, 2), (2, 3)]
    # The same resemblances out of order, or too few in a row, are chance.
    shuffled = [[0.0] * 5 for _ in range(4)]
    for i, j in ((2, 1), (0, 2), (1, 3)):
        shuffled[i][j] = weak
    lexical = [[0.2 if v else 0.0 for v in row] for row in shuffled]
    assert chain_seeds(_similarity(shuffled, lexical), config, thresholds) == []
    short = [row[:] for row in diagonal]
    short[2][3] = 0.0
    lexical = [[0.2 if v else 0.0 for v in row] for row in short]
    assert chain_seeds(_similarity(short, lexical), config, thresholds) == []


def test_an_edge_sentence_sharing_only_the_topic_is_trimmed() -> None:
    config = AlignConfig()
    # Four derived sentences linked to source sentences 0-3 of six; the last derived
    # sentence shares a fifth of its words with its counterpart, the others most.
    lexical = [[0.0] * 4 for _ in range(6)]
    for k, w in enumerate([0.8, 0.7, 0.9, 0.2]):
        lexical[k][k] = w
    semantic = [[0.7 if v else 0.0 for v in row] for row in lexical]
    links = [(k, k, 0.8) for k in range(4)]
    assert trim_weak_edges(links, _similarity(semantic, lexical), config) == links[:3]
    # Inside the passage the same weak sentence is carried by its neighbours.
    lexical[1][1], lexical[3][3] = 0.2, 0.7
    assert trim_weak_edges(links, _similarity(semantic, lexical), config) == links
    # At the edge it stays when a better-worded counterpart sits beside the passage.
    lexical[1][1], lexical[3][3], lexical[5][3] = 0.7, 0.2, 0.6
    assert trim_weak_edges(links, _similarity(semantic, lexical), config) == links
    # A loosely reworded passage keeps edges as loose as the rest of it.
    loose = [[0.0] * 4 for _ in range(6)]
    for k, w in enumerate([0.3, 0.35, 0.3, 0.2]):
        loose[k][k] = w
    assert trim_weak_edges(links, _similarity(semantic, loose), config) == links


def test_one_passage_condensing_a_long_stretch_summarises_the_document() -> None:
    # Three short sentences, drawn from sentences 0, 4 and 7 of one source paragraph:
    # close enough to be one passage, a third as long as the stretch they draw on.
    source = " ".join(SOURCE_SENTENCES)
    summary = (
        "The river authority opened a flood barrier on the east bank. Critics argued the "
        "money should have restored the wetlands. Residents upstream fear the barrier and "
        "hydrologists want the models."
    )
    derived = "\n\n".join([FILLER[0], summary, FILLER[1]])
    pair = _pair(source, derived)
    (p,) = pair.passages
    assert derived[slice(*p.derived_span)] == summary
    assert p.source_span == (0, len(source))


def test_a_short_stray_line_does_not_cut_a_rewrite_in_two() -> None:
    # A rewrite of source sentences 0-5 with a short line between its two paragraphs
    # that resembles a distant source sentence: still one passage.
    source = " ".join(SOURCE_SENTENCES[:6] + FILLER[:2] + SOURCE_SENTENCES[9:])
    first = (
        "The river authority opened a new flood barrier on the east bank in the spring. "
        "Engineers spent three years designing gates that shut in under ten minutes. "
        "Local farmers had lost harvests to flooding in four of the past six years."
    )
    second = (
        "The council voted to raise a special levy to fund the maintenance work. "
        "Critics said the money should have gone to restoring the old wetlands instead. "
        "Wildlife groups counted fewer wading birds once the banks were reinforced."
    )
    derived = "\n\n".join([first, "Independent hydrologists asked.", second])
    (p,) = _pair(source, derived).passages
    assert p.derived_span == (0, len(derived))
    assert p.source_span == (0, source.index(FILLER[0]) - 1)


# --- PAN pairs that once went wrong (real files from ../shared/data) ----------------------


def _pan_pair(folder: str, name: str) -> tuple[list[Case], list[tuple[Span, Span]]]:
    root = corpus("pan13-text-alignment-training")
    suspicious, source = name.removesuffix(".xml").split("-source-")
    susp = load_document(root / "susp" / f"{suspicious}.txt")
    src = load_document(root / "src" / f"source-{source}.txt")
    embedder = load_embedder(Config().embed)
    passages = align_prepared(prepare(src, embedder), prepare(susp, embedder), config=Config())
    cases = list(read_pan_xml(root / folder / name).cases)
    return cases, [(p.source_span, p.derived_span) for p in passages]


def _overlaps(case: Case, source: Span, derived: Span) -> bool:
    this = (case.this_offset, case.this_offset + case.this_length)
    that = (case.source_offset, case.source_offset + case.source_length)
    in_this = derived[0] < this[1] and this[0] < derived[1]
    return in_this and source[0] < that[1] and that[0] < source[1]


@pytest.mark.corpus
def test_pan_two_copies_in_one_web_page_are_two_detections() -> None:
    cases, found = _pan_pair(
        "02-no-obfuscation", "suspicious-document00590-source-document03087.xml"
    )
    assert len(found) == len(cases) == 2
    for case, (source, derived) in zip(cases, found, strict=True):
        assert derived == (case.this_offset, case.this_offset + case.this_length)
        assert source == (case.source_offset, case.source_offset + case.source_length)


@pytest.mark.corpus
def test_pan_loose_resemblances_beside_a_verbatim_copy_are_not_reuse() -> None:
    cases, found = _pan_pair(
        "02-no-obfuscation", "suspicious-document00111-source-document01965.xml"
    )
    assert found
    assert all(any(_overlaps(c, *f) for c in cases) for f in found)


@pytest.mark.corpus
def test_pan_extractive_summary_is_one_condensing_detection() -> None:
    # Copied sentences cut from here and there in the source are one summary passage.
    cases, found = _pan_pair(
        "05-summary-obfuscation", "suspicious-document00157-source-document00342.xml"
    )
    (case,) = cases
    ((source, derived),) = found
    assert source[1] - source[0] >= 3 * (derived[1] - derived[0])
    assert derived[0] <= case.this_offset + 20
    assert derived[1] >= case.this_offset + case.this_length - 20


def test_a_shared_menu_line_is_not_a_passage_but_a_short_quotation_is() -> None:
    menu = "Home News Sport Weather Business Culture Travel Contact us"
    quote = '"We will not back down," the mayor said.'
    source = "\n\n".join([menu, *SOURCE_SENTENCES[:6], quote])
    derived = "\n\n".join([menu, *FILLER, quote])
    (p,) = _pair(source, derived).passages
    assert derived[slice(*p.derived_span)] == quote


def test_a_long_derived_sentence_links_to_the_run_of_source_lines_it_holds() -> None:
    # A list pasted as one line (and lightly reworded) against the source's list lines.
    lines = [
        "Start a poetry swap at your school or office",
        "Ask nearby shops to give discounts to people carrying poems",
        "Post short verses in busy public places",
        "Write a few lines on the back of your business cards",
        "Form a street team to hand out poems in your town",
    ]
    source = "\n".join([SOURCE_SENTENCES[0], *lines, SOURCE_SENTENCES[1]])
    derived = (
        "Begin a poetry swap at your college or office, ask local shops to offer discounts "
        "to people holding poems, put short verses in crowded public places, write a few "
        "lines on the back of your cards, form a street crew to hand out poems in your city."
    )
    a = fingerprint(document_from_text(source, id="s.txt"))
    b = fingerprint(document_from_text(derived, id="d.txt"))
    sim = sentence_similarity(a, b)
    middle = 3  # "Write a few lines ...": the derived sentence's one close counterpart
    links = widen_long_sentences([(middle, 0, 0.3)], a, b, sim)
    assert sorted(i for i, _, _ in links) == [1, 2, 4, 5]
    assert all(w > 0.3 for _, _, w in links)


def test_a_menu_line_swept_into_a_passage_is_not_reported_as_a_piece() -> None:
    # The menu and the quotation are close enough to be aligned as one match; split by
    # paragraph, the menu piece is too short to stand as a passage of its own.
    menu = "Home News Sport Weather Business Culture Travel Contact us"
    quote = '"We will not back down," the mayor said.'
    source = "\n\n".join([menu, *SOURCE_SENTENCES[:3], quote])
    derived = "\n\n".join([menu, *FILLER[:3], quote])
    (p,) = _pair(source, derived).passages
    assert derived[slice(*p.derived_span)] == quote


@pytest.mark.corpus
def test_pan_a_stray_line_inside_a_case_does_not_split_it() -> None:
    cases, found = _pan_pair(
        "04-translation-obfuscation", "suspicious-document00355-source-document02340.xml"
    )
    case = next(c for c in cases if c.this_offset == 7824)
    assert len([f for f in found if _overlaps(case, *f)]) == 1
