"""Cell parsers: text of one cell (already NFKC-normalised and stripped, never empty) → value.

Each parser is a callable raising :class:`~hospitals.imports.errors.Invalid` with a
translatable message. The engine calls a parser once per *distinct* value of a column, so
parsing a 100,000-row file costs as much as its distinct values.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation
from django.utils.translation import gettext_noop

from hospitals.imports.errors import Invalid
from hospitals.models import PROVINCES
from hospitals.pinyin import name_pinyin

LIST_SEPARATORS = re.compile(r"[,;|、\n]+")
EXCEL_EPOCH = dt.date(1899, 12, 30)


def key(text: str) -> str:
    """The comparison form of a word: lower case, no spaces, underscores or hyphens."""
    return re.sub(r"[\s_\-]+", "", text.lower())


class Text:
    """Free text, at most ``max_length`` characters."""

    def __init__(self, max_length: int):
        self.max_length = max_length

    def __call__(self, value: str) -> str:
        if len(value) > self.max_length:
            raise Invalid(gettext_noop("too long: at most %(max)s characters"), max=self.max_length)
        return value


class Identifier(Text):
    """An external id or code: like text, and a number read from Excel loses no ``.0``."""


class Email:
    def __call__(self, value: str) -> str:
        try:
            validate_email(value)
        except ValidationError as exc:
            raise Invalid(gettext_noop("not an email address: “%(value)s”"), value=value) from exc
        return value.lower()


class Choice:
    """One of a model's choices, given as its code, its label in English or Chinese, or an alias.

    Labels written as ``English (中文)`` are accepted whole and by each part; the labels of
    both UI languages are accepted whatever the language of the import.
    """

    def __init__(self, choices, aliases: dict[str, str] | None = None, message: str | None = None):
        self.choices = choices
        self.aliases = aliases or {}
        self.message = message or gettext_noop("unrecognised value “%(value)s”")
        self._map: dict[str, str] | None = None

    def _build(self) -> dict[str, str]:
        mapping: dict[str, str] = {}
        for code, label in self.choices:
            forms = {str(code)}
            for lang in ("en", "zh-hans"):
                with translation.override(lang):
                    text = str(label)
                forms.add(text)
                match = re.match(r"^(.*?)\s*\((.*)\)\s*$", text)
                if match:
                    forms.update(match.groups())
            for form in forms:
                if form:
                    mapping.setdefault(key(form), code)
        for alias, code in self.aliases.items():
            mapping[key(alias)] = code
        return mapping

    def __call__(self, value: str) -> str:
        if self._map is None:
            self._map = self._build()
        try:
            return self._map[key(value)]
        except KeyError:
            raise Invalid(self.message, value=value) from None


class ChoiceList(Choice):
    """Several choices in one cell, separated by commas, 、, semicolons or |."""

    def __call__(self, value: str) -> list[str]:
        result = []
        for part in split_list(value):
            code = super().__call__(part)
            if code not in result:
                result.append(code)
        return result


def split_list(value: str) -> list[str]:
    return [part.strip() for part in LIST_SEPARATORS.split(value) if part.strip()]


class TextList:
    """Several words in one cell (separated by commas, 、, semicolons, | or line breaks)."""

    def __init__(self, max_length: int):
        self.max_length = max_length

    def __call__(self, value: str) -> list[str]:
        parts = []
        for part in split_list(value):
            if len(part) > self.max_length:
                raise Invalid(gettext_noop("too long: at most %(max)s characters"), max=self.max_length)
            if part not in parts:
                parts.append(part)
        return parts


TRUE_WORDS = {"是", "y", "yes", "true", "1", "有", "同意", "√", "✓", "对", "在职", "启用", "t"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "无", "不同意", "×", "✗", "x", "离职", "停用", "f"}


class Boolean:
    def __call__(self, value: str) -> bool:
        word = key(value)
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise Invalid(gettext_noop("not yes or no: “%(value)s” (write 是 or 否)"), value=value)


def _number_text(value: str) -> str:
    return re.sub(r"[,\s¥￥元]|RMB|CNY", "", value, flags=re.IGNORECASE)


class Integer:
    def __init__(self, min_value: int | None = None, max_value: int | None = None):
        self.min_value, self.max_value = min_value, max_value

    def __call__(self, value: str) -> int:
        text = _number_text(value)
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise Invalid(gettext_noop("not a number: “%(value)s”"), value=value) from None
        if not number.is_finite() or number != number.to_integral_value():
            raise Invalid(gettext_noop("not a whole number: “%(value)s”"), value=value)
        result = int(number)
        _check_range(result, self.min_value, self.max_value)
        return result


def _check_range(number, low, high):
    if (low is not None and number < low) or (high is not None and number > high):
        raise Invalid(gettext_noop("must be between %(min)s and %(max)s"), min=low, max=high)


class Number:
    """A decimal with at most ``places`` decimals (more are rounded); ``percent`` strips a %."""

    def __init__(self, max_digits: int, places: int, min_value=None, max_value=None, percent=False):
        self.max_digits, self.places = max_digits, places
        self.min_value, self.max_value, self.percent = min_value, max_value, percent

    def __call__(self, value: str) -> Decimal:
        text = _number_text(value)
        if self.percent:
            text = text.rstrip("%")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise Invalid(gettext_noop("not a number: “%(value)s”"), value=value) from None
        if not number.is_finite():
            raise Invalid(gettext_noop("not a number: “%(value)s”"), value=value)
        number = number.quantize(Decimal(1).scaleb(-self.places))
        if len(number.as_tuple().digits) > self.max_digits:
            raise Invalid(gettext_noop("number too large: “%(value)s”"), value=value)
        _check_range(number, self.min_value, self.max_value)
        return number


_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
_MONTH_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月?$"),
    re.compile(r"^(\d{4})(\d{2})$"),
    re.compile(r"^(\d{4})-?M(\d{1,2})$", re.IGNORECASE),
]


def _excel_serial(value: str) -> dt.date | None:
    try:
        serial = float(value)
    except ValueError:
        return None
    if 1 <= serial < 2_958_466:  # Excel's range: 1900-01-01 .. 9999-12-31
        return EXCEL_EPOCH + dt.timedelta(days=int(serial))
    return None


class Date:
    """2024-01-05, 2024/1/5, 2024.1.5, 2024年1月5日, 20240105, or an Excel day number (45296)."""

    message = gettext_noop("not a date: “%(value)s” (write 2024-01-05)")

    def __call__(self, value: str) -> dt.date:
        for pattern in _DATE_PATTERNS:
            match = pattern.match(value)
            if match:
                try:
                    return dt.date(*(int(g) for g in match.groups()))
                except ValueError:
                    break
        else:
            if re.fullmatch(r"\d{1,6}(\.\d+)?", value) and not re.fullmatch(r"\d{8}", value):
                serial = _excel_serial(value)
                if serial is not None:
                    return serial
        raise Invalid(self.message, value=value)


class Month:
    """A month, stored as its first day: 2024-01, 2024/1, 2024年1月, 202401, or any date in it."""

    message = gettext_noop("not a month: “%(value)s” (write 2024-01)")

    def __call__(self, value: str) -> dt.date:
        for pattern in _MONTH_PATTERNS:
            match = pattern.match(value)
            if match:
                year, month = (int(g) for g in match.groups())
                if 1 <= month <= 12 and 1900 <= year <= 2999:
                    return dt.date(year, month, 1)
                raise Invalid(self.message, value=value)
        try:
            day = Date()(value)
        except Invalid:
            raise Invalid(self.message, value=value) from None
        return day.replace(day=1)


class Year(Integer):
    def __call__(self, value: str) -> int:
        match = re.match(r"^(\d{4})(?:年|[-/.]\d{1,2}.*)?$", value)
        if match:
            value = match.group(1)
        return super().__call__(value)


# Province short forms: "北京" → 北京市, "广西" → 广西壮族自治区, "Guangdong" → 广东省.
_PROVINCE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市")
_PINYIN_OVERRIDES = {"陕西": "shaanxi", "内蒙古": "neimenggu"}


def _short_province(name: str) -> str:
    for suffix in _PROVINCE_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _province_map() -> dict[str, str]:
    mapping = {}
    for province in PROVINCES:
        short = _short_province(province)
        mapping[province] = province
        mapping[short] = province
        mapping[_PINYIN_OVERRIDES.get(short, name_pinyin(short))] = province
    mapping["shanxi"] = "山西省"
    return mapping


class Province:
    message = gettext_noop("unknown province “%(value)s”")

    def __init__(self):
        self._map = None

    def __call__(self, value: str) -> str:
        if self._map is None:
            self._map = _province_map()
        word = key(value)
        for candidate in (value, word, _short_province(value), word.removesuffix("province").removesuffix("shi")):
            if candidate in self._map:
                return self._map[candidate]
        raise Invalid(self.message, value=value)


class ProvinceList(Province):
    def __call__(self, value: str) -> list[str]:
        result = []
        for part in split_list(value):
            province = super().__call__(part)
            if province not in result:
                result.append(province)
        return result
