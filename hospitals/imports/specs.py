"""The columns of each import kind and the headers each column accepts.

A column is found by its header, compared loosely (full-width → half-width, case, spaces,
``_ - . / * : #`` ignored; a parenthesised unit such as ``(张)`` or ``(CNY)`` may be left out):

* the column's key (``hospital_name`` style),
* its label in English and in Chinese (the UI languages; the headers of an export),
* its aliases: what third-party master data and company spreadsheets commonly write.

Columns that are not recognised are ignored (and listed in the result). ``required`` columns
must be present and filled in on every row; ``one_of`` groups need at least one of their
columns (e.g. the hospital by name *or* by external id).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from hospitals import models as m
from hospitals import normalize
from hospitals.imports import parsers as p
from hospitals.imports.reading import clean


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of an import kind."""

    key: str
    label: Promise
    aliases: tuple[str, ...] = ()
    parse: Callable = p.Text(200)
    required: bool = False


@dataclasses.dataclass(frozen=True)
class Spec:
    """The columns of one kind, and the groups of which one column must be given."""

    kind: str
    columns: tuple[Column, ...]
    one_of: tuple[tuple[str, ...], ...] = ()

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def header_index(self) -> dict[str, Column]:
        """Normalised header → column (built once per kind and language-independent)."""
        index: dict[str, Column] = {}
        for col in self.columns:
            forms = {col.key, *col.aliases}
            for lang in ("en", "zh-hans"):
                with translation.override(lang):
                    forms.add(str(col.label))
            for form in forms:
                index.setdefault(header_key(form), col)
        return index


_HEADER_JUNK = re.compile(r"[\s_\-./*:#'\"“”‘’]+")
_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】")


def header_key(text: str) -> str:
    """The comparison form of a header: ``" 医院 名称（必填）"`` → ``"医院名称(必填)"`` → …"""
    return _HEADER_JUNK.sub("", clean(text).lower())


def header_key_without_units(text: str) -> str:
    return header_key(_PARENS.sub("", clean(text)))


# --- choice parsers with the words the field uses --------------------------------------------

