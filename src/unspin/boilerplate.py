"""Find the parts of a news page that are not the article: credits, link lists, bios, ads.

Everything here is line-based and deliberately conservative: a line wrongly called
boilerplate is a line whose reuse unspin will never report, which is worse than
showing the reader an extra "Share this". So each rule matches whole lines only,
short lines only where prose could otherwise be caught, and blocks stop at the
first line that reads like an article paragraph.

>>> text = "A council voted.\\nIMAGE: AP"
>>> [b.reason for b in find_boilerplate(text)]
['image credit']
>>> body_spans(text)
((0, 16),)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .records import Span

__all__ = ["Boilerplate", "body_spans", "find_boilerplate"]

# --------------------------------------------------------------------------------------
# Rule tables. Patterns are matched with ``fullmatch`` against a line stripped of
# surrounding whitespace, case-insensitively. ``max_chars`` bounds the line length so a
# pattern that would also fit a real sentence only fires on caption-sized lines.
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _LineRule:
    reason: str
    pattern: re.Pattern[str]
    max_chars: int = 200


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.VERBOSE)


_SOCIAL = r"""(?:facebook|twitter|whatsapp|linkedin|pinterest|reddit|telegram|messenger
    |tumblr|pocket|email|e-mail|print|copy\ link|copy|share|tweet|flipboard|koo)"""

#: One-line rules, in the order they are tried; the first match names the reason.
LINE_RULES: tuple[_LineRule, ...] = (
    # "IMAGE: AP", "Photo: Reuters", "Photo credit: John Doe/Getty".
    _LineRule(
        "image credit",
        _rx(r"""(?:image|photos?|picture|pic|photograph)(?:\ (?:credit|source|courtesy)s?)?
                \s*[:|]\s*\S.*"""),
        max_chars=100,
    ),
    # "(Getty Images)", "(AP Photo/Evan Vucci)", or a caption ending in such a credit.
    # A bare "photo"/"image" must read as a credit ("Photo: …", "Image by …") so that
    # "(see image below)" in a sentence is left alone.
    _LineRule(
        "image credit",
        _rx(r""".*\([^()]*\b(?:getty\ images|ap\ photo|afp\ photo|reuters\ photo|pool\ photo
                |file\ (?:photo|image|picture)|shutterstock|epa-efe|afp\ via\ getty
                |(?:photo|image|picture)s?\ ?(?:credit|courtesy|source|by)?\s*:
                |(?:photo|image|picture)s?\ (?:by|courtesy)\b)[^()]*\)\.?"""),
        max_chars=300,
    ),
    # A bare agency name on its own line: "(Reuters)", "AFP", "Getty Images" (a photo
    # credit or a wire sign-off; either way not article prose).
    _LineRule(
        "agency credit",
        _rx(r"""\(?(?:getty\ images|ap|afp|reuters|epa|pti|ani|ians|shutterstock
                |afp\ via\ getty\ images)\)?"""),
        max_chars=40,
    ),
    # "File photo", "File photo: the minister in Delhi", "(File image)".
    _LineRule(
        "image credit",
        _rx(r"""\(?file\ (?:photo|image|picture|pic)\)?(?:\s*[:.|-].*)?"""),
        max_chars=200,
    ),
    # A line made only of sharing targets: "Facebook Twitter WhatsApp", "Share | Email".
    _LineRule(
        "share links",
        _rx(rf"""{_SOCIAL}(?:[\s|·•,/]+{_SOCIAL})*[\s|·•,:]*"""),
        max_chars=160,
    ),
    # "Share this", "Share this article:", "Click to share on Twitter (Opens in new window)".
    _LineRule(
        "share links",
        _rx(rf"""(?:share\ this(?:\ (?:article|story|post|page|on))?
                |share\ (?:on|via)\ (?:{_SOCIAL}|social\ media)
                |click\ to\ (?:share|email|print)\b.*|(?:opens|open)\ in\ (?:a\ )?new\ window)
                \s*[:.]?"""),
        max_chars=120,
    ),
    _LineRule(
        "advertisement",
        _rx(r"""(?:advertisement|sponsored(?:\ content)?|paid\ content
                |(?:story|article)\ continues\ (?:below|after)(?:\ (?:this\ )?(?:advertisement|ad))?
                |continue\ reading\ below|scroll\ (?:down\ )?to\ continue(?:\ with\ content)?)
                [:.]?"""),
        max_chars=80,
    ),
    # "Sign up for our newsletter", "Subscribe to our daily briefing", "Subscribe now".
    _LineRule(
        "newsletter prompt",
        _rx(r"""(?:(?:sign\ up|subscribe|register)\b.*\b(?:newsletters?|briefings?|inbox|alerts?
                |updates|digest)\b.*
                |(?:get|join|receive)\b.{0,40}\bnewsletters?\b.*
                |subscribe(?:\ (?:now|today|here))?[.!]?
                |thank\ you\ for\ subscribing.*
                |you\ (?:have|'ve)\ (?:successfully\ )?subscribed.*)"""),
        max_chars=160,
    ),
    # "© 2021 Reuters", "Copyright 2021 The Daily Planet", "(c) 2021 ANI", "All rights
    # reserved." A bare "copyright" or "(c)" is not enough: wrapped wire text has lines
    # like "copyright on its operating system, …" and "(C) - Sales made on …".
    _LineRule(
        "copyright",
        _rx(r"""(?:©|(?:copyright\s*)?\(c\)\s*\d{4}|copyright\s*(?:©|\d{4})).*
                |.*\ball\ rights\ reserved\b.*"""),
        max_chars=200,
    ),
)

