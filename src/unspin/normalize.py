"""Normalise text for matching while keeping a map back to the original characters.

Matching happens on a folded copy of the text (NFKC-like compatibility folding, case
folding, quotes and dashes unified, look-alike Cyrillic/Greek letters folded to Latin,
invisible characters dropped, ``U.S.``/``US``-style abbreviations unified); every
character of the copy remembers the original characters it came from, so any span
found in the copy maps back to a span of the original that can be sliced and shown.

>>> n = normalize("The U.S.\\u200b said “no”")
>>> n.text
'the us said "no"'
>>> n.to_original((4, 6))
(4, 8)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from .records import Span

IntArray = npt.NDArray[np.int64]

# Cyrillic and Greek letters that render like Latin ones: spinners and "anti-plagiarism"
# tools swap them in to defeat exact matching (Copyleaks calls it homoglyph manipulation).
_HOMOGLYPHS = str.maketrans(
    {
        # Cyrillic (lower case; upper case is case-folded first)
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j",
        "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ɡ": "g",
        # Greek
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ϲ": "c", "ϳ": "j", "ѵ": "v",
    }
)  # fmt: skip

# Quotes and dashes in all their typographic forms match their plain ASCII forms.
_PUNCT = str.maketrans(
    {
        "“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"', "″": '"', "〝": '"', "〞": '"',
        "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'", "´": "'",
        "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
    }
)  # fmt: skip

# Characters that are invisible when rendered: zero-width spaces and joiners, bidi
# controls, the soft hyphen, and the blank Braille cell injected by anti-plagiarism tools.
_INVISIBLE = frozenset(
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069"
    "\u206a\u206b\u206c\u206d\u206e\u206f\u2800\u3164\ufeff\uffa0"
)

# Text converted through a broken Windows-1252 path keeps only the low byte of the
# typographic punctuation (U+2019 becomes U+0019); the PAN corpora are full of these.
_MANGLED_C0 = {0x13: "-", 0x14: "-", 0x18: "'", 0x19: "'", 0x1C: '"', 0x1D: '"'}

# Dotted and undotted initialisms are the same word: U.S. = US, E.U. = EU, U.K. = UK.
_DOTTED_INITIALISM = re.compile(r"(?<![\w.])(?:[^\W\d_]\.){2,4}(?!\w)")


@dataclass(frozen=True, slots=True)
class Normalized:
    """Folded text plus, for each of its characters, the original span it came from."""

    text: str
    starts: IntArray
    ends: IntArray
    original_length: int

    def to_original(self, span: Span) -> Span:
        """Map a ``[start, end)`` span of the folded text back to the original text."""
        start, end = span
        if end <= start:
            pos = int(self.starts[start]) if start < len(self.starts) else self.original_length
            return (pos, pos)
        return (int(self.starts[start]), int(self.ends[end - 1]))


@lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    """Fold one non-ASCII character to its matching form ('' when it is invisible)."""
    if ch in _INVISIBLE:
        return ""
    code = ord(ch)
    if code < 0x20 or 0x7F <= code < 0xA0:
        if ch in "\t\n\r":
            return ch
        return _MANGLED_C0.get(code, " ")
    decomposed = unicodedata.normalize("NFKD", ch)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    if not base:
        return ""
    if unicodedata.category(base[0]) == "Cf":
        return ""
    return base.casefold().translate(_HOMOGLYPHS).translate(_PUNCT)


def normalize(text: str) -> Normalized:
    """Fold ``text`` for matching; see the module docstring for what is folded."""
    n = len(text)
    if text.isascii() and not _has_c0(text):
        folded = text.lower()
        starts = np.arange(n, dtype=np.int64)
        ends = starts + 1
    else:
        folded, starts, ends = _fold_general(text)
    return _unify_initialisms(Normalized(folded, starts, ends, n))


_C0 = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _has_c0(text: str) -> bool:
    return _C0.search(text) is not None


# Characters that need more than lower-casing: everything outside printable ASCII and
# the three whitespace controls. Runs between them are folded in bulk.
_SPECIAL = re.compile(r"[^\x20-\x7e\t\n\r]")


def _fold_general(text: str) -> tuple[str, IntArray, IntArray]:
    pieces: list[str] = []
    starts: list[IntArray] = []
    ends: list[IntArray] = []
    pos = 0
    for m in _SPECIAL.finditer(text):
        i = m.start()
        if i > pos:
            pieces.append(text[pos:i].lower())
            starts.append(np.arange(pos, i, dtype=np.int64))
            ends.append(np.arange(pos + 1, i + 1, dtype=np.int64))
        pos = i + 1
        folded = _fold_char(text[i])
        if not folded:
            # A dropped character (a combining mark, a zero-width space) belongs to the
            # character before it, so spans that end there still cover it.
            if ends:
                ends[-1][-1] = i + 1
            continue
        pieces.append(folded)
        starts.append(np.full(len(folded), i, dtype=np.int64))
        ends.append(np.full(len(folded), i + 1, dtype=np.int64))
    if pos < len(text):
        pieces.append(text[pos:].lower())
        starts.append(np.arange(pos, len(text), dtype=np.int64))
        ends.append(np.arange(pos + 1, len(text) + 1, dtype=np.int64))
    if not pieces:
        empty = np.zeros(0, dtype=np.int64)
        return "", empty, empty.copy()
    return "".join(pieces), np.concatenate(starts), np.concatenate(ends)


def _unify_initialisms(norm: Normalized) -> Normalized:
    matches = list(_DOTTED_INITIALISM.finditer(norm.text))
    if not matches:
        return norm
    keep = np.ones(len(norm.text), dtype=bool)
    ends = norm.ends.copy()
    for m in matches:
        for k in range(m.start() + 1, m.end(), 2):
            keep[k] = False
        # The initialism's last letter now ends where its final dot ended.
        ends[m.end() - 2] = norm.ends[m.end() - 1]
    text = "".join(c for c, k in zip(norm.text, keep, strict=True) if k)
    return Normalized(text, norm.starts[keep], ends[keep], norm.original_length)