GRADE = p.Choice(
    m.HospitalGrade.choices,
    aliases={
        "三甲": "3A", "三级甲等医院": "3A", "3级甲等": "3A", "IIIA": "3A", "III级甲等": "3A", "III甲": "3A",
        "三乙": "3B", "三级乙等医院": "3B", "IIIB": "3B", "III乙": "3B",
        "三级": "3", "三级医院": "3", "三级丙等": "3", "三丙": "3", "三级未定等": "3", "III": "3",
        "二甲": "2A", "二级甲等医院": "2A", "IIA": "2A", "二乙": "2B", "IIB": "2B",
        "二级": "2", "二级医院": "2", "二级丙等": "2", "二丙": "2", "II": "2",
        "一级": "1", "一甲": "1", "一乙": "1", "一级甲等": "1", "一级乙等": "1", "一级医院": "1", "I": "1",
        "未定级": "NA", "未评级": "NA", "未分级": "NA", "无等级": "NA", "无": "NA", "其他": "NA", "ungraded": "NA",
    },
    message=gettext_noop("unrecognised grade “%(value)s” (e.g. 三级甲等, 二级乙等, 未定级)"),
)  # fmt: skip
HOSPITAL_TYPE = p.Choice(
    m.HospitalType.choices,
    aliases={
        "综合": "general", "综合医院": "general", "综合性医院": "general",
        "专科": "specialist", "专科医院": "specialist", "肿瘤医院": "specialist", "精神病医院": "specialist",
        "中医": "tcm", "中医院": "tcm", "中医医院": "tcm", "中西医结合医院": "tcm", "中西医结合": "tcm",
        "民族医院": "tcm",
        "妇幼": "maternal_child", "妇幼保健院": "maternal_child", "妇幼保健": "maternal_child",
        "儿童医院": "maternal_child", "妇产医院": "maternal_child", "妇儿": "maternal_child",
        "社区": "community", "社区卫生服务中心": "community", "社区医院": "community", "卫生院": "community",
        "乡镇卫生院": "community", "基层": "community",
    },
    message=gettext_noop("unrecognised hospital type “%(value)s” (e.g. 综合, 专科, 中医, 妇幼, 社区)"),
)  # fmt: skip
GENDER = p.Choice(
    m.Gender.choices,
    aliases={"男": "M", "男性": "M", "m": "M", "male": "M", "女": "F", "女性": "F", "f": "F", "female": "F",
             "未知": "", "不详": ""},
    message=gettext_noop("unrecognised gender “%(value)s” (write 男 or 女)"),
)  # fmt: skip
_CLINICAL = p.Choice(
    m.ClinicalTitle.choices,
    aliases={
        "主任医师": "chief", "主任": "chief", "正高": "chief", "正高级": "chief", "正高职称": "chief",
        "主任医生": "chief", "主任中医师": "chief", "主任药师": "chief", "主任技师": "chief", "主任护师": "chief",
        "chief physician": "chief", "chief": "chief",
        "副主任医师": "associate_chief", "副主任": "associate_chief", "副高": "associate_chief",
        "副高级": "associate_chief", "副高职称": "associate_chief", "副主任医生": "associate_chief",
        "副主任中医师": "associate_chief", "副主任药师": "associate_chief", "副主任技师": "associate_chief",
        "副主任护师": "associate_chief", "associate chief": "associate_chief",
        "deputy chief physician": "associate_chief",
        "主治医师": "attending", "主治": "attending", "主治医生": "attending", "中级": "attending",
        "中级职称": "attending", "主治中医师": "attending", "主管医师": "attending", "主管药师": "attending",
        "主管技师": "attending", "主管护师": "attending", "attending": "attending",
        "住院医师": "resident", "住院医": "resident", "住院医生": "resident", "住院": "resident",
        "住院总": "resident", "住院总医师": "resident", "规培医师": "resident", "医师": "resident",
        "医生": "resident", "初级": "resident", "初级职称": "resident", "医士": "resident", "药师": "resident",
        "技师": "resident", "护师": "resident", "resident physician": "resident",
    },
    message=gettext_noop("unrecognised clinical title “%(value)s” (e.g. 主任医师, 副主任医师, 主治医师, 住院医师)"),
)  # fmt: skip
ACADEMIC_TITLE = p.Choice(
    m.AcademicTitle.choices,
    aliases={"教授": "professor", "正教授": "professor", "博导": "professor", "博士生导师": "professor",
             "研究员": "professor", "prof": "professor", "副教授": "associate_professor",
             "副研究员": "associate_professor", "讲师": "lecturer", "助教": "lecturer",
             "助理研究员": "lecturer", "无": ""},
    message=gettext_noop("unrecognised academic title “%(value)s” (e.g. 教授, 副教授, 讲师)"),
)  # fmt: skip
# The title column: a clinical title, possibly with the academic one (主任医师/教授).
CLINICAL_TITLE = p.Titles(_CLINICAL, ACADEMIC_TITLE)
ADMIN_POST = p.Choice(
    m.AdminPost.choices,
    aliases={"院长": "president", "副院长": "vice_president", "科主任": "director", "主任": "director",
             "科室主任": "director", "副主任": "deputy_director", "科副主任": "deputy_director",
             "科室副主任": "deputy_director", "病区主任": "ward_director", "无": ""},
    message=gettext_noop("unrecognised administrative post “%(value)s” (e.g. 院长, 科主任, 副主任)"),
)  # fmt: skip
CHANNELS = p.ChoiceList(
    m.Channel.choices,
    aliases={"面访": "in_person", "拜访": "in_person", "当面": "in_person", "面对面": "in_person",
             "线下": "in_person", "电话": "phone", "手机": "phone", "微信": "wechat", "企业微信": "wechat",
             "线上会议": "online_meeting", "视频会议": "online_meeting", "网络会议": "online_meeting",
             "线上": "online_meeting", "腾讯会议": "online_meeting"},
    message=gettext_noop("unrecognised channel “%(value)s” (e.g. 面访, 电话, 微信, 线上会议)"),
)  # fmt: skip
SOCIETY_LEVEL = p.Choice(
    m.SocietyLevel.choices,
    aliases={"全国": "national", "国家级": "national", "国家": "national", "全国性": "national",
             "中华医学会": "national", "省级": "provincial", "省": "provincial", "省部级": "provincial",
             "市级": "city", "市": "city", "地市级": "city"},
    message=gettext_noop("unrecognised society level “%(value)s” (e.g. 全国, 省级, 市级)"),
)  # fmt: skip
SOCIETY_ROLE = p.Choice(
    m.SocietyRole.choices,
    aliases={"主委": "chair", "主任委员": "chair", "候任主委": "chair_elect", "候任主任委员": "chair_elect",
             "副主委": "vice_chair", "副主任委员": "vice_chair", "常委": "standing_member",
             "常务委员": "standing_member", "委员": "member", "青委": "youth_member", "青年委员": "youth_member",
             "秘书": "secretary", "秘书长": "secretary"},
    message=gettext_noop("unrecognised society position “%(value)s” (e.g. 主任委员, 副主任委员, 常委, 委员)"),
)  # fmt: skip
RELATION_KIND = p.Choice(
    m.RelationKind.choices,
    aliases={"同学": "classmate", "校友": "classmate", "导师": "mentor", "师生": "mentor", "师徒": "mentor",
             "老师": "mentor", "转诊": "referral", "合著": "coauthor", "共同作者": "coauthor", "合作者": "coauthor",
             "同事": "colleague"},
    message=gettext_noop("unrecognised relation “%(value)s” (e.g. 同学, 导师, 转诊, 合著, 同事)"),
)  # fmt: skip
DISTRIBUTOR_KIND = p.Choice(
    m.DistributorKind.choices,
    aliases={"配送": "delivery", "配送商": "delivery", "配送企业": "delivery", "代理": "agent",
             "代理商": "agent", "经销": "dealer", "经销商": "dealer", "分销商": "dealer"},
    message=gettext_noop("unrecognised distributor type “%(value)s” (e.g. 配送商, 代理商, 经销商)"),
)  # fmt: skip
DISTRIBUTOR_STATUS = p.Choice(
    m.DistributorStatus.choices,
    aliases={"正常": "active", "合作中": "active", "有效": "active", "活跃": "active", "启用": "active",
             "暂停": "suspended", "停用": "suspended", "冻结": "suspended", "终止": "terminated",
             "解约": "terminated", "已终止": "terminated"},
    message=gettext_noop("unrecognised status “%(value)s” (e.g. 合作中, 暂停, 终止)"),
)  # fmt: skip
STANDARD_DEPARTMENT = p.Choice(
    list(m.STANDARD_DEPARTMENTS.items()),
    message=gettext_noop("not a standard department: “%(value)s”"),
)


