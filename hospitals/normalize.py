"""One written form for master data, wherever it enters: import, browser forms, API, admin.

* names (people, hospitals, departments): Unicode NFKC (full-width letters, digits and spaces
  become half-width), runs of whitespace collapsed, and no space at all between two Chinese
  characters — ``许　立`` (a full-width space) and ``许 立`` are ``许立``; the middle dots of
  minority and foreign names (``•``, ``・``, ``．``) are one ``·``;
* phones: parsed with phonenumbers (Google's libphonenumber) for region CN and stored in E.164
  (``+8613499255324``), the text as written kept for display; a mobile column takes mobile
  numbers only (a landline there is an error naming the other column);
* provinces: the official full name (``广西`` → ``广西壮族自治区``, ``Guangdong`` → ``广东省``);
* cities: one canonical form (``上海`` → ``上海市``, ``延边`` → ``延边朝鲜族自治州``), so a city
  filter never lists the same city twice;
* e-mail addresses: lower case.

The functions are pure and cheap (the import calls them once per distinct value of a column);
a value that cannot be read raises :class:`Unreadable` with an untranslated message id and its
parameters (``gettext_noop``), which the import renders in the reader's language and the
models turn into a ``ValidationError``.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import phonenumbers
from django.utils.translation import gettext_noop
from phonenumbers import PhoneMetadata, PhoneNumberType
from pypinyin import Style, lazy_pinyin

from hospitals.vocabulary import PROVINCES

# Prefecture-level divisions that are not "…市": the autonomous prefectures (自治州), the
# prefectures (地区) and leagues (盟), with the short names people write for them.
PREFECTURES = {
    "延边朝鲜族自治州": "延边", "恩施土家族苗族自治州": "恩施", "湘西土家族苗族自治州": "湘西",
    "阿坝藏族羌族自治州": "阿坝", "甘孜藏族自治州": "甘孜", "凉山彝族自治州": "凉山",
    "黔东南苗族侗族自治州": "黔东南", "黔南布依族苗族自治州": "黔南", "黔西南布依族苗族自治州": "黔西南",
    "楚雄彝族自治州": "楚雄", "红河哈尼族彝族自治州": "红河", "文山壮族苗族自治州": "文山",
    "西双版纳傣族自治州": "西双版纳", "大理白族自治州": "大理", "德宏傣族景颇族自治州": "德宏",
    "怒江傈僳族自治州": "怒江", "迪庆藏族自治州": "迪庆", "临夏回族自治州": "临夏", "甘南藏族自治州": "甘南",
    "海北藏族自治州": "海北", "黄南藏族自治州": "黄南", "海南藏族自治州": "", "果洛藏族自治州": "果洛",
    "玉树藏族自治州": "玉树", "海西蒙古族藏族自治州": "海西", "昌吉回族自治州": "昌吉",
    "博尔塔拉蒙古自治州": "博尔塔拉", "巴音郭楞蒙古自治州": "巴音郭楞", "克孜勒苏柯尔克孜自治州": "克孜勒苏",
    "伊犁哈萨克自治州": "伊犁",
    "大兴安岭地区": "大兴安岭", "阿里地区": "阿里", "喀什地区": "喀什", "和田地区": "和田", "阿克苏地区": "阿克苏",
    "塔城地区": "塔城", "阿勒泰地区": "阿勒泰", "兴安盟": "兴安", "锡林郭勒盟": "锡林郭勒", "阿拉善盟": "阿拉善",
}  # fmt: skip
_CITY_SHORT = {short: full for full, short in PREFECTURES.items() if short}
_CITY_SUFFIXES = ("市", "地区", "自治州", "盟", "区", "县", "旗")  # not 州: 杭州 is 杭州市

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}·])\s+(?=[{_CJK}·])")
_SPACES = re.compile(r"\s+")
_DOTS = re.compile(r"\s*[•・．‧∙⋅]\s*|\s*·\s*")


class Unreadable(ValueError):  # noqa: N818 - reads as "raise Unreadable(...)"
    """A value that has no normal form; ``msgid`` is an untranslated message with ``params``."""

    def __init__(self, msgid: str, **params):
        super().__init__(msgid % params if params else msgid)
        self.msgid = msgid
        self.params = params


def text(value) -> str:
    """NFKC, whitespace runs as one space, stripped: every text field of master data."""
    if not value:
        return ""
    value = str(value)
    if not value.isascii():
        value = unicodedata.normalize("NFKC", value)
    if "  " in value or "\t" in value or "\n" in value or "\r" in value or "\xa0" in value:
        value = _SPACES.sub(" ", value)
    return value.strip()


def name(value) -> str:
    """A person's or an organisation's name: :func:`text`, no space between Chinese characters,
    one kind of middle dot (``买买提 • 艾力`` → ``买买提·艾力``)."""
    value = text(value)
    if value.isascii():
        return value
    value = _DOTS.sub("·", value)
    return _SPACE_BETWEEN_CJK.sub("", value)


def email(value) -> str:
    """An e-mail address in lower case (the part before @ is case-insensitive at every mail host
    the field uses; two spellings would be two contacts)."""
    return text(value).lower()


# --- phones ----------------------------------------------------------------------------------

MOBILE = "mobile"
LANDLINE = "landline"

_PHONE_JUNK = re.compile(r"[\s\-‐‑–—().\[\]/]+")
_CN_MOBILE_SHAPE = re.compile(r"(?:\+86|0086|86)?(1\d{10})")
_EXTENSION = re.compile(r"\s*(?:转|分机|ext\.?|x)\s*(\d{1,6})\s*$", re.IGNORECASE)


@functools.cache
def _cn_mobile_pattern():
    return re.compile(PhoneMetadata.metadata_for_region("CN").mobile.national_number_pattern)


def phone(value, *, kind: str = MOBILE) -> tuple[str, str]:
    """``(E.164, as written)`` of a phone number; ``("", "")`` for an empty value.

    China is the default region (``021-6404 1990``, ``134-9925-5324``, ``+86 …``, ``0086…``,
    ``86…`` all read). A number of another country needs its ``+`` prefix. A mobile column
    refuses landlines; an extension (``转 123``) is kept in the written form only.
    """
    # The most common cell, 13800000000, without any of the work below.
    plain = type(value) is str and len(value) == 11 and value.isascii() and value.isdigit() and value[0] == "1"
    if plain and _cn_mobile_pattern().fullmatch(value):
        return "+86" + value, value
    written = text(value)
    if not written:
        return "", ""
    compact = _PHONE_JUNK.sub("", written)
    # The common case without the library: a Chinese mobile number in any punctuation.
    match = _CN_MOBILE_SHAPE.fullmatch(compact)
    if match and _cn_mobile_pattern().fullmatch(match.group(1)):
        return "+86" + match.group(1), written
    candidate = _EXTENSION.sub(r" ext. \1", written)
    try:
        number = phonenumbers.parse(candidate, "CN")
    except phonenumbers.NumberParseException:
        raise Unreadable(gettext_noop("not a phone number: “%(value)s”"), value=written) from None
    if not phonenumbers.is_valid_number(number):
        raise Unreadable(gettext_noop("not a valid phone number: “%(value)s”"), value=written)
    if kind == MOBILE and phonenumbers.number_type(number) not in (
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise Unreadable(
            gettext_noop("“%(value)s” is not a mobile number: put landlines in the office phone column"),
            value=written,
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), written


def phone_fields(e164_or_written: str, display: str, *, kind: str = MOBILE) -> tuple[str, str]:
    """The stored pair ``(E.164, display)`` after a form or API set the phone field to
    ``e164_or_written``: a new number keeps its written form for display; the stored E.164
    sent back unchanged keeps the display it had."""
    number, written = phone(e164_or_written, kind=kind)
    if not number:
        return "", ""
    if written == number and display:
        try:
            if phone(display, kind=kind)[0] == number:
                return number, display
        except Unreadable:
            pass
    return number, written


# --- provinces and cities --------------------------------------------------------------------

_PROVINCE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市")
_PINYIN_OVERRIDES = {"陕西": "shaanxi", "内蒙古": "neimenggu"}


def _short_province(full: str) -> str:
    for suffix in _PROVINCE_SUFFIXES:
        if full.endswith(suffix):
            return full[: -len(suffix)]
    return full


@functools.cache
def _province_map() -> dict[str, str]:
    mapping = {}
    for full in PROVINCES:
        short = _short_province(full)
        mapping[full] = mapping[short] = full
        mapping[_PINYIN_OVERRIDES.get(short, "".join(lazy_pinyin(short, style=Style.NORMAL)))] = full
    mapping["shanxi"] = "山西省"
    return mapping


def province(value) -> str:
    """The official full name of a province given in full, short or pinyin (``""`` for empty)."""
    written = text(value)
    if not written:
        return ""
    mapping = _province_map()
    word = re.sub(r"[\s_\-]+", "", written.lower())
    for candidate in (written, word, _short_province(written), word.removesuffix("province").removesuffix("shi")):
        if candidate in mapping:
            return mapping[candidate]
    raise Unreadable(gettext_noop("unknown province “%(value)s”"), value=written)


def city(value) -> str:
    """One form per city: the official name with its suffix (``上海`` → ``上海市``; an
    autonomous prefecture, prefecture or league by its short name → its full name)."""
    written = name(value)
    if not written or written.isascii():
        return written
    if written in PREFECTURES:
        return written
    if written in _CITY_SHORT:
        return _CITY_SHORT[written]
    if written.endswith(_CITY_SUFFIXES):
        return written
    return written + "市"
