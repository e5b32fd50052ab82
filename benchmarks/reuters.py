"""Read the Reuters-21578 newswire collection (``../shared/data/reuters21578``).

22 SGML files ``reut2-000.sgm`` … ``reut2-021.sgm`` hold 21,578 ``<REUTERS>`` records
(NEWID 1-21578); 19,043 have a ``<BODY>``. The files are ASCII but for one Latin-1 byte,
so they are read as Latin-1; entities (``&lt;``, ``&amp;``) are unescaped and the ``&#3;``
(ETX) that ends every body is dropped. 347 bodies are exact duplicates of another body:
the collection's own verbatim reuse.

``load_stories`` returns the records that have a body; ``story_text`` renders a body as
the plain text the benchmarks write (one paragraph a block, the wrapped lines joined).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "shared" / "data" / "reuters21578"

_RECORD = re.compile(r"<REUTERS\b([^>]*)>(.*?)</REUTERS>", re.S)
_NEWID = re.compile(r'NEWID="(\d+)"')
_DATE = re.compile(r"<DATE>\s*(.*?)\s*</DATE>", re.S)
_TITLE = re.compile(r"<TITLE>(.*?)</TITLE>", re.S)
_BODY = re.compile(r"<BODY>(.*?)</BODY>", re.S)
_TOPICS = re.compile(r"<TOPICS>(.*?)</TOPICS>", re.S)
_PLACES = re.compile(r"<PLACES>(.*?)</PLACES>", re.S)
_DAY = re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{4})")
_D = re.compile(r"<D>(.*?)</D>", re.S)
#: A body's last paragraph is usually the wire's sign-off, which every story shares.
_SIGN_OFF = {"reuter", "reuters"}


@dataclass(frozen=True, slots=True)
class Story:
    """One Reuters record that has a body; ``body`` is unescaped, its ETX marker dropped."""

    newid: int
    date: dt.date
    title: str
    body: str
    places: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """The document id the benchmarks give this story."""
        return f"reuters-{self.newid}"


def available(root: Path = DEFAULT_ROOT) -> bool:
    """Whether the collection is present under ``root``."""
    return any(root.glob("reut2-*.sgm"))


def _unescape(text: str) -> str:
    # html.unescape knows the SGML entities used here and turns &#3; into U+0003.
    return html.unescape(text).replace("\x03", "")


def parse_date(text: str) -> dt.date:
    """``26-FEB-1987 15:01:01.79`` (some records carry trailing junk) as a date."""
    m = _DAY.search(text)
    if m is None:
        raise ValueError(f"not a Reuters date: {text!r}")
    return dt.datetime.strptime("-".join(m.groups()), "%d-%b-%Y").date()


def _labels(block: re.Match[str] | None) -> tuple[str, ...]:
    return tuple(_unescape(d) for d in _D.findall(block.group(1))) if block else ()


def iter_records(root: Path = DEFAULT_ROOT) -> Iterable[tuple[int, str]]:
    """Every ``<REUTERS>`` record as (NEWID, its raw SGML), in file order."""
    for path in sorted(root.glob("reut2-*.sgm")):
        text = path.read_text(encoding="latin-1")
        for m in _RECORD.finditer(text):
            newid = _NEWID.search(m.group(1))
            if newid is None:
                raise ValueError(f"{path.name}: a <REUTERS> record without NEWID")
            yield int(newid.group(1)), m.group(2)


def load_stories(root: Path = DEFAULT_ROOT) -> list[Story]:
    """The records with a ``<BODY>``, in NEWID order."""
    stories: list[Story] = []
    for newid, raw in iter_records(root):
        body = _BODY.search(raw)
        if body is None:
            continue
        date = _DATE.search(raw)
        title = _TITLE.search(raw)
        stories.append(
            Story(
                newid=newid,
                date=parse_date(date.group(1)) if date else dt.date(1987, 1, 1),
                title=" ".join(_unescape(title.group(1)).split()) if title else "",
                body=_unescape(body.group(1)),
                places=_labels(_PLACES.search(raw)),
                topics=_labels(_TOPICS.search(raw)),
            )
        )
    stories.sort(key=lambda s: s.newid)
    return stories


def duplicate_key(body: str) -> str:
    """What two bodies share when they are duplicates: the words, whatever the case.

    The collection's duplicates differ only in line breaks, indentation and the case of
    the sign-off (``REUTER`` or ``Reuter``); PROVENANCE.md's 347 counts them this way.
    """
    return " ".join(body.lower().split())


def duplicate_groups(stories: Sequence[Story]) -> list[list[Story]]:
    """Groups of two or more stories with the same body, each ordered oldest first.

    Oldest means earliest date, then lowest NEWID (the wire numbered stories as they ran),
    so a group's first story is the natural source of the others.
    """
    by_body: dict[str, list[Story]] = defaultdict(list)
    for s in stories:
        by_body[duplicate_key(s.body)].append(s)
    groups = [sorted(g, key=lambda s: (s.date, s.newid)) for g in by_body.values() if len(g) > 1]
    return sorted(groups, key=lambda g: g[0].newid)


def paragraphs(body: str) -> list[str]:
    """A body's paragraphs, each one line: an indented line starts a new paragraph.

    The trailing sign-off line (``Reuter``) is left out: every story ends with it, so it
    would be reuse shared by the whole collection.
    """
    paras: list[list[str]] = []
    for line in body.splitlines():
        if not line.strip():
            continue
        if not paras or line.startswith((" ", "\t")):
            paras.append([])
        paras[-1].append(line.strip())
    out = [" ".join(p) for p in paras]
    if out and out[-1].strip().lower() in _SIGN_OFF:
        out.pop()
    elif out and out[-1].rsplit(" ", 1)[-1].lower() in _SIGN_OFF and " " in out[-1]:
        out[-1] = out[-1].rsplit(" ", 1)[0]
    return [p for p in out if p]


#: Paragraphs are separated by a blank line in every text the benchmarks write.
PARAGRAPH_SEP = "\n\n"


def story_text(story: Story) -> str:
    """The plain text of a story: its paragraphs, separated by a blank line."""
    return PARAGRAPH_SEP.join(paragraphs(story.body))