# --- reusable columns ------------------------------------------------------------------------


def _hospital_ref(prefix="", label=None, ext_label=None, zh="", en=""):
    label = label or _("Hospital")
    ext_label = ext_label or _("Hospital external ID")
    return (
        Column(
            f"{prefix}hospital",
            label,
            tuple(a for a in (f"{zh}医院名称", f"{zh}医院", f"{en}hospital_name", f"{en}hospital") if a),
            p.Name(200),
        ),
        Column(
            f"{prefix}hospital_external_id",
            ext_label,
            (f"{zh}医院编码", f"{zh}医院外部编码", f"{en}hospital_code", f"{en}hospital_id"),
            p.Identifier(64),
        ),
    )


DOCTOR_REF = (
    Column(
        "doctor_external_id",
        _("Doctor external ID"),
        ("医生编码", "医生外部编码", "doctor_code", "hcp_id", "hcp_code"),
        p.Identifier(64),
    ),
    Column("doctor", _("Doctor"), ("医生姓名", "医生", "姓名", "doctor_name", "hcp_name", "name"), p.Name(50)),
    *_hospital_ref(),
    Column("department", _("Department"), ("科室", "科室名称", "department_name", "dept"), p.Name(100)),
)
DOCTOR_REF_ONE_OF = (("doctor_external_id", "doctor"),)

DISTRIBUTOR_REF = (
    Column(
        "distributor",
        _("Distributor"),
        ("经销商", "经销商名称", "商业公司", "配送商", "代理商", "distributor_name"),
        p.Name(200),
    ),
    Column(
        "distributor_external_id",
        _("Distributor external ID"),
        ("经销商编码", "商业公司编码", "distributor_code"),
        p.Identifier(64),
    ),
)
PRODUCT = Column(
    "product",
    _("Product"),
    ("产品", "产品名称", "品种", "品名", "product_name", "brand", "商品名", "药品名称", "brand_name"),
    p.Text(100),
)
PRODUCT_GENERIC = Column(
    "product_generic", _("Generic name"), ("通用名", "通用名称", "药品通用名", "generic", "generic_name"), p.Text(100)
)
PRODUCT_SPEC = Column(
    "product_spec", _("Pack specification"), ("品规", "规格", "包装规格", "规格型号", "spec", "pack_spec"), p.Text(100)
)
# Products are found by brand, by generic name, and by pack specification (hospitals.imports.references).
PRODUCT_COLUMNS = (PRODUCT, PRODUCT_GENERIC, PRODUCT_SPEC)
PRODUCT_ONE_OF = (("product", "product_generic"),)
MONTH = Column("month", _("Month"), ("月份", "年月", "期间", "统计月份", "period", "月"), p.Month(), required=True)


