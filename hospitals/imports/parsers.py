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

from hospitals import normalize
from hospitals.imports.errors import Invalid

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


class Name(Text):
    """A person's or an organisation's name in its one written form (hospitals.normalize.name):
    ``许　立`` is ``许立``."""

    def __call__(self, value: str) -> str:
        return super().__call__(normalize.name(value))


class City(Text):
    """A city in its one written form (``上海`` → ``上海市``)."""

    def __call__(self, value: str) -> str:
        return super().__call__(normalize.city(value))


class Spread(dict):
    """A parsed cell that fills other columns too, e.g. a title cell ``主任医师/教授`` gives the
    clinical title and the academic title. The cell's own column gets ``self[column key]``; the
    other keys fill the row's values where the row's own column is absent or empty."""


class Phone:
    """A phone number, stored in E.164 with the text as written (hospitals.normalize.phone).

    Gives ``Spread({key: e164, key + "_display": written})``; a mobile column refuses landlines.
    """

    def __init__(self, key: str, kind: str = normalize.MOBILE):
        self.key, self.kind = key, kind

    def __call__(self, value: str) -> Spread:
        try:
            number, written = normalize.phone(value, kind=self.kind)
        except normalize.Unreadable as exc:
            raise Invalid(exc.msgid, **exc.params) from None
        return Spread({self.key: number, f"{self.key}_display": written[:50]})


# Addresses Django's validate_email accepts, in the common shape: checked by one regex.
_PLAIN_EMAIL = re.compile(r"[a-z0-9_%+-]+(?:\.[a-z0-9_%+-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


class Email:
    def __call__(self, value: str) -> str:
        value = normalize.email(value)
        if _PLAIN_EMAIL.fullmatch(value):
            return value
        try:
            validate_email(value)
        except ValidationError as exc:
            raise Invalid(gettext_noop("not an email address: “%(value)s”"), value=value) from exc
        return value


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


class Titles:
    """A title cell that may carry the clinical and the academic title at once: ``主任医师/教授``,
    ``副主任医师（副教授）``, ``正高 博导``. Gives the clinical title, or a :class:`Spread` with
    the academic title too (used where the row's academic-title cell is empty). A grade such as
    ``三级`` in ``主任医师（三级）`` is not a title and is passed over."""

    SPLIT = re.compile(r"[/、,，;；|()（）\[\]【】\s+]+")
    PASSED_OVER = re.compile(r"^(?:[一二三四五六七八九十\d]+级|硕导|硕士生导师|在职|退休返聘)$")

    def __init__(self, clinical: Choice, academic: Choice):
        self.clinical, self.academic = clinical, academic

    def __call__(self, value: str):
        try:
            return self.clinical(value)
        except Invalid:
            pass
        clinical = academic = None
        for part in self.SPLIT.split(value):
            if not part or self.PASSED_OVER.match(part):
                continue
            try:
                code = self.clinical(part)
            except Invalid:
                pass
            else:
                clinical = clinical or code
                continue
            try:
                code = self.academic(part)
            except Invalid:
                raise Invalid(self.clinical.message, value=value) from None
            academic = academic or code
        if clinical is None and academic is None:
            raise Invalid(self.clinical.message, value=value)
        if academic is None:
            return clinical
        return Spread({"clinical_title": clinical, "academic_title": academic})


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


class NameList(TextList):
    """Several names in one cell (aliases), each in its one written form."""

    def __call__(self, value: str) -> list[str]:
        return list(dict.fromkeys(normalize.name(part) for part in super().__call__(value)))


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
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
_MONTH_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月?$"),
    re.compile(r"^(\d{4})(\d{2})$"),
    re.compile(r"^(\d{4})-?M(\d{1,2})$", re.IGNORECASE),
]
# Excel day numbers read as dates: 1930-01-01 … 2099-12-31, written as a whole number. Any
# other number (2026, 2026.12, 45296.5) is not a date: a silent 1905-07-18 is worse than an error.
_SERIAL = re.compile(r"^(\d{5})(?:\.0+)?$")
SERIAL_RANGE = (10_959, 73_415)
# Excel stores 2026.10 typed in a number cell as 2026.1: January or October cannot be told apart.
_AMBIGUOUS_MONTH = re.compile(r"^(\d{4})\.1$")


