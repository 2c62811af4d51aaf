"""Building full-text queries that stay fast: shared by the known-error matcher and the similar-incident lookup.

Both rank candidates word by word; what keeps them fast is how the candidates are found. An ``OR`` of
every word of a caller's sentence finds most of the table, so ``budgeted_tsquery`` takes the rare words
alone and the common ones only in pairs, aiming at a fixed number of rows.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence

# What a caller's text is read up to: enough for any description, and a bound on the statement's size.
MAX_CHARS = 2_000
MAX_WORDS = 50
_WORD = re.compile(r"[^\W_]+")

# Words with digits that count rather than name (is_code).
_COUNT = re.compile(r"\d{1,2}")
_ORDINAL = re.compile(r"\d+(st|nd|rd|th)")


def is_code(word: str) -> bool:
    """Whether a word has digits and says which thing it is: an error code, a CI name's part, a number of three digits
    or more. Shared words alone offer a match only with one of them (decisions 0043 and 0056): a share of common words
    is easy to reach for a short call. A number of one or two digits or an ordinal counts ("2 screens", "the 4th
    floor"): a coffee machine on the 2nd floor is not the network of the 2nd floor."""
    if not any(character.isdigit() for character in word):
        return False
    return not (_COUNT.fullmatch(word) or _ORDINAL.fullmatch(word.lower()))


def search_tokens(text: str) -> list[str]:
    """The distinct words of the text, lower case, in order: letters and digits, two characters or more."""
    words = _WORD.findall((text or "")[:MAX_CHARS].lower())
    return list(dict.fromkeys(word for word in words if len(word) > 1))[:MAX_WORDS]


def tsquery_operand(lexeme: str, weights: str = "") -> str:
    """A lexeme as a ``tsquery`` operand, quoted (lexemes here are letters and digits, but quoting costs nothing)."""
    quoted = lexeme.replace("\\", "\\\\").replace("'", "''")
    return f"'{quoted}'" + (f":{weights}" if weights else "")


def budgeted_tsquery[Word](
    words: Sequence[Word],
    *,
    rows: float,
    budget: float,
    paired: int,
    share: Callable[[Word], float | None],
    operand: Callable[[Word], str],
    name: Callable[[Word], str],
) -> tuple[str | None, float]:
    """A ``tsquery`` expected to find ``budget`` of the ``rows`` rows at most; and how many it expects.

    ``share(word)`` is the fraction of rows containing the word (``None``: unknown, taken as rare),
    ``operand(word)`` its ``tsquery`` form and ``name(word)`` breaks ties. Words are taken from the rarest:
    alone (``OR``-ed) while the expected number of rows allows, then in pairs (``a & b``, as often as the two
    shares multiplied suggest) among the ``paired`` rarest of the remaining ones, and when no pair is rare
    enough, as many of those together as it takes. Without statistics every word is taken alone (and the
    number expected is 0).
    """
    if not words:
        return None, 0.0

    def df(word: Word) -> float:
        return share(word) or 0.0

    clauses: list[str] = []
    expected = 0.0
    rest: list[Word] = []
    for word in sorted(words, key=lambda word: (df(word), name(word))):
        found = df(word) * rows
        if not rest and expected + found <= budget:
            clauses.append(operand(word))
            expected += found
        else:
            rest.append(word)
    rest = rest[:paired]
    for first, second in sorted(itertools.combinations(rest, 2), key=lambda pair: df(pair[0]) * df(pair[1])):
        found = df(first) * df(second) * rows
        if expected + found > budget:
            break
        clauses.append(f"{operand(first)} & {operand(second)}")
        expected += found
    if not clauses:
        # Only common words: as many of them together as it takes (the rarest first).
        together, fraction = [], 1.0
        for word in rest:
            together.append(word)
            fraction *= df(word)
            if fraction * rows <= budget:
                break
        clauses.append(" & ".join(operand(word) for word in together))
        expected = fraction * rows
    return " | ".join(f"({clause})" for clause in clauses), expected