SPECS: dict[str, Spec] = {
    m.ImportKind.HOSPITALS: Spec(
        m.ImportKind.HOSPITALS,
        (
            Column(
                "external_id",
                _("External ID"),
                ("外部编码", "外部ID", "医院编码", "机构编码", "编码", "hospital_code", "code", "id", "ext_id"),
                p.Identifier(64),
            ),
            Column(
                "name",
                _("Hospital"),
                ("医院名称", "医院", "机构名称", "名称", "hospital_name", "name"),
                p.Name(200),
                required=True,
            ),
            Column("aliases", _("Aliases"), ("别名", "简称", "曾用名", "alias"), p.NameList(200)),
            Column("grade", _("Grade"), ("医院等级", "等级", "级别", "hospital_grade", "level"), GRADE),
            Column("type", _("Hospital type"), ("医院类型", "类型", "机构类型", "type"), HOSPITAL_TYPE),
            Column("province", _("Province"), ("省份", "省", "省/直辖市", "所在省份"), p.Province(), required=True),
            Column("city", _("City"), ("城市", "市", "地市", "所在城市"), p.City(50), required=True),
            Column("district", _("District"), ("区县", "区/县", "区", "县"), p.Name(50)),
            Column("address", _("Address"), ("地址", "详细地址"), p.Text(300)),
            Column(
                "beds", _("Beds"), ("床位数", "床位", "编制床位", "开放床位", "bed_count"), p.Integer(0, 2_000_000_000)
            ),
            Column(
                "annual_outpatients",
                _("Annual outpatient visits"),
                ("年门诊量", "门诊量", "年门急诊量", "outpatients"),
                p.Integer(0, 2_000_000_000),
            ),
        ),
    ),
    m.ImportKind.DEPARTMENTS: Spec(
        m.ImportKind.DEPARTMENTS,
        (
            *_hospital_ref(),
            Column(
                "name",
                _("Department"),
                ("科室", "科室名称", "department_name", "department", "名称", "name"),
                p.Name(100),
                required=True,
            ),
            Column("standard_code", _("Standard department"), ("标准科室", "standard_department"), STANDARD_DEPARTMENT),
        ),
        one_of=(("hospital", "hospital_external_id"),),
    ),
    m.ImportKind.DOCTORS: Spec(
        m.ImportKind.DOCTORS,
        (
            Column(
                "external_id",
                _("External ID"),
                ("外部编码", "医生编码", "编码", "doctor_code", "hcp_id", "code", "id"),
                p.Identifier(64),
            ),
            Column(
                "name",
                _("Name"),
                ("姓名", "医生姓名", "医生", "doctor_name", "doctor", "name"),
                p.Name(50),
                required=True,
            ),
            Column("gender", _("Gender"), ("性别", "sex"), GENDER),
            *_hospital_ref(),
            Column("department", _("Department"), ("科室", "科室名称", "department_name", "dept"), p.Name(100)),
            Column("campus", _("Campus"), ("院区", "分院", "campus"), p.Name(50)),
            Column(
                "clinical_title",
                _("Clinical title"),
                ("职称", "临床职称", "技术职称", "专业技术职称", "title"),
                CLINICAL_TITLE,
            ),
            Column("academic_title", _("Academic title"), ("学术职称", "教学职称", "教职"), ACADEMIC_TITLE),
            Column("admin_post", _("Administrative post"), ("行政职务", "职务", "admin_title"), ADMIN_POST),
            Column(
                "specialties", _("Specialties"), ("专长", "擅长", "专业方向", "专科方向", "specialty"), p.TextList(50)
            ),
            Column("university", _("University"), ("毕业院校", "院校", "毕业学校", "school"), p.Text(100)),
            Column("graduation_year", _("Graduation year"), ("毕业年份", "毕业时间", "毕业年"), p.Year(1940, 2100)),
            Column("background", _("Background"), ("背景", "简介", "个人简介", "bio"), p.Text(10_000)),
            Column("interests", _("Interests"), ("兴趣", "兴趣爱好", "爱好", "关注点"), p.Text(10_000)),
            Column("pain_points", _("Pain points"), ("痛点", "临床痛点", "需求"), p.Text(10_000)),
            Column(
                "preferred_channels",
                _("Preferred channels"),
                ("偏好渠道", "沟通渠道", "偏好沟通方式", "channels"),
                CHANNELS,
            ),
            Column(
                "consent_to_contact",
                _("Consent to contact"),
                ("同意联系", "联系授权", "个人信息授权", "授权", "consent"),
                p.Boolean(),
            ),
            Column("consent_date", _("Consent date"), ("授权日期", "同意日期"), p.Date()),
            Column(
                "phone",
                _("Mobile phone"),
                ("手机", "手机号", "手机号码", "移动电话", "电话", "联系电话", "mobile", "tel"),
                p.Phone("phone", normalize.MOBILE),
            ),
            Column(
                "office_phone",
                _("Office phone"),
                ("办公电话", "座机", "固定电话", "科室电话", "office_tel", "landline"),
                p.Phone("office_phone", normalize.LANDLINE),
            ),
            Column("wechat", _("WeChat ID"), ("微信", "微信号", "wechat_id", "weixin"), p.Text(50)),
            Column("email", _("Email"), ("邮箱", "电子邮箱", "电子邮件", "mail"), p.Email()),
            Column("is_active", _("Active"), ("在职", "是否在职", "状态", "active"), p.Boolean()),
            Column(
                "territories",
                _("Territory codes"),
                ("片区", "片区编码", "辖区", "区域编码", "territory", "territory_code"),
                p.TextList(40),
            ),
        ),
        one_of=(("hospital", "hospital_external_id"),),
    ),
    m.ImportKind.SOCIETY_POSITIONS: Spec(
        m.ImportKind.SOCIETY_POSITIONS,
        (
            *DOCTOR_REF,
            Column(
                "society",
                _("Society"),
                ("学会", "学会名称", "协会", "学会/协会", "society_name"),
                p.Text(200),
                required=True,
            ),
            Column("level", _("Society level"), ("级别", "学会级别", "层级"), SOCIETY_LEVEL),
            Column(
                "position", _("Position"), ("职务", "任职", "学会职务", "学会任职", "role"), SOCIETY_ROLE, required=True
            ),
            Column(
                "since",
                _("Since (year)"),
                ("任职年份", "起始年份", "开始年份", "任职时间", "since"),
                p.Year(1900, 2100),
            ),
        ),
        one_of=DOCTOR_REF_ONE_OF,
    ),
    m.ImportKind.RELATIONS: Spec(
        m.ImportKind.RELATIONS,
        (
            *DOCTOR_REF,
            Column(
                "related_doctor_external_id",
                _("Related doctor external ID"),
                ("关联医生编码", "related_doctor_code"),
                p.Identifier(64),
            ),
            Column(
                "related_doctor", _("Related doctor"), ("关联医生", "关联医生姓名", "related_doctor_name"), p.Text(50)
            ),
            *_hospital_ref(
                "related_",
                _("Related doctor's hospital"),
                _("Related doctor's hospital external ID"),
                zh="关联",
                en="related_",
            ),
            Column("related_department", _("Related doctor's department"), ("关联医生科室", "关联科室"), p.Text(100)),
            Column(
                "kind", _("Relation"), ("关系", "关系类型", "relation_type", "relation"), RELATION_KIND, required=True
            ),
            Column("strength", _("Strength"), ("强度", "关系强度", "亲密度"), p.Integer(1, 5)),
            Column("source", _("Source"), ("来源", "信息来源"), p.Text(200)),
        ),
        one_of=(*DOCTOR_REF_ONE_OF, ("related_doctor_external_id", "related_doctor")),
    ),
    m.ImportKind.DISTRIBUTORS: Spec(
        m.ImportKind.DISTRIBUTORS,
        (
            Column(
                "external_id",
                _("External ID"),
                ("外部编码", "经销商编码", "编码", "distributor_code", "code", "id"),
                p.Identifier(64),
            ),
            Column(
                "name",
                _("Distributor"),
                ("经销商名称", "经销商", "商业公司", "配送商", "代理商", "名称", "distributor_name", "name"),
                p.Name(200),
                required=True,
            ),
            Column("kind", _("Distributor type"), ("类型", "经销商类型", "商业类型", "type"), DISTRIBUTOR_KIND),
            Column(
                "licence_no",
                _("Licence number"),
                ("许可证号", "经营许可证号", "药品经营许可证", "许可证", "license", "license_no", "licence"),
                p.Text(64),
            ),
            Column("regions", _("Provinces"), ("区域", "覆盖省份", "省份", "经营区域", "regions"), p.ProvinceList()),
            Column("status", _("Status"), ("状态", "合作状态"), DISTRIBUTOR_STATUS),
        ),
    ),
    m.ImportKind.COVERAGE: Spec(
        m.ImportKind.COVERAGE,
        (
            *DISTRIBUTOR_REF,
            *_hospital_ref(),
            *PRODUCT_COLUMNS,
            Column(
                "since", _("Since"), ("开始日期", "起始日期", "生效日期", "start", "start_date"), p.Date(month="start")
            ),
            Column("until", _("Until"), ("结束日期", "截止日期", "失效日期", "end", "end_date"), p.Date(month="end")),
        ),
        one_of=(("distributor", "distributor_external_id"), ("hospital", "hospital_external_id")),
    ),
    m.ImportKind.USAGE: Spec(
        m.ImportKind.USAGE,
        (
            *DOCTOR_REF,
            *PRODUCT_COLUMNS,
            dataclasses.replace(MONTH, key="period"),
            Column("volume", _("Volume"), ("用量", "使用量", "处方量", "quantity"), p.Number(12, 2, 0)),
            Column(
                "share",
                _("Share (%)"),
                ("份额", "占比", "使用份额", "处方份额", "share", "share_pct"),
                p.Number(5, 2, 0, 100, percent=True),
                required=True,
            ),
        ),
        one_of=(*DOCTOR_REF_ONE_OF, *PRODUCT_ONE_OF),
    ),
    m.ImportKind.SALES: Spec(
        m.ImportKind.SALES,
        (
            *DISTRIBUTOR_REF,
            *_hospital_ref(),
            *PRODUCT_COLUMNS,
            MONTH,
            Column(
                "sell_in_units",
                _("Sell-in units"),
                ("进货数量", "购进数量", "采购数量", "sell_in_qty"),
                p.Integer(-2_000_000_000, 2_000_000_000),
            ),
            Column(
                "sell_in_value",
                _("Sell-in value (CNY)"),
                ("进货金额", "购进金额", "采购金额", "sell_in_amount"),
                p.Number(14, 2),
            ),
            Column(
                "sell_out_units",
                _("Sell-out units"),
                ("销售数量", "出货数量", "纯销数量", "sell_out_qty"),
                p.Integer(-2_000_000_000, 2_000_000_000),
            ),
            Column(
                "sell_out_value",
                _("Sell-out value (CNY)"),
                ("销售金额", "出货金额", "纯销金额", "sell_out_amount"),
                p.Number(14, 2),
            ),
        ),
        one_of=(("distributor", "distributor_external_id"), ("hospital", "hospital_external_id"), *PRODUCT_ONE_OF),
    ),
    m.ImportKind.SHIPMENTS: Spec(
        m.ImportKind.SHIPMENTS,
        (
            *DISTRIBUTOR_REF,
            *_hospital_ref(),
            *PRODUCT_COLUMNS,
            Column(
                "lot_number",
                _("Lot number"),
                ("批号", "生产批号", "批次号", "lot", "batch", "batch_no"),
                p.Identifier(64),
                required=True,
            ),
            Column("quantity", _("Quantity"), ("数量", "发货数量", "qty"), p.Integer(0, 2_000_000_000), required=True),
            Column(
                "shipped_on", _("Shipped on"), ("发货日期", "出库日期", "日期", "ship_date"), p.Date(), required=True
            ),
            Column(
                "expiry_date", _("Expiry date"), ("有效期", "有效期至", "失效期", "expiry"), p.Date(month="end")
            ),
        ),
        one_of=(("distributor", "distributor_external_id"), ("hospital", "hospital_external_id"), *PRODUCT_ONE_OF),
    ),
    m.ImportKind.ALIASES: Spec(
        m.ImportKind.ALIASES,
        (
            *_hospital_ref(),
            Column(
                "aliases", _("Aliases"), ("别名", "简称", "曾用名", "院区", "alias", "abbreviation"), p.NameList(200),
                required=True,
            ),
        ),
        one_of=(("hospital", "hospital_external_id"),),
    ),
}