#: Header lines that open a list of links to other stories. Only a line that is the
#: header alone (optionally with ":" or a trailing arrow) opens a block; an inline
#: "Also read: <headline>" is one link line and is handled by ``INLINE_LINK``.
RELATED_HEADER = _rx(
    r"""(?:more\ like\ this|more\ (?:stories|news|from\ \S.{0,40})|related(?:\ (?:articles?
        |stories|news|posts?|content|coverage|reading|links|topics))?|read\ more|read\ also
        |also\ read|see\ also|you\ (?:may|might)\ (?:also\ )?like|recommended(?:\ (?:for\ you
        |stories|articles|reading|videos))?|trending(?:\ now|\ stories)?|popular\ (?:now|stories)
        |most\ (?:read|popular|viewed)|don'?t\ miss|must\ read|top\ stories|latest\ news)
        \s*[:»>→\-]?"""
)

#: "Also read: China hits back at US" — a one-line link dropped into the article.
INLINE_LINK = _rx(
    r"""(?:also\ read|read\ also|read\ more|related|see\ also|must\ read|don'?t\ miss
        |recommended|watch)\s*[:|»>→\-]\s*\S.*"""
)
INLINE_LINK_MAX_CHARS = 200

#: An article paragraph ends a link block. Teasers are headlines (no full stop) or
#: cut-off excerpts ("…"), so a line without an ellipsis is prose if it is a complete
#: sentence of ``PROSE_MIN_WORDS`` words or simply ``PROSE_LONG_WORDS`` long; any line
#: of ``PROSE_ANY_WORDS`` is. The bar is low on purpose: news paragraphs are often one
#: short sentence, and a teaser left in the body costs less than a hidden paragraph.
PROSE_MIN_WORDS = 8
PROSE_LONG_WORDS = 25
PROSE_ANY_WORDS = 50
_SENTENCE_END = re.compile(r"""[.!?][)"'”’»]*$""")
_ELLIPSIS = re.compile(r"\.\.\.|…")

#: An author-name line: one to five capitalised words, no sentence punctuation.
_NAME_LINE = re.compile(r"[^\W\d_][\w.'’-]*(?:[ \t]+[^\W\d_][\w.'’-]*){0,4}")
NAME_MAX_CHARS = 50

#: "About the author" header; the next paragraph is the bio.
AUTHOR_HEADER = _rx(r"(?:about\ the\ (?:author|writer|reporter)s?|author\ bio)\s*:?")

