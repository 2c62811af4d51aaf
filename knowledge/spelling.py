"""A caller's misspelt words corrected before the meaning of their text is read: "outlok wont conect" is embedded
as "outlook wont connect", "webshop" as "web shop". A word is corrected only when neither an English word list (the
one the ``pyspellchecker`` package ships, read as a file) nor the desk's own words (those of the known errors and
open incidents this process has read) know it, and only to a word one or two edits away (decision 0057).
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

# Shorter words are left alone: one edit turns them into too many others ("tram", "tray", "trap").
MIN_LENGTH = 4
# Words shorter than this are corrected only into the desk's own words: a short word the list lacks is more often
# jargon ("cert", "auth", "wlan", "admin") than a typo.
MIN_ENGLISH_LENGTH = 6
# Words up to this length may be one edit off, longer ones two ("microfone").
ONE_EDIT_UP_TO = 7
# The English words a typo may be corrected into: the most frequent of the list; the rarer ones still count as
# correctly spelt, never as corrections ("confect" for "conect", "dabble" for "dubble").
COMMON_WORDS = 15_000
# A compound of at least SPLIT_FROM letters is split in two words, each a desk word or a common English one of at
# least three letters ("webshop"), or of two among the SHORT_PART most frequent ("lookup"): before a correction two
# edits away ("touchpad" is "touch pad", not "touched"), after one a single edit away.
SPLIT_FROM = 6
SHORT_PART = 1_000

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_DESK_WORD = re.compile(rf"[a-z]{{{MIN_LENGTH},}}")


@dataclass(frozen=True, slots=True)
class Corrected:
    text: str
    fixes: tuple[tuple[str, str], ...]  # (as typed, as corrected)


@dataclass(frozen=True, slots=True)
class _English:
    known: frozenset[str]
    rank: dict[str, int]  # the common words, 0 the most frequent
    by_letter: dict[str, list[str]]  # the common words by their first letter, most frequent first


_desk: set[str] = set()
_desk_version = 0
_lock = threading.Lock()


def corrected(text: str) -> Corrected:
    """``text`` with each misspelt word replaced by the nearest word the desk or the English list knows."""
    english = _english()
    fixes: list[tuple[str, str]] = []

    def fix(match: re.Match[str]) -> str:
        typed = match.group(0)
        word = typed.lower()
        # A capital inside a word or at its head is a name or a product ("Marieke", "SharePoint"): left as typed.
        if len(word) < MIN_LENGTH or "'" in word or typed != word or _known(word, english):
            return typed
        best = _nearest(word, _desk_version)
        if best is None:
            return typed
        fixes.append((typed, best))
        return best

    return Corrected(_WORD.sub(fix, text), tuple(fixes))


def learn(texts: Iterable[str]) -> None:
    """Add the words of these texts (known errors', open incidents') to the desk's words: never corrected, and
    preferred as corrections. A word once seen stays for the life of the process."""
    words = {word for text in texts for word in _DESK_WORD.findall(text.lower())}
    global _desk_version
    with _lock:
        new = words - _desk
        if new:
            _desk.update(new)
            _desk_version += 1


def forget() -> None:
    """Forget the desk's words (tests)."""
    global _desk_version
    with _lock:
        _desk.clear()
        _desk_version += 1
        _nearest.cache_clear()


def _known(word: str, english: _English) -> bool:
    """Spelt right: a desk word, or an English one (also as British spelling: "digitise", "colour")."""
    if word in _desk or word in english.known:
        return True
    american = word.replace("ise", "ize").replace("isa", "iza").replace("yse", "yze")
    if american != word and american in english.known:
        return True
    return word.endswith("our") and word[:-2] + "r" in english.known


@functools.lru_cache(maxsize=4096)
def _nearest(word: str, _version: int) -> str | None:
    """The nearest desk or common English word, one edit away (two for a longer word), or the two words a compound
    joins ("webshop"). Of equals: the word the typed one is missing letters of ("printr" is "printer", not
    "print"), a desk word, the most frequent English one. ``_version`` keys the cache to the desk's words."""
    english = _english()
    limit = 1 if len(word) <= ONE_EDIT_UP_TO else 2
    desk = [w for w in _desk if w[0] == word[0] and abs(len(w) - len(word)) <= limit]
    pools = [(desk, 0)] if len(word) < MIN_ENGLISH_LENGTH else [(desk, 0), (english.by_letter.get(word[0], []), 1)]
    found: list[tuple[float, bool, int, int, str]] = []
    for pool, not_desk in pools:
        for candidate, distance, _index in process.extract(
            word, pool, scorer=DamerauLevenshtein.distance, score_cutoff=limit, limit=None
        ):
            rank = english.rank.get(candidate, len(english.rank))
            found.append((distance, not _missing_letters(word, candidate), not_desk, rank, candidate))
    split = _split(word, english)
    if split:
        found.append((1.5, True, True, 0, split))
    return min(found)[4] if found else None


def _missing_letters(typed: str, word: str) -> bool:
    """Whether ``typed`` is ``word`` with letters left out."""
    letters = iter(word)
    return len(typed) < len(word) and all(letter in letters for letter in typed)


def _split(word: str, english: _English) -> str | None:
    """A compound of two known words written as one ("webshop", "everytime"), as two."""
    if len(word) < SPLIT_FROM:
        return None
    for cut in range(2, len(word) - 1):
        left, right = word[:cut], word[cut:]
        if all(_part(part, english) for part in (left, right)):
            return f"{left} {right}"
    return None


def _part(word: str, english: _English) -> bool:
    if len(word) == 2:
        return english.rank.get(word, SHORT_PART) < SHORT_PART
    return word in _desk or word in english.rank


@functools.cache
def _english() -> _English:
    """The English word list with its counts (about 160,000 words, 0.2 s to read), once a process."""
    counts: dict[str, int] = json.loads(gzip.decompress(_word_list().read_bytes()))
    common = sorted((w for w in counts if w.isalpha()), key=lambda w: -counts[w])[:COMMON_WORDS]
    by_letter: dict[str, list[str]] = {}
    for word in common:
        by_letter.setdefault(word[0], []).append(word)
    # "dont", "doesnt", "ive": the list's contractions typed without their apostrophe are words too.
    known = frozenset(counts) | {word.replace("'", "") for word in counts if "'" in word}
    return _English(known=known, rank={word: i for i, word in enumerate(common)}, by_letter=by_letter)


def _word_list() -> Path:
    spec = importlib.util.find_spec("spellchecker")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The package pyspellchecker is not installed (uv sync).")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "en.json.gz"
