"""“Did you mean …?” for names a file writes that match nothing: hospitals, departments,
distributors, products.

Candidates come from rapidfuzz (a maintained C++ library) on the characters *and* on the pinyin,
so that an abbreviation (中山医院 → 复旦大学附属中山医院), a dropped or extra word and a
homophone typo (钟山医院 → 中山医院) all find their record. To stay fast with thousands of
known names and thousands of unknown ones, each unknown name is scored only against the
known names that share a rare character or a pinyin syllable with it (an inverted index; the
characters every hospital has — 医, 院, 人, 民 … — are left out), at most :data:`SHORTLIST` of them.

A suggestion is *accepted automatically* by "accept all suggestions" only when it is clear:
its score is at least :data:`ACCEPT_SCORE` and no other candidate comes within
:data:`ACCEPT_MARGIN` points.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict

from pypinyin import Style, lazy_pinyin
from rapidfuzz import fuzz

SHORTLIST = 40
MIN_SCORE = 70
NEAR = 15  # candidates more than this many points below the best are not shown
ACCEPT_SCORE = 80
ACCEPT_MARGIN = 5
COMMON_SHARE = 0.08  # a character or syllable in more than 8 % of the names finds nothing


@functools.lru_cache(maxsize=20_000)
def _char_pinyin(char: str) -> str:
    if char.isascii():
        return char.lower()
    return lazy_pinyin(char, style=Style.NORMAL)[0]


def syllables(text: str) -> list[str]:
    """The pinyin of ``text``, one syllable per Chinese character (ASCII kept, lower case)."""
    return [_char_pinyin(c) for c in text if not c.isspace()]


class Suggester:
    """Known names (name → record id) and the likely ones for an unknown name."""

    def __init__(self, choices: dict[str, object]):
        self.names = list(choices)
        self.ids = [choices[n] for n in self.names]
        self._index = None

    def _build(self):
        by_char: dict[str, set[int]] = defaultdict(set)
        by_syllable: dict[str, set[int]] = defaultdict(set)
        pinyin = []
        for i, name in enumerate(self.names):
            for char in set(name):
                by_char[char].add(i)
            sylls = syllables(name)
            pinyin.append("".join(sylls))
            for syllable in set(sylls):
                by_syllable[syllable].add(i)
        limit = max(20, COMMON_SHARE * len(self.names))
        by_char = {c: ids for c, ids in by_char.items() if len(ids) <= limit}
        by_syllable = {s: ids for s, ids in by_syllable.items() if len(ids) <= limit}
        self._index = (by_char, by_syllable, pinyin)

    def suggest(self, text: str, limit: int = 3) -> list[tuple[object, str, int]]:
        """Up to ``limit`` ``(id, name, score 0–100)``, best first, score at least :data:`MIN_SCORE`."""
        if not text or not self.names:
            return []
        if self._index is None:
            self._build()
        by_char, by_syllable, pinyin = self._index
        sylls = syllables(text)
        hits: Counter = Counter()
        for char in set(text):
            for i in by_char.get(char, ()):
                hits[i] += 1
        for syllable in set(sylls):
            for i in by_syllable.get(syllable, ()):
                hits[i] += 1
        query_pinyin = "".join(sylls)
        scored = []
        for i, _ in hits.most_common(SHORTLIST):
            name = self.names[i]
            score = max(fuzz.WRatio(text, name), 0.95 * fuzz.ratio(query_pinyin, pinyin[i]))
            if score >= MIN_SCORE:
                scored.append((round(score), i))
        scored.sort(key=lambda s: (-s[0], self.names[s[1]]))
        scored = [s for s in scored if s[0] >= scored[0][0] - NEAR]
        return [(self.ids[i], self.names[i], score) for score, i in scored[:limit]]


def clear_choice(candidates: list[tuple[object, str, int]]):
    """The id of the candidate that "accept all suggestions" may take, or None when unclear."""
    if not candidates or candidates[0][2] < ACCEPT_SCORE:
        return None
    if len(candidates) > 1 and candidates[1][2] > candidates[0][2] - ACCEPT_MARGIN:
        return None
    return candidates[0][0]
