"""Synonyms for the planted-reuse generator, from WordNet's own data files.

Debian's ``wordnet-base`` puts WordNet 3.0 under ``/usr/share/wordnet``; the files are read
directly (``index.*`` for a word's senses, most frequent first; ``data.*`` for each
synset's lemmas; ``*.exc`` for irregular forms), so nothing is downloaded at run time.
When the files are absent a small built-in table stands in, and ``Synonyms.source`` says
so: results made with it are not comparable with WordNet ones.

A synonym is the most common lemma (by ``wordfreq`` Zipf frequency) of the word's first or
second sense, other than the word itself: a spinner that picks rare lemmas produces text
no outlet would print.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

WORDNET_DIR = Path("/usr/share/wordnet")
POS = ("noun", "verb", "adj", "adv")
#: Zipf frequency (log10 per billion words) below which a lemma counts as rare.
MIN_ZIPF = 3.0
#: Senses of a word tried, most frequent first: the first two are usually the news ones.
SENSES = 2

#: The stand-in when WordNet is absent: base forms only, news vocabulary.
FALLBACK: dict[str, str] = {
    "say": "state",
    "company": "firm",
    "share": "stock",
    "price": "cost",
    "market": "marketplace",
    "bank": "lender",
    "government": "administration",
    "expect": "anticipate",
    "increase": "rise",
    "rise": "climb",
    "fall": "drop",
    "low": "depressed",
    "high": "elevated",
    "profit": "earnings",
    "loss": "deficit",
    "agree": "consent",
    "agreement": "accord",
    "offer": "bid",
    "major": "principal",
    "official": "functionary",
    "trade": "commerce",
    "week": "period",
    "month": "period",
    "new": "fresh",
    "total": "aggregate",
    "plan": "scheme",
    "tell": "inform",
    "report": "announce",
    "president": "chief",
    "chairman": "head",
    "buy": "purchase",
    "sell": "vend",
    "rate": "charge",
    "economic": "fiscal",
    "growth": "expansion",
    "production": "output",
    "demand": "appetite",
    "large": "big",
    "small": "little",
    "help": "aid",
    "make": "produce",
    "statement": "declaration",
    "begin": "commence",
    "start": "commence",
    "end": "close",
    "country": "nation",
    "result": "outcome",
    "current": "present",
    "period": "stint",
    "level": "degree",
    "industry": "sector",
    "spokesman": "representative",
    "analyst": "expert",
    "believe": "reckon",
    "continue": "proceed",
    "group": "grouping",
    "issue": "matter",
    "crop": "harvest",
    "debt": "indebtedness",
    "source": "informant",
    "foreign": "overseas",
    "tax": "levy",
    "add": "note",
    "talk": "discussion",
    "system": "arrangement",
    "cash": "money",
    "credit": "lending",
    "meeting": "gathering",
    "management": "executives",
    "financial": "monetary",
    "minister": "secretary",
    "part": "portion",
    "likely": "probable",
    "money": "funds",
    "support": "backing",
    "recent": "latest",
    "deficit": "shortfall",
    "average": "mean",
    "member": "participant",
    "forecast": "prediction",
    "propose": "suggest",
    "surplus": "excess",
    "proposal": "suggestion",
    "stake": "holding",
    "value": "worth",
    "annual": "yearly",
    "decline": "downturn",
    "pay": "remunerate",
}


def _zipf() -> Callable[[str], float]:
    try:
        from wordfreq import zipf_frequency
    except ImportError:  # pragma: no cover - wordfreq is a dependency of unspin
        return lambda w: 0.0
    return lambda w: float(zipf_frequency(w, "en"))


class Synonyms:
    """Word → common synonym, inflected like the word; ``source`` names the dictionary."""

    def __init__(self, wordnet_dir: Path | None = WORDNET_DIR) -> None:
        self._index: dict[str, dict[str, list[int]]] = {p: {} for p in POS}
        self._synsets: dict[str, dict[int, tuple[str, ...]]] = {p: {} for p in POS}
        self._exc: dict[str, dict[str, str]] = {p: {} for p in POS}
        self._irregular: dict[str, dict[str, str]] = {"noun": {}, "verb": {}}
        self._cache: dict[str, str | None] = {}
        self._zipf = _zipf()
        if wordnet_dir is not None and all(
            (wordnet_dir / f"{k}.{p}").is_file() for p in POS for k in ("index", "data")
        ):
            self._load(wordnet_dir)
            self.source = f"wordnet-3.0 ({wordnet_dir})"
            self.is_wordnet = True
        else:
            self._load_fallback()
            self.source = "builtin-fallback (WordNet files absent; small news table)"
            self.is_wordnet = False

    # --- loading ------------------------------------------------------------------------

    def _load(self, root: Path) -> None:
        for pos in POS:
            index = self._index[pos]
            for line in (root / f"index.{pos}").read_text(encoding="latin-1").splitlines():
                if line.startswith(" "):  # the licence header
                    continue
                f = line.split()
                n_synsets = int(f[2])
                index[f[0]] = [int(x) for x in f[-n_synsets:]]
            synsets = self._synsets[pos]
            for line in (root / f"data.{pos}").read_text(encoding="latin-1").splitlines():
                if line.startswith(" "):
                    continue
                f = line.split(" ", 4 + 2 * 60)  # enough fields for any synset's words
                n_words = int(f[3], 16)
                words = tuple(re.sub(r"\(\w+\)$", "", f[4 + 2 * i]).lower() for i in range(n_words))
                synsets[int(f[0])] = words
            exc = root / f"{pos}.exc"
            if exc.is_file():
                for line in exc.read_text(encoding="latin-1").splitlines():
                    f = line.split()
                    if len(f) >= 2:
                        self._exc[pos].setdefault(f[0], f[1])
                        if pos in self._irregular:
                            # The first listed form of a base is its past tense (or plural).
                            self._irregular[pos].setdefault(f[1], f[0])

    def _load_fallback(self) -> None:
        for i, (word, syn) in enumerate(FALLBACK.items()):
            for pos in ("noun", "verb", "adj"):
                self._index[pos][word] = [i]
                self._synsets[pos][i] = (word, syn)
        for past, base in {"said": "say", "rose": "rise", "fell": "fall", "told": "tell"}.items():
            self._exc["verb"][past] = base
        for base, past in {
            "say": "said",
            "rise": "rose",
            "fall": "fell",
            "tell": "told",
            "sell": "sold",
            "buy": "bought",
            "make": "made",
            "pay": "paid",
            "begin": "began",
        }.items():
            self._irregular["verb"][base] = past

    # --- lookup -------------------------------------------------------------------------

    def _known(self, pos: str, word: str) -> bool:
        return word in self._index[pos]

    def analyse(self, word: str) -> list[tuple[str, str, str]]:
        """Readings (base, part of speech, form) of a lower-case word, likeliest first.

        Forms: ``base``, ``plural``, ``past``, ``ing``, ``3sg``. Irregular forms come first
        ("rose" is the verb rise before it is a flower).
        """
        out: list[tuple[str, str, str]] = []
        if word in self._exc["verb"] and self._known("verb", self._exc["verb"][word]):
            out.append((self._exc["verb"][word], "verb", "past"))
        if word in self._exc["noun"] and self._known("noun", self._exc["noun"][word]):
            out.append((self._exc["noun"][word], "noun", "plural"))
        for pos in POS:
            if self._known(pos, word):
                out.append((word, pos, "base"))
        if word.endswith("ies") and self._known("noun", word[:-3] + "y"):
            out.append((word[:-3] + "y", "noun", "plural"))
        if word.endswith("es") and self._known("noun", word[:-2]):
            out.append((word[:-2], "noun", "plural"))
        if word.endswith("s") and self._known("noun", word[:-1]):
            out.append((word[:-1], "noun", "plural"))
        if word.endswith("ed"):
            for base in (word[:-2], word[:-1], word[:-3] + "y" if word.endswith("ied") else ""):
                if base and self._known("verb", base):
                    out.append((base, "verb", "past"))
        if word.endswith("ing"):
            for base in (word[:-3], word[:-3] + "e"):
                if self._known("verb", base):
                    out.append((base, "verb", "ing"))
        if word.endswith("s") and self._known("verb", word[:-1]):
            out.append((word[:-1], "verb", "3sg"))
        return out

    def _best(self, base: str, pos: str) -> str | None:
        best: tuple[float, str] | None = None
        for offset in self._index[pos].get(base, [])[:SENSES]:
            for lemma in self._synsets[pos].get(offset, ()):
                # One word only: inflecting "take over" or "net income" goes wrong.
                if lemma == base or not lemma.isalpha() or base in lemma or lemma in base:
                    continue
                z = self._zipf(lemma) if self.is_wordnet else MIN_ZIPF
                if z >= MIN_ZIPF and (best is None or (z, lemma) > best):
                    best = (z, lemma)
            if best is not None:  # the more frequent sense wins when it offers one
                return best[1]
        return None

    def _inflect(self, base: str, pos: str, form: str) -> str:
        if form == "base":
            return base
        if form == "plural" or form == "3sg":
            irregular = self._irregular["noun"].get(base) if form == "plural" else None
            if irregular:
                return irregular
            if base.endswith(("s", "x", "z", "ch", "sh")):
                return base + "es"
            if base.endswith("y") and base[-2:-1] not in "aeiou":
                return base[:-1] + "ies"
            return base + "s"
        if form == "past":
            irregular = self._irregular["verb"].get(base)
            if irregular:
                return irregular
            if base.endswith("e"):
                return base + "d"
            if base.endswith("y") and base[-2:-1] not in "aeiou":
                return base[:-1] + "ied"
            return base + "ed"
        # "ing"
        if base.endswith("e") and not base.endswith("ee"):
            return base[:-1] + "ing"
        return base + "ing"

    def synonym(self, word: str) -> str | None:
        """A common synonym of ``word`` in the same form and letter case, or None."""
        low = word.lower()
        if low not in self._cache:
            found = None
            for base, pos, form in self.analyse(low):
                syn = self._best(base, pos)
                if syn is not None:
                    found = self._inflect(syn, pos, form)
                    break
            self._cache[low] = found
        out = self._cache[low]
        if out is None:
            return None
        if word.isupper() and len(word) > 1:
            return out.upper()
        if word[0].isupper():
            return out[0].upper() + out[1:]
        return out
