"""The aligner's special cases: copies across sentence boundaries, summaries, edges."""

from __future__ import annotations

from unspin.ingest import document_from_text
from unspin.pipeline import compare
from unspin.records import Kind

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
