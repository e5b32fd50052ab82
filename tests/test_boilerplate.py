"""Boilerplate detection on the seed articles, single rules, and offset properties."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unspin.boilerplate import body_spans, find_boilerplate

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SEED_000 = EXAMPLES / "000_404ac855c4996d3e.txt"
SEED_002 = EXAMPLES / "002_030f45c5db0ae00d.txt"


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def _hidden(text: str) -> list[str]:
    return [text[s:e] for s, e in (b.span for b in find_boilerplate(text))]


def _body(text: str, start: int = 0) -> str:
    return "\n".join(text[s:e] for s, e in body_spans(text, start))


def test_seed_000_only_the_image_credit_is_boilerplate() -> None:
    text = _read(SEED_000)
    found = find_boilerplate(text)
    assert [(text[slice(*b.span)], b.reason) for b in found] == [("IMAGE: AP", "image credit")]
    body = _body(text)
    assert "IMAGE: AP" not in body
    assert "Chinese newspaper paid millions to US dailies: Report" in body
    assert body.rstrip().endswith("others received over $1 million.")


def test_seed_002_bio_and_related_block_are_boilerplate() -> None:
    text = _read(SEED_002)
    found = find_boilerplate(text)
    assert [b.reason for b in found] == ["author bio", "related links"]
    bio, related = (text[slice(*b.span)] for b in found)
    assert bio.startswith("Mahenoor Mansuri\nMahenoor Mansuri\nHuman, reader, writer")
    assert bio.endswith("~ Khaled Hosseini")
    assert related.startswith("More like this")
    assert related.endswith("Netflix has made around 150 staff excess, a month...")
    # All four teaser pairs sit inside the block.
    for teaser in (
        "Karnataka government opens mental health helpline for students",
        "North Korea fears over a million Covid cases",
        "Meta being sued by ex-Facebook content moderator",
        "Netflix cuts 150 workers",
    ):
        assert teaser in related

    body = _body(text)
    for outside in ("Mahenoor Mansuri", "potterhead", "More like this", "Netflix"):
        assert outside not in body
    for inside in (
        "China accuses the United States of being a threat to global cybersecurity.",
        "What went on?",
        "On the 22nd of September, 2020:",
        "Christoph Heusgen, the German ambassador",
        "The treatment of Muslims in Uighur in Xinjiang",
        "To develop strategies to end the alleged genocidal violations.",
    ):
        assert inside in body
    # The body is one stretch from the title to the last article paragraph.
    (span,) = body_spans(text)
    assert text[span[0] :].startswith("China accuses")
    assert text[: span[1]].endswith("genocidal violations.")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("IMAGE: AP", "image credit"),
        ("Photo: Reuters", "image credit"),
        ("(Getty Images)", "image credit"),
        ("Joe Biden speaks in Washington. (AP Photo/Evan Vucci)", "image credit"),
        ("File photo", "image credit"),
        ("File photo: the minister in Delhi.", "image credit"),
        ("Share this", "share links"),
        ("Share on WhatsApp", "share links"),
        ("REUTERS", "agency credit"),
        ("(AFP)", "agency credit"),
        ("Facebook Twitter WhatsApp", "share links"),
        ("Facebook | Twitter | Email", "share links"),
        ("Click to share on Twitter (Opens in new window)", "share links"),
        ("Advertisement", "advertisement"),
        ("ADVERTISEMENT", "advertisement"),
        ("Story continues below advertisement", "advertisement"),
        ("Sign up for our daily newsletter", "newsletter prompt"),
        ("Subscribe now", "newsletter prompt"),
        ("© 2021 Reuters", "copyright"),
        ("(c) 2021 ANI", "copyright"),
        ("Copyright 2021 The Daily Planet. All rights reserved.", "copyright"),
        ("All rights reserved.", "copyright"),
        ("Also read: China hits back at US over cyber claims", "related links"),
    ],
)
def test_single_line_rules(line: str, reason: str) -> None:
    text = f"The council voted on Tuesday to approve the budget.\n{line}\nResidents cheered."
    found = find_boilerplate(text)
    assert [(text[slice(*b.span)], b.reason) for b in found] == [(line, reason)]


@pytest.mark.parametrize(
    "line",
    [
        "Chinese newspaper paid millions to US dailies: Report",
        "What went on?",
        "Date night in Paris was a disaster, she said.",
        "The Facebook post was shared by thousands of people.",
        "He posted the image on Instagram (see image below).",
        "The copyright dispute continued into 2022.",
        "Reuters reported that the talks had stalled.",
        "Subscribers to the service will pay more from July, the company said.",
        "Related talks are due to start next week.",
        # Lines of hard-wrapped Reuters-21578 stories that earlier rules caught.
        "copyright on its operating system, an NEC spokesman said.",
        "share on retraction.",
        "advertising.",
        "(C) - Sales made on exporters' own account.",
        "Environmental Protection Agency (EPA)",
    ],
)
def test_prose_is_not_boilerplate(line: str) -> None:
    text = f"The council voted on Tuesday.\n{line}\nResidents cheered."
    assert find_boilerplate(text) == []


def test_related_header_mid_article_stops_at_prose() -> None:
    text = (
        "The council voted on Tuesday to approve the budget.\n"
        "Read more\n"
        "Biden signs the bill into law\n"
        "Residents said they were relieved that the library would stay open.\n"
        "The mayor thanked them."
    )
    assert _hidden(text) == ["Read more\nBiden signs the bill into law"]
    assert "Residents said they were relieved" in _body(text)


def test_related_header_followed_by_prose_hides_nothing() -> None:
    text = "Intro.\nRelated\nThe Facebook post was shared by thousands of people.\nMore."
    assert find_boilerplate(text) == []


def test_repeated_name_mid_article_is_not_a_bio() -> None:
    text = (
        "Intro paragraph.\nJohn Smith\nJohn Smith\nHe said the talks went well.\nEnd of story here."
    )
    assert find_boilerplate(text) == []


def test_about_the_author_at_the_end() -> None:
    text = "The council voted.\nAbout the author\nJane Roe covers city hall for the paper."
    assert _hidden(text) == ["About the author\nJane Roe covers city hall for the paper."]


def test_bio_sentence_as_last_paragraph() -> None:
    text = "The council voted on Tuesday.\nJane Roe is a senior reporter at the Daily Planet."
    assert _hidden(text) == ["Jane Roe is a senior reporter at the Daily Planet."]


def test_crlf_offsets() -> None:
    text = "First paragraph.\r\n\r\nIMAGE: AP\r\n\r\nSecond paragraph.\r\n"
    assert _hidden(text) == ["IMAGE: AP"]
    assert [text[s:e] for s, e in body_spans(text)] == ["First paragraph.", "Second paragraph."]


def test_start_excludes_prefix() -> None:
    text = " date 2021-07-06 As the relations soured.\nIMAGE: AP"
    assert [text[s:e] for s, e in body_spans(text, 17)] == ["As the relations soured."]
    assert body_spans(text, len(text)) == ()
    assert body_spans("", 0) == ()


# Lines that trigger rules, mixed with arbitrary text including control characters,
# combining marks and odd line breaks, so the rules interact with messy input.
_RULE_LINES = [
    "IMAGE: AP",
    "More like this",
    "Related",
    "Read more",
    "Mahenoor Mansuri",
    "About the author",
    "Facebook Twitter WhatsApp",
    "Advertisement",
    "© 2021 Reuters",
    "Jane Roe is a reporter at the Daily Planet.",
    "Teaser headline here...",
    "",
    "   ",
]
_CHARS = st.one_of(
    st.characters(),
    st.sampled_from(["\n", "\r\n", "\r", " ", "\t", "\x00", "\x1c", "\x85", "\u2028"]),
    st.sampled_from(["\u0301", "\u0300", "\u20dd", "e\u0301", "\u200b", "\ufeff"]),
)
# Pieces may be longer than one character ("\r\n", "e" + combining acute), so lines are
# joined from lists rather than drawn with ``st.text``.
_LINE_TEXT = st.one_of(
    st.lists(_CHARS, max_size=60).map("".join),
    st.sampled_from(_RULE_LINES),
)
_TEXTS = st.lists(_LINE_TEXT, max_size=12).flatmap(
    lambda lines: st.sampled_from(["\n", "\r\n", "\n\n"]).map(lambda sep: sep.join(lines))
)


@settings(max_examples=300, deadline=None)
@given(text=_TEXTS, start_frac=st.floats(0, 1))
def test_body_spans_are_well_formed(text: str, start_frac: float) -> None:
    start = int(start_frac * len(text))
    spans = body_spans(text, start)
    previous_end = start
    for s, e in spans:
        assert previous_end <= s < e <= len(text)  # sorted, disjoint, non-empty, inside
        assert not text[s].isspace() and not text[e - 1].isspace()  # trimmed
        previous_end = e
    for b in find_boilerplate(text):
        bs, be = b.span
        assert 0 <= bs < be <= len(text)
        assert all(e <= bs or be <= s for s, e in spans)  # boilerplate never in the body


@settings(max_examples=200, deadline=None)
@given(text=_TEXTS)
def test_boilerplate_is_sorted_and_disjoint(text: str) -> None:
    found = find_boilerplate(text)
    for a, b in itertools.pairwise(found):
        assert a.span[1] <= b.span[0]
    for b in found:
        assert text[b.span[0] : b.span[1]] == text[b.span[0] : b.span[1]].strip()