#: "Jane Roe is a senior reporter at …" as the last paragraph of a page.
BIO_SENTENCE = re.compile(
    r"[A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){1,3} (?:is|was|has been) (?:an? |the )?"
    r"(?:[\w-]+ ){0,5}(?:reporter|correspondent|journalist|writer|editor|columnist"
    r"|contributor|author|freelancer|intern)\b.*"
)
BIO_SENTENCE_MAX_CHARS = 400


@dataclass(frozen=True, slots=True)
class Boilerplate:
    """A stretch of ``text`` that is not the article, and why (``reason``)."""

    span: Span
    reason: str


@dataclass(frozen=True, slots=True)
class _Line:
    """One line: ``start``/``end`` bound its text without surrounding whitespace."""

    start: int
    end: int
    text: str

    @property
    def blank(self) -> bool:
        return self.start == self.end


_BREAK = re.compile(r"\r\n|\r|\n")


def _lines(text: str) -> list[_Line]:
    """Split on \\n, \\r\\n and \\r only: other Unicode breaks are rare in news, and
    splitting on them would turn control characters in PAN texts into paragraphs."""
    out: list[_Line] = []
    pos = 0
    for m in _BREAK.finditer(text):
        out.append(_line(text, pos, m.start()))
        pos = m.end()
    out.append(_line(text, pos, len(text)))
    return out


def _line(text: str, start: int, end: int) -> _Line:
    s, e = _trim(text, start, end)
    return _Line(s, e, text[s:e])


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Narrow ``[start, end)`` past whitespace on both sides (``str.isspace`` semantics)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _words(line: str) -> int:
    return len(line.split())


def _is_prose(line: str) -> bool:
    """Does this line read like an article paragraph rather than a headline or teaser?"""
    n = _words(line)
    if n >= PROSE_ANY_WORDS:
        return True
    if n < PROSE_MIN_WORDS or _ELLIPSIS.search(line):
        return False
    return n >= PROSE_LONG_WORDS or _SENTENCE_END.search(line) is not None


def _line_rule_reason(line: str) -> str | None:
    """The reason of the first one-line rule matching ``line``, if any."""
    for rule in LINE_RULES:
        if len(line) <= rule.max_chars and rule.pattern.fullmatch(line):
            return rule.reason
    if len(line) <= INLINE_LINK_MAX_CHARS and INLINE_LINK.fullmatch(line):
        return "related links"
    return None


def _related_blocks(lines: Sequence[_Line]) -> Iterable[tuple[int, int]]:
    """Index ranges ``[i, j)`` of a link-list header and the teaser lines after it.

    The block runs to the end of the page or stops before the first prose paragraph,
    so a stray "Read more" mid-article hides at most the link that follows it. A
    header followed directly by prose (or by nothing) is left alone.
    """
    i = 0
    while i < len(lines):
        if lines[i].blank or not RELATED_HEADER.fullmatch(lines[i].text):
            i += 1
            continue
        j = i + 1
        last = i
        while j < len(lines) and (lines[j].blank or not _is_prose(lines[j].text)):
            if not lines[j].blank:
                last = j
            j += 1
        if last > i:
            yield i, last + 1
        i = max(j, i + 1)


def _is_name(line: str) -> bool:
    return (
        len(line) <= NAME_MAX_CHARS
        and _NAME_LINE.fullmatch(line) is not None
        and all(w[0].isupper() for w in line.split())
    )


