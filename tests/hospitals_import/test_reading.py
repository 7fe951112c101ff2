"""Reading messy files and cells: encodings, header rows, full-width text, Chinese values, dates."""

import datetime as dt
from decimal import Decimal

import pytest

from hospitals.imports import parsers as p
from hospitals.imports import specs
from hospitals.imports.engine import locate_header, parse
from hospitals.imports.errors import Invalid
from hospitals.imports.reading import read_rows
from tests.hospitals_import.files import csv_bytes, xlsx_bytes


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings(encoding):
    rows = read_rows(csv_bytes([["医院名称", "城市"], ["北京协和医院", "北京市"]], encoding), "x.csv")
    assert rows == [(1, ["医院名称", "城市"]), (2, ["北京协和医院", "北京市"])]


def test_rare_characters_need_gb18030_not_gbk():
    # 䶮 is outside GBK: a file that has it was saved as GB18030 (or UTF-8) and still reads.
    rows = read_rows(csv_bytes([["姓名"], ["王䶮"]], "gb18030"), "x.csv")
    assert rows[1][1] == ["王䶮"]


def test_blank_rows_are_skipped_but_rows_keep_their_numbers():
    rows = read_rows(csv_bytes([["姓名"], [""], ["张三"], ["", ""], ["李四"]]), "x.csv")
    assert rows == [(1, ["姓名"]), (3, ["张三"]), (5, ["李四"])]


def test_full_width_text_is_stripped_when_read_and_normalised_when_parsed():
    rows = read_rows(csv_bytes([["　姓名　", "床位数（张）"], ["Ｗａｎｇ　", "１２０"]]), "x.csv")
    assert rows == [(1, ["姓名", "床位数（张）"]), (2, ["Ｗａｎｇ", "１２０"])], "as written, but stripped"
    spec = specs.Spec(
        "x",
        (
            specs.Column("name", "姓名", parse=p.Text(10), required=True),
            specs.Column("beds", "床位数", parse=p.Integer(0)),
        ),
    )
    parsed = parse(rows, spec)
    assert parsed.headers == {"name": "姓名", "beds": "床位数（张）"}
    assert parsed.rows[0].values == {"name": "Wang", "beds": 120}


def test_xlsx_numbers_dates_and_sheet_offset():
    data = xlsx_bytes(
        [["Name", "Phone", "Since", "Share"], ["Wang", 13800000000, dt.date(2024, 1, 5), 0.25]], start_row=3
    )
    assert read_rows(data, "x.xlsx") == [
        (4, ["Name", "Phone", "Since", "Share"]),
        (5, ["Wang", "13800000000", "2024-01-05", "0.25"]),
    ]


def test_header_row_found_below_a_title_and_headers_compared_loosely():
    spec = specs.SPECS["doctors"]
    rows = [
        (1, ["2024 年医生名单"]),
        (2, ["Doctor Name ", "HOSPITAL_NAME", "职称*", "手机号码（必填）"]),
        (3, ["x", "y", "z", "1"]),
    ]
    at, found = locate_header(rows, spec)
    assert at == 1
    assert [c.key for c in found.values()] == ["name", "hospital", "clinical_title", "phone"]


def test_no_two_columns_of_a_kind_share_a_header():
    for kind, spec in specs.SPECS.items():
        seen = {}
        for col in spec.columns:
            for form in {col.key, *col.aliases}:
                k = specs.header_key(form)
                assert seen.setdefault(k, col.key) == col.key, f"{kind}: header {form!r} is {seen[k]} and {col.key}"


@pytest.mark.parametrize(
    ("parser", "text", "value"),
    [
        (specs.GRADE, "三级甲等", "3A"),
        (specs.GRADE, "三甲", "3A"),
        (specs.GRADE, "Grade 2B", "2B"),
        (specs.GRADE, "未定级", "NA"),
        (specs.CLINICAL_TITLE, "主任医师", "chief"),
        (specs.CLINICAL_TITLE, "Associate chief physician", "associate_chief"),
        (specs.CLINICAL_TITLE, "associate_chief", "associate_chief"),
        (specs.ADMIN_POST, "科主任", "director"),
        (specs.HOSPITAL_TYPE, "中医院", "tcm"),
        (specs.GENDER, "女", "F"),
        (specs.SOCIETY_ROLE, "副主委", "vice_chair"),
        (specs.RELATION_KIND, "师生", "mentor"),
        (specs.CHANNELS, "微信、电话", ["wechat", "phone"]),
        (p.Province(), "广西", "广西壮族自治区"),
        (p.Province(), "Shaanxi", "陕西省"),
        (p.Date(), "2024/1/5", dt.date(2024, 1, 5)),
        (p.Date(), "2024年1月5日", dt.date(2024, 1, 5)),
        (p.Date(), "45296", dt.date(2024, 1, 5)),
        (p.Date(), "2024-01-05 00:00:00", dt.date(2024, 1, 5)),
        (p.Month(), "2024-3", dt.date(2024, 3, 1)),
        (p.Month(), "202403", dt.date(2024, 3, 1)),
        (p.Month(), "2024/3/17", dt.date(2024, 3, 1)),
        (p.Integer(0), "1,200", 1200),
        (p.Integer(0), "12.0", 12),
        (p.Number(14, 2), "¥3,600.505", Decimal("3600.50")),
        (p.Number(5, 2, 0, 100, percent=True), "12.5%", Decimal("12.50")),
        (p.Boolean(), "是", True),
        (p.Boolean(), "N", False),
        (p.Year(1940, 2100), "1998年", 1998),
    ],
)
def test_cell_parsers(parser, text, value):
    assert parser(text) == value


@pytest.mark.parametrize(
    ("parser", "text"),
    [
        (specs.GRADE, "三甲乙"),
        (p.Date(), "2024-02-30"),
        (p.Date(), "昨天"),
        (p.Month(), "2024-13"),
        (p.Integer(0), "12.5"),
        (p.Integer(0, 10), "11"),
        (p.Number(5, 2, 0, 100, percent=True), "120%"),
        (p.Email(), "not-an-email"),
        (p.Text(3), "四个字儿"),
        (p.Province(), "火星"),
    ],
)
def test_cell_parsers_refuse(parser, text):
    with pytest.raises(Invalid):
        parser(text)


def test_each_distinct_value_is_parsed_once():
    calls = []

    class Counting(p.Text):
        def __call__(self, value):
            calls.append(value)
            return super().__call__(value)

    spec = specs.Spec("x", (specs.Column("name", "Name", parse=Counting(10), required=True),))
    rows = [(1, ["Name"])] + [(i, ["同名"]) for i in range(2, 1002)]
    parsed = parse(rows, spec)
    assert len(parsed.rows) == 1000 and calls == ["同名"]