def excel_serial(value: str) -> dt.date | None:
    """The date of an Excel day number (``45296`` → 2024-01-05), or None if ``value`` is not one."""
    match = _SERIAL.match(value)
    if match and SERIAL_RANGE[0] <= int(match.group(1)) <= SERIAL_RANGE[1]:
        return EXCEL_EPOCH + dt.timedelta(days=int(match.group(1)))
    return None


def _month_of(value: str) -> tuple[int, int] | None:
    """(year, month) of a month written ``2026.12``, ``2026-12``, ``2026年12月``, ``202612``."""
    for pattern in _MONTH_PATTERNS:
        match = pattern.match(value)
        if match:
            year, month = (int(g) for g in match.groups())
            if 1 <= month <= 12 and 1900 <= year <= 2999:
                return year, month
            raise Invalid(gettext_noop("not a month: “%(value)s” (write 2024-01)"), value=value)
    return None


def _ambiguous(value: str):
    if _AMBIGUOUS_MONTH.match(value):
        year = value[:4]
        raise Invalid(
            gettext_noop(
                "“%(value)s” may be January or October (Excel turns %(year)s.10 into %(year)s.1): "
                "write %(year)s-01 or %(year)s-10"
            ),
            value=value,
            year=year,
        )


class Date:
    """A day, read strictly: ``2024-01-05``, ``2024/1/5``, ``2024.1.5``, ``2024年1月5日``,
    ``20240105``, or an Excel day number (a whole number from 1930 to 2099, ``45296``).

    ``month`` says what a month alone means (``2026.12``, ``2026-12``, ``2026年12月``): its
    ``"start"`` or its ``"end"`` (an expiry date: the lot expires at the end of the month), or
    (None) an error. Anything else is an error naming the cell.
    """

    message = gettext_noop("not a date: “%(value)s” (write 2024-01-05)")

    def __init__(self, month: str | None = None):
        self.month = month

    def __call__(self, value: str) -> dt.date:
        for pattern in _DATE_PATTERNS:
            match = pattern.match(value)
            if match:
                try:
                    return dt.date(*(int(g) for g in match.groups()))
                except ValueError:
                    raise Invalid(self.message, value=value) from None
        serial = excel_serial(value)
        if serial is not None:
            return serial
        _ambiguous(value)
        month = _month_of(value)
        if month is not None:
            if self.month == "start":
                return dt.date(*month, 1)
            if self.month == "end":
                year, number = month
                following = dt.date(year + number // 12, number % 12 + 1, 1)
                return following - dt.timedelta(days=1)
            raise Invalid(
                gettext_noop("“%(value)s” is a month, not a day: write the day (e.g. %(example)s)"),
                value=value,
                example=f"{month[0]}-{month[1]:02d}-01",
            )
        raise Invalid(self.message, value=value)


class Month:
    """A month, stored as its first day: 2024-01, 2024/1, 2024年1月, 202401, or any date in it."""

    message = gettext_noop("not a month: “%(value)s” (write 2024-01)")

    def __call__(self, value: str) -> dt.date:
        _ambiguous(value)
        month = _month_of(value)
        if month is not None:
            return dt.date(*month, 1)
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


class Province:
    """A province in full, short or pinyin (``广西`` → ``广西壮族自治区``); see hospitals.normalize."""

    def __call__(self, value: str) -> str:
        try:
            return normalize.province(value)
        except normalize.Unreadable as exc:
            raise Invalid(exc.msgid, **exc.params) from None


class ProvinceList(Province):
    def __call__(self, value: str) -> list[str]:
        result = []
        for part in split_list(value):
            province = super().__call__(part)
            if province not in result:
                result.append(province)
        return result