def _author_bios(lines: Sequence[_Line], hidden: set[int]) -> Iterable[tuple[int, int]]:
    """Author boxes at the end of a page: index ranges ``[i, j)`` of lines.

    Two shapes: a capitalised name printed twice in a row (byline widget + heading)
    with the bio paragraph after it, or an "About the author" header and its
    paragraph. Either counts only if nothing but blank lines or other boilerplate
    (``hidden`` line indexes) follows, since a repeated name mid-article could be a
    quoted exchange.
    """
    content = [k for k, ln in enumerate(lines) if not ln.blank]
    for pos, k in enumerate(content):
        nxt = content[pos + 1] if pos + 1 < len(content) else None
        if nxt is None:
            break
        start: int | None = None
        bio_pos = pos + 1
        if (
            _is_name(lines[k].text)
            and lines[nxt].text == lines[k].text
            and (pos == 0 or lines[content[pos - 1]].text != lines[k].text)
        ):
            start, bio_pos = k, pos + 2
        elif AUTHOR_HEADER.fullmatch(lines[k].text):
            start = k
        if start is None:
            continue
        end_pos = bio_pos  # exclusive, in ``content`` positions
        if bio_pos < len(content) and content[bio_pos] not in hidden:
            end_pos = bio_pos + 1
        if all(c in hidden for c in content[end_pos:]):
            yield start, content[end_pos - 1] + 1
            return


def _bio_sentence(lines: Sequence[_Line], hidden: set[int]) -> Iterable[tuple[int, int]]:
    """The last real paragraph when it is a one-paragraph bio ("Jane Roe is a reporter …")."""
    visible = [k for k, ln in enumerate(lines) if not ln.blank and k not in hidden]
    if len(visible) < 2:
        return  # a one-paragraph text is the article, whatever it says
    last = visible[-1]
    line = lines[last].text
    if len(line) <= BIO_SENTENCE_MAX_CHARS and BIO_SENTENCE.fullmatch(line):
        yield last, last + 1


def find_boilerplate(text: str) -> list[Boilerplate]:
    """Find the non-article stretches of a news page.

    Args:
        text: The document text, exactly as shown to the user.

    Returns:
        Boilerplate stretches sorted by start, disjoint, each trimmed of surrounding
        whitespace; ``text[b.span[0]:b.span[1]]`` is the hidden text.
    """
    lines = _lines(text)
    reasons: dict[int, str] = {}
    for k, ln in enumerate(lines):
        if not ln.blank and (reason := _line_rule_reason(ln.text)) is not None:
            reasons[k] = reason
    # Blocks are laid over line hits so one block yields one stretch with one reason.
    blocks = [(i, j, "related links") for i, j in _related_blocks(lines)]
    for i, j, _ in blocks:
        for k in range(i, j):
            reasons.pop(k, None)
    hidden = set(reasons) | {k for i, j, _ in blocks for k in range(i, j)}
    for i, j in (*_author_bios(lines, hidden), *_bio_sentence(lines, hidden)):
        for k in range(i, j):
            reasons.pop(k, None)
        blocks = [b for b in blocks if not (i <= b[0] and b[1] <= j)]
        blocks.append((i, j, "author bio"))
        hidden.update(range(i, j))

    found = [Boilerplate((lines[k].start, lines[k].end), r) for k, r in reasons.items()]
    found += [Boilerplate((lines[i].start, lines[j - 1].end), r) for i, j, r in blocks]
    found.sort(key=lambda b: b.span)
    return _merge_overlaps(found)


def _merge_overlaps(found: list[Boilerplate]) -> list[Boilerplate]:
    """Drop stretches nested in an earlier one so the result is disjoint."""
    out: list[Boilerplate] = []
    for b in found:
        if out and b.span[0] < out[-1].span[1]:
            if b.span[1] > out[-1].span[1]:
                out[-1] = Boilerplate((out[-1].span[0], b.span[1]), out[-1].reason)
            continue
        out.append(b)
    return out


def body_spans(text: str, start: int = 0) -> tuple[Span, ...]:
    """The article proper: ``[start, len(text))`` minus boilerplate.

    Args:
        text: The document text.
        start: Where the body may begin (after a leading metadata line).

    Returns:
        Sorted, disjoint, non-empty spans, each trimmed of surrounding whitespace.
    """
    start = max(0, min(start, len(text)))
    spans: list[Span] = []
    cursor = start
    for b in find_boilerplate(text):
        b_start, b_end = b.span
        if b_end <= cursor:
            continue
        if b_start > cursor:
            spans.append(_trim(text, cursor, b_start))
        cursor = max(cursor, b_end)
    spans.append(_trim(text, cursor, len(text)))
    return tuple(s for s in spans if s[0] < s[1])
