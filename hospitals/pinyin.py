"""Pinyin keys of Chinese names, for search by pinyin or its initials (李建国 → lijianguo, ljg).

Heteronyms take pypinyin's most common reading; with ``heteronym`` surnames such as 单 (shan)
or 曾 (zeng) would need a surname table, which is not worth it for prefix search: a user who
types the other reading finds the doctor by the Chinese characters instead.
"""

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=65536)
def _syllables(name: str) -> tuple[str, ...]:
    return tuple(s.lower() for s in lazy_pinyin(name or "", style=Style.NORMAL, errors="default") if s.strip())


def name_pinyin(name: str) -> str:
    """Full pinyin without tones or spaces: 李建国 → 'lijianguo' (Latin letters are kept, lowered)."""
    return "".join("".join(_syllables(name)).split())


def name_initials(name: str) -> str:
    """First letter of each syllable: 李建国 → 'ljg'."""
    return "".join(s[0] for s in _syllables(name) if s and s[0].isalnum())
