"""Demo master data for one tenant (``manage.py seed_demo``): hospitals, departments, ~3,000
doctors with society posts and a network, alignment to the demo territories, distributors with
coverage, agreements and staff, products with key messages and competitors, 12 months of usage
share and 24 months of sales and shipments with lot numbers.

Deterministic (Faker zh_CN and ``random`` seeded from the tenant code) and idempotent: the
second run finds the demo hospitals and adds nothing. Fast: every table is written with
``bulk_create`` (doctors' pinyin keys filled here with hospitals.pinyin), a few seconds a tenant.
"""

from __future__ import annotations

import datetime
import random
import zlib
from decimal import Decimal

from django.db import connection
from django.db.models import AutoField, BigAutoField
from django.utils import timezone
from faker import Faker
from psycopg2.extras import execute_values

from accounts.models import Role, Territory, User
from crm.db.base import apply_tenant_settings
from hospitals.models import (
    STANDARD_DEPARTMENTS,
    AcademicTitle,
    AdminPost,
    AgreementProduct,
    AgreementStatus,
    Channel,
    ClinicalTitle,
    Department,
    Distributor,
    DistributorAgreement,
    DistributorCoverage,
    DistributorKind,
    DistributorStaff,
    Doctor,
    DoctorRelation,
    DoctorTerritory,
    Gender,
    Hospital,
    HospitalGrade,
    HospitalType,
    KeyMessage,
    Product,
    ProductCompetitor,
    RelationKind,
    SalesRecord,
    Shipment,
    SocietyLevel,
    SocietyPosition,
    SocietyRole,
    UsageShare,
)
from hospitals.pinyin import name_initials, name_pinyin

MARKER_PREFIX = "DEMO-"  # external ids of demo rows; their presence means "already seeded"
G = HospitalGrade
T = HospitalType

# (name, grade, type, province, city, district, territory code, beds, tier, profile)
# tier: provincial / city / county / community — drives the network (county doctors' classmates
# at provincial hospitals, referrals up the tiers). profile: departments of a specialist hospital.
SH, JS, BJ = "上海市", "江苏省", "北京市"
HOSPITALS = [
    ("上海交通大学医学院附属仁济医院", G.G3A, T.GENERAL, SH, SH, "浦东新区", "SH-PD", 2600, "provincial", ""),
    ("上海市东方医院", G.G3A, T.GENERAL, SH, SH, "浦东新区", "SH-PD", 2000, "provincial", ""),
    ("上海市浦东医院", G.G3B, T.GENERAL, SH, SH, "浦东新区", "SH-PD", 1200, "city", ""),
    ("上海市浦东新区人民医院", G.G3B, T.GENERAL, SH, SH, "浦东新区", "SH-PD", 1000, "city", ""),
    ("上海市浦东新区公利医院", G.G3B, T.GENERAL, SH, SH, "浦东新区", "SH-PD", 900, "city", ""),
    ("上海市浦东新区周浦医院", G.G2A, T.GENERAL, SH, SH, "浦东新区", "SH-PD", 800, "county", ""),
    ("上海市浦东新区浦南医院", G.G2A, T.GENERAL, SH, SH, "浦东新区", "SH-PD", 600, "county", ""),
    ("上海中医药大学附属曙光医院", G.G3A, T.TCM, SH, SH, "浦东新区", "SH-PD", 1800, "provincial", ""),
    ("上海市浦东新区光明中医医院", G.G2A, T.TCM, SH, SH, "浦东新区", "SH-PD", 400, "county", ""),
    ("上海市浦东新区妇幼保健院", G.G2A, T.MATERNAL_CHILD, SH, SH, "浦东新区", "SH-PD", 300, "city", ""),
    ("上海市浦东新区潍坊社区卫生服务中心", G.UNGRADED, T.COMMUNITY, SH, SH, "浦东新区", "SH-PD", 60, "community", ""),
    ("上海市浦东新区陆家嘴社区卫生服务中心", G.UNGRADED, T.COMMUNITY, SH, SH, "浦东新区", "SH-PD", 50, "community", ""),
    ("复旦大学附属中山医院", G.G3A, T.GENERAL, SH, SH, "徐汇区", "SH-XH", 2800, "provincial", ""),
    ("上海市第六人民医院", G.G3A, T.GENERAL, SH, SH, "徐汇区", "SH-XH", 2000, "provincial", ""),
    ("复旦大学附属肿瘤医院", G.G3A, T.SPECIALIST, SH, SH, "徐汇区", "SH-XH", 1400, "provincial", "onco"),
    ("上海中医药大学附属龙华医院", G.G3A, T.TCM, SH, SH, "徐汇区", "SH-XH", 1300, "provincial", ""),
    ("上海市第八人民医院", G.G2A, T.GENERAL, SH, SH, "徐汇区", "SH-XH", 600, "city", ""),
    ("上海市徐汇区中心医院", G.G2A, T.GENERAL, SH, SH, "徐汇区", "SH-XH", 500, "city", ""),
    ("上海市徐汇区大华医院", G.G2A, T.GENERAL, SH, SH, "徐汇区", "SH-XH", 400, "county", ""),
    ("上海市徐汇区斜土街道社区卫生服务中心", G.UNGRADED, T.COMMUNITY, SH, SH, "徐汇区", "SH-XH", 40, "community", ""),
    ("江苏省人民医院", G.G3A, T.GENERAL, JS, "南京市", "鼓楼区", "JS-NJ", 3500, "provincial", ""),
    ("南京鼓楼医院", G.G3A, T.GENERAL, JS, "南京市", "鼓楼区", "JS-NJ", 3200, "provincial", ""),
    ("南京市第一医院", G.G3A, T.GENERAL, JS, "南京市", "秦淮区", "JS-NJ", 2000, "city", ""),
    ("江苏省中医院", G.G3A, T.TCM, JS, "南京市", "秦淮区", "JS-NJ", 2800, "provincial", ""),
    ("江苏省肿瘤医院", G.G3A, T.SPECIALIST, JS, "南京市", "玄武区", "JS-NJ", 1400, "provincial", "onco"),
    ("南京市儿童医院", G.G3A, T.MATERNAL_CHILD, JS, "南京市", "鼓楼区", "JS-NJ", 1500, "city", ""),
    ("南京市妇幼保健院", G.G3A, T.MATERNAL_CHILD, JS, "南京市", "秦淮区", "JS-NJ", 1000, "city", ""),
    ("南京市第二医院", G.G3A, T.GENERAL, JS, "南京市", "鼓楼区", "JS-NJ", 1600, "city", ""),
    ("南京市中西医结合医院", G.G3A, T.TCM, JS, "南京市", "玄武区", "JS-NJ", 800, "city", ""),
    ("江苏省第二中医院", G.G3A, T.TCM, JS, "南京市", "建邺区", "JS-NJ", 700, "provincial", ""),
    ("南京明基医院", G.G3B, T.GENERAL, JS, "南京市", "建邺区", "JS-NJ", 1000, "city", ""),
    ("南京市江宁医院", G.G3A, T.GENERAL, JS, "南京市", "江宁区", "JS-NJ", 1800, "city", ""),
    ("南京市浦口医院", G.G2A, T.GENERAL, JS, "南京市", "浦口区", "JS-NJ", 700, "county", ""),
    ("南京市六合区人民医院", G.G2A, T.GENERAL, JS, "南京市", "六合区", "JS-NJ", 900, "county", ""),
    ("南京市溧水区人民医院", G.G2A, T.GENERAL, JS, "南京市", "溧水区", "JS-NJ", 900, "county", ""),
    ("南京市高淳人民医院", G.G2A, T.GENERAL, JS, "南京市", "高淳区", "JS-NJ", 1000, "county", ""),
    ("南京市溧水区中医院", G.G2A, T.TCM, JS, "南京市", "溧水区", "JS-NJ", 500, "county", ""),
    ("南京市高淳区中医院", G.G2A, T.TCM, JS, "南京市", "高淳区", "JS-NJ", 400, "county", ""),
    ("南京市玄武区锁金村社区卫生服务中心", G.UNGRADED, T.COMMUNITY, JS, "南京市", "玄武区", "JS-NJ", 40, "community", ""),  # noqa: E501
    ("南京市鼓楼区宁海路社区卫生服务中心", G.UNGRADED, T.COMMUNITY, JS, "南京市", "鼓楼区", "JS-NJ", 40, "community", ""),  # noqa: E501
    ("句容市人民医院", G.G2A, T.GENERAL, JS, "镇江市", "句容市", None, 800, "county", ""),
    ("仪征市人民医院", G.G2A, T.GENERAL, JS, "扬州市", "仪征市", None, 700, "county", ""),
    ("首都医科大学附属北京朝阳医院", G.G3A, T.GENERAL, BJ, BJ, "朝阳区", "BJ-CY", 1900, "provincial", ""),
    ("中日友好医院", G.G3A, T.GENERAL, BJ, BJ, "朝阳区", "BJ-CY", 2000, "provincial", ""),
    ("首都医科大学附属北京安贞医院", G.G3A, T.SPECIALIST, BJ, BJ, "朝阳区", "BJ-CY", 1500, "provincial", "cardio"),
    ("北京市垂杨柳医院", G.G2A, T.GENERAL, BJ, BJ, "朝阳区", "BJ-CY", 600, "city", ""),
    ("北京中医药大学第三附属医院", G.G3A, T.TCM, BJ, BJ, "朝阳区", "BJ-CY", 400, "city", ""),
    ("北京市朝阳区妇幼保健院", G.G2A, T.MATERNAL_CHILD, BJ, BJ, "朝阳区", "BJ-CY", 200, "city", ""),
    ("北京市朝阳区双桥医院", G.G2A, T.GENERAL, BJ, BJ, "朝阳区", "BJ-CY", 300, "county", ""),
    ("北京市第一中西医结合医院", G.G2A, T.TCM, BJ, BJ, "朝阳区", "BJ-CY", 500, "city", ""),
    ("北京市朝阳区三里屯社区卫生服务中心", G.UNGRADED, T.COMMUNITY, BJ, BJ, "朝阳区", "BJ-CY", 30, "community", ""),
    ("北京大学第三医院", G.G3A, T.GENERAL, BJ, BJ, "海淀区", "BJ-HD", 1900, "provincial", ""),
    ("北京市海淀医院", G.G3A, T.GENERAL, BJ, BJ, "海淀区", "BJ-HD", 900, "city", ""),
    ("北京大学肿瘤医院", G.G3A, T.SPECIALIST, BJ, BJ, "海淀区", "BJ-HD", 800, "provincial", "onco"),
    ("首都医科大学附属北京世纪坛医院", G.G3A, T.GENERAL, BJ, BJ, "海淀区", "BJ-HD", 1100, "provincial", ""),
    ("北京市中西医结合医院", G.G3A, T.TCM, BJ, BJ, "海淀区", "BJ-HD", 600, "city", ""),
    ("航天中心医院", G.G3A, T.GENERAL, BJ, BJ, "海淀区", "BJ-HD", 1000, "city", ""),
    ("北京市海淀区妇幼保健院", G.G2A, T.MATERNAL_CHILD, BJ, BJ, "海淀区", "BJ-HD", 300, "city", ""),
    ("北京市海淀区中医医院", G.G2A, T.TCM, BJ, BJ, "海淀区", "BJ-HD", 200, "county", ""),
    ("北京市海淀区羊坊店社区卫生服务中心", G.UNGRADED, T.COMMUNITY, BJ, BJ, "海淀区", "BJ-HD", 30, "community", ""),
]  # fmt: skip

# Departments by kind of hospital: standard codes, then custom names (no standard code).
_CORE = [
    "cardiology",
    "respiratory",
    "gastroenterology",
    "endocrinology",
    "nephrology",
    "neurology",
    "general_surgery",
    "orthopedics",
    "emergency",
    "icu",
    "pharmacy",
]
_FULL = [
    *_CORE,
    "hematology",
    "oncology",
    "rheumatology",
    "infectious",
    "urology",
    "cardiac_surgery",
    "neurosurgery",
    "obstetrics_gynecology",
    "pediatrics",
    "ophthalmology",
    "ent",
    "dermatology",
    "anesthesiology",
    "geriatrics",
]
DEPARTMENTS = {
    ("general", "large"): (_FULL, []),
    ("general", "small"): (_CORE, ["全科医学科"]),
    ("specialist", "onco"): (["oncology", "hematology", "general_surgery", "respiratory", "gastroenterology",
                              "anesthesiology", "icu", "pharmacy"], ["放疗科", "介入治疗科"]),
    ("specialist", "cardio"): (["cardiology", "cardiac_surgery", "endocrinology", "nephrology", "icu",
                                "anesthesiology", "pharmacy"], ["心脏康复科"]),
    ("tcm", ""): (["tcm", "cardiology", "respiratory", "gastroenterology", "endocrinology", "nephrology",
                   "orthopedics", "geriatrics", "pharmacy"], ["针灸科", "推拿科"]),
    ("maternal_child", ""): (["obstetrics_gynecology", "pediatrics", "pharmacy"], ["新生儿科", "儿童保健科"]),
    ("community", ""): (["tcm"], ["全科医学科", "预防保健科"]),
}  # fmt: skip
# Where the products are used: these departments get more doctors.
TARGET_DEPARTMENTS = {"cardiology", "endocrinology", "respiratory", "nephrology", "oncology", "全科医学科"}


# Doctors per department by hospital size.
def _doctors_per_department(grade, beds):
    if grade == G.UNGRADED:
        return 2
    if beds >= 2500:
        return 5
    if beds >= 1500:
        return 4
    if beds >= 900:
        return 3
    return 2


UNIVERSITIES = {
    SH: ["复旦大学上海医学院", "上海交通大学医学院", "上海中医药大学", "同济大学医学院"],
    JS: ["南京医科大学", "东南大学医学院", "南京中医药大学", "苏州大学医学部", "扬州大学医学院"],
    BJ: ["北京大学医学部", "首都医科大学", "北京中医药大学", "北京协和医学院"],
}
OTHER_UNIVERSITIES = ["中南大学湘雅医学院", "四川大学华西临床医学院", "华中科技大学同济医学院", "浙江大学医学院",
                      "中山大学中山医学院", "中国医科大学", "山东大学齐鲁医学院", "吉林大学白求恩医学部"]  # fmt: skip

SPECIALTIES = {
    "cardiology": ["冠心病介入", "高血压", "心力衰竭", "心律失常", "血脂管理", "心脏康复"],
    "respiratory": ["慢阻肺", "哮喘", "肺癌早筛", "间质性肺病", "呼吸睡眠"],
    "gastroenterology": ["消化内镜", "炎症性肠病", "肝硬化", "胃食管反流"],
    "endocrinology": ["2型糖尿病", "甲状腺疾病", "糖尿病肾病", "肥胖与代谢", "骨质疏松"],
    "nephrology": ["慢性肾病", "血液透析", "腹膜透析", "肾小球肾炎"],
    "neurology": ["脑卒中", "帕金森病", "癫痫", "认知障碍"],
    "oncology": ["肺癌", "乳腺癌", "消化道肿瘤", "免疫治疗", "靶向治疗"],
    "hematology": ["淋巴瘤", "白血病", "骨髓瘤"],
    "tcm": ["中医内科", "中西医结合心血管", "针灸", "中医治未病"],
    "geriatrics": ["老年综合评估", "多病共存", "衰弱"],
    "全科医学科": ["慢病管理", "家庭医生签约", "高血压随访", "糖尿病随访"],
}

SOCIETIES = {
    "cardiology": "心血管病学分会",
    "respiratory": "呼吸病学分会",
    "gastroenterology": "消化病学分会",
    "endocrinology": "内分泌学分会",
    "nephrology": "肾脏病学分会",
    "neurology": "神经病学分会",
    "oncology": "肿瘤学分会",
    "hematology": "血液学分会",
    "tcm": "中医内科分会",
    "geriatrics": "老年医学分会",
    "全科医学科": "全科医学分会",
}
PROVINCE_SOCIETY = {SH: "上海市医学会", JS: "江苏省医学会", BJ: "北京医学会"}

BACKGROUNDS = [
    "科室学科带头人，牵头多项多中心临床研究。",
    "曾在海外进修一年，关注循证医学和指南更新。",
    "门诊量大，擅长疑难病例诊治，在区域内有较高知名度。",
    "承担住院医师规范化培训带教工作。",
    "近年主持省级科研课题，发表 SCI 论文多篇。",
    "基层工作经验丰富，负责医联体双向转诊。",
    "年轻骨干，积极参加学术会议和病例大赛。",
    "",
]
INTERESTS = [
    "真实世界研究", "指南解读", "患者教育", "病例分享", "学术会议讲者", "临床研究合作", "新药上市后研究",
    "数字化随访", "基层医生培训",
]  # fmt: skip
PAIN_POINTS = [
    "门诊时间紧张，希望资料简明。",
    "关注药物经济性和医保报销。",
    "患者依从性差，需要随访工具。",
    "科室床位周转压力大。",
    "希望获得最新循证证据。",
    "担心集采后品种供应稳定性。",
    "",
]

# Products by tenant code (fictional brands); the first block is also the default.
# (name, generic name, therapeutic area, company, departments, unit price CNY, lot code, competitors)
PRODUCTS = {
    "huakang": [
        ("康立欣", "阿托伐他汀钙片", "心血管", "", ["cardiology", "geriatrics", "全科医学科"], 36, "KLX", [
            ("舒脂达", "瑞舒伐他汀钙片", "心血管", "恒信制药"),
            ("脂必清", "阿托伐他汀钙片", "心血管", "南岭药业"),
        ]),
        ("康平安", "沙库巴曲缬沙坦钠片", "心血管", "", ["cardiology"], 120, "KPA", [
            ("心达安", "缬沙坦片", "心血管", "北岳药业"),
        ]),
        ("华糖宁", "达格列净片", "内分泌", "", ["endocrinology", "nephrology", "全科医学科"], 95, "HTN", [
            ("糖悦", "恩格列净片", "内分泌", "德华制药"),
        ]),
        ("华肺通", "噻托溴铵吸入粉雾剂", "呼吸", "", ["respiratory"], 180, "HFT", [
            ("畅息", "格隆溴铵福莫特罗吸入气雾剂", "呼吸", "英泰制药"),
        ]),
    ],
    "ruining": [
        ("瑞通", "冠脉药物洗脱支架系统", "心血管介入", "", ["cardiology", "cardiac_surgery"], 780, "RT", [
            ("畅脉", "冠脉药物洗脱支架系统", "心血管介入", "远航医疗"),
        ]),
        ("瑞感", "连续血糖监测系统", "内分泌", "", ["endocrinology", "全科医学科"], 420, "RG", [
            ("佳糖", "瞬感血糖监测系统", "内分泌", "华测科技"),
        ]),
        ("瑞清", "中空纤维血液透析器", "肾脏病", "", ["nephrology"], 110, "RQ", [
            ("净析", "血液透析滤过器", "肾脏病", "东湖医疗"),
        ]),
    ],
}  # fmt: skip
KEY_MESSAGES = {
    "康立欣": ["LDL-C 降幅可达 50%，一天一次服用方便", "长期心血管事件获益证据充分", "国家医保目录品种，患者负担低"],
    "康平安": ["心衰住院风险显著降低", "改善心衰患者生活质量", "指南 I 类推荐"],
    "华糖宁": ["降糖同时带来心肾获益", "低血糖风险低", "一天一次，不受进餐影响"],
    "华肺通": ["24 小时持续支气管扩张", "减少慢阻肺急性加重", "吸入装置操作简单"],
    "瑞通": ["超薄支架梁，输送性能优异", "生物可降解涂层，晚期血栓风险低", "国家集采中选产品，供应稳定"],
    "瑞感": ["14 天免校准连续监测", "手机实时查看血糖曲线", "TIR 管理助力血糖达标"],
    "瑞清": ["高通量膜，中分子清除率高", "生物相容性好", "多规格满足个体化透析"],
}

# (name, kind, licence prefix, provinces served)
DISTRIBUTORS = [
    ("申康医药配送有限公司", DistributorKind.DELIVERY, "沪", [SH]),
    ("沪通医药分销有限公司", DistributorKind.DELIVERY, "沪", [SH]),
    ("金陵医药股份有限公司", DistributorKind.DEALER, "苏", [JS]),  # the demo distributor reps work here
    ("京华医药商业有限公司", DistributorKind.DELIVERY, "京", [BJ]),
    ("九洲通达医药集团有限公司", DistributorKind.AGENT, "鄂", [SH, JS, BJ]),
]
STAFF_DISTRIBUTOR = "金陵医药股份有限公司"


def _month(day: datetime.date, delta: int) -> datetime.date:
    """First day of the month ``delta`` months from ``day``'s month."""
    index = day.year * 12 + day.month - 1 + delta
    return datetime.date(index // 12, index % 12 + 1, 1)


def _insert(model, objs, *, returning=False, ignore_conflicts=False):
    """INSERT ``objs`` (unsaved instances) in pages of multi-row VALUES, bypassing the ORM's
    per-field SQL compilation (the bulk of ``bulk_create``'s time). With ``returning`` the new
    ids are set on the objects. Runs in the current transaction under the current tenant."""
    if not objs:
        return objs
    quote = connection.ops.quote_name
    if isinstance(objs[0], dict):  # plain rows keyed by column: no model instances to build
        columns = list(objs[0])
        rows = [tuple(row[c] for c in columns) for row in objs]
    else:
        fields = [f for f in model._meta.concrete_fields if not isinstance(f, AutoField | BigAutoField)]
        columns = [f.column for f in fields]
        rows = [tuple(f.pre_save(obj, True) for f in fields) for obj in objs]
    # Table and column names come from the model, never from input.
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) VALUES %s"  # noqa: S608
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    if returning:
        sql += f" RETURNING {quote(model._meta.pk.column)}"
    apply_tenant_settings(connection)  # the raw cursor bypasses the backend's tenant wrapper
    with connection.connection.cursor() as cursor:
        result = execute_values(cursor, sql, rows, page_size=1000, fetch=returning)
    if returning:
        for obj, (pk,) in zip(objs, result, strict=True):
            obj.pk = pk
            obj._state.adding = False
    return objs


def seed(*, tenant, stdout=None) -> None:
    """Create the demo master data of ``tenant`` (inside its tenant context), unless already there."""
    if Hospital.objects.for_tenant(tenant).filter(external_id__startswith=MARKER_PREFIX).exists():
        if stdout is not None:
            stdout.write(f"tenant {tenant.code}: master data already seeded")
        return
    seeder = _Seeder(tenant)
    counts = seeder.run()
    if stdout is not None:
        stdout.write(f"tenant {tenant.code}: " + ", ".join(f"{n} {label}" for label, n in counts.items()))


class _Seeder:
    def __init__(self, tenant):
        self.tenant = tenant
        seed = zlib.crc32(tenant.code.encode())
        self.rnd = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.today = timezone.localdate()
        self.counts = {}

    def _bulk(self, model, rows, label, **kwargs):
        created = model.objects.bulk_create(rows, batch_size=2000, **kwargs)
        self.counts[label] = self.counts.get(label, 0) + len(rows)
        return created

    def _fast(self, model, rows, label, **kwargs):
        created = _insert(model, rows, **kwargs)
        self.counts[label] = self.counts.get(label, 0) + len(rows)
        return created

    def _history(self, doctors):
        """The "created" entry of each doctor's history, as Doctor.save would have written it."""
        history = Doctor.history.model
        copied = [
            f.attname
            for f in history._meta.concrete_fields
            if f.attname in {g.attname for g in Doctor._meta.concrete_fields}
        ]
        now = timezone.now()
        rows = [
            history(**{name: getattr(d, name) for name in copied}, history_date=now, history_type="+",
                    history_change_reason="demo data")
            for d in doctors
        ]  # fmt: skip
        _insert(history, rows)

    def run(self):
        self.hospitals()
        self.departments()
        self.doctors()
        self.society_positions()
        self.relations()
        self.alignment()
        self.products()
        self.distributors()
        self.usage_share()
        self.sales_and_shipments()
        return self.counts

    # --- hospitals, departments, doctors ---------------------------------------------------

    def hospitals(self):
        rows = []
        self.hospital_info = {}
        for i, (name, grade, htype, province, city, district, territory, beds, tier, profile) in enumerate(
            HOSPITALS, 1
        ):
            rows.append(
                Hospital(
                    tenant=self.tenant,
                    name=name,
                    grade=grade,
                    type=htype,
                    province=province,
                    city=city,
                    district=district,
                    address=f"{city}{district}{self.fake.street_name()}{self.rnd.randint(1, 999)}号",
                    beds=beds,
                    annual_outpatients=beds * self.rnd.randint(900, 1600),
                    external_id=f"{MARKER_PREFIX}H{i:03d}",
                )
            )
            self.hospital_info[name] = {"territory": territory, "tier": tier, "profile": profile}
        # A hospital of the same name may already exist (imported by a user): keep it.
        self._bulk(Hospital, rows, "hospitals", ignore_conflicts=True)
        self.hospital_objs = list(Hospital.objects.for_tenant(self.tenant).filter(name__in=[r.name for r in rows]))
        self.hospital_objs.sort(key=lambda h: [r.name for r in rows].index(h.name))

    def departments(self):
        rows = []
        for hospital in self.hospital_objs:
            profile = self.hospital_info[hospital.name]["profile"]
            if hospital.type == T.GENERAL:
                key = ("general", "large" if hospital.grade in (G.G3A, G.G3B) else "small")
            elif hospital.type == T.SPECIALIST:
                key = ("specialist", profile)
            else:
                key = (hospital.type, "")
            codes, custom = DEPARTMENTS[key]
            for code in codes:
                rows.append(
                    Department(
                        tenant=self.tenant, hospital=hospital, name=STANDARD_DEPARTMENTS[code], standard_code=code
                    )
                )
            for name in custom:
                rows.append(Department(tenant=self.tenant, hospital=hospital, name=name, standard_code=""))
        self._bulk(Department, rows, "departments", ignore_conflicts=True)
        self.departments_of = {}
        for dept in Department.objects.for_tenant(self.tenant).filter(hospital__in=self.hospital_objs):
            self.departments_of.setdefault(dept.hospital_id, []).append(dept)
        for depts in self.departments_of.values():
            depts.sort(key=lambda d: (d.standard_code, d.name))

    @staticmethod
    def dept_key(dept):
        return dept.standard_code or dept.name

    def _title(self, hospital):
        weights = [15, 25, 35, 25] if hospital.grade in (G.G3A, G.G3B) else [8, 22, 40, 30]
        return self.rnd.choices(
            [ClinicalTitle.CHIEF, ClinicalTitle.ASSOCIATE_CHIEF, ClinicalTitle.ATTENDING, ClinicalTitle.RESIDENT],
            weights,
        )[0]

    def doctors(self):
        rows = []
        n = 0
        this_year = self.today.year
        grad_range = {
            ClinicalTitle.CHIEF: (1985, 2002),
            ClinicalTitle.ASSOCIATE_CHIEF: (1995, 2010),
            ClinicalTitle.ATTENDING: (2005, 2016),
            ClinicalTitle.RESIDENT: (2014, min(2023, this_year - 1)),
        }
        for hospital in self.hospital_objs:
            universities = UNIVERSITIES[hospital.province]
            per_dept = _doctors_per_department(hospital.grade, hospital.beds)
            for dept in self.departments_of[hospital.pk]:
                key = self.dept_key(dept)
                count = per_dept * 2 if key in TARGET_DEPARTMENTS else per_dept
                if key == "pharmacy":
                    count = max(2, per_dept // 2)
                director_given = False
                for _ in range(count):
                    n += 1
                    title = self._title(hospital)
                    gender = self.rnd.choice([Gender.MALE, Gender.FEMALE])
                    name = self.fake.name_male() if gender == Gender.MALE else self.fake.name_female()
                    academic = AcademicTitle.NONE
                    admin_post = AdminPost.NONE
                    if hospital.grade == G.G3A and title == ClinicalTitle.CHIEF:
                        academic = AcademicTitle.PROFESSOR
                        if not director_given:
                            admin_post, director_given = AdminPost.DIRECTOR, True
                    elif hospital.grade == G.G3A and title == ClinicalTitle.ASSOCIATE_CHIEF:
                        academic = self.rnd.choice([AcademicTitle.ASSOCIATE_PROFESSOR, AcademicTitle.NONE])
                    elif title == ClinicalTitle.CHIEF and not director_given:
                        admin_post, director_given = AdminPost.DIRECTOR, True
                    university = (
                        self.rnd.choice(universities)
                        if self.rnd.random() < 0.75
                        else self.rnd.choice(OTHER_UNIVERSITIES)
                    )
                    consent = self.rnd.random() < 0.7
                    pinyin = name_pinyin(name)
                    mail = self.rnd.choice(["163.com", "qq.com", "sina.com"])
                    rows.append(
                        Doctor(
                            tenant=self.tenant,
                            name=name,
                            name_pinyin=pinyin,
                            name_initials=name_initials(name),
                            gender=gender,
                            hospital=hospital,
                            department=dept,
                            clinical_title=title,
                            academic_title=academic,
                            admin_post=admin_post,
                            specialties=self.rnd.sample(
                                SPECIALTIES.get(key, []), min(2, len(SPECIALTIES.get(key, [])))
                            ),
                            university=university,
                            graduation_year=self.rnd.randint(*grad_range[title]),
                            background=self.rnd.choice(BACKGROUNDS),
                            interests="、".join(self.rnd.sample(INTERESTS, 2)),
                            pain_points=self.rnd.choice(PAIN_POINTS),
                            preferred_channels=sorted(
                                self.rnd.sample([c.value for c in Channel], self.rnd.randint(1, 3))
                            ),
                            consent_to_contact=consent,
                            consent_date=self.today - datetime.timedelta(days=self.rnd.randint(10, 700))
                            if consent
                            else None,
                            phone=self.fake.phone_number(),
                            wechat=f"{pinyin[:12]}{self.rnd.randint(10, 9999)}" if self.rnd.random() < 0.8 else "",
                            email=f"{pinyin[:12]}{self.rnd.randint(1, 99)}@{mail}" if self.rnd.random() < 0.4 else "",
                            external_id=f"{MARKER_PREFIX}D{n:05d}",
                        )
                    )
        self.doctor_objs = self._fast(Doctor, rows, "doctors", returning=True)
        self._history(self.doctor_objs)
        self.hospital_by_id = {h.pk: h for h in self.hospital_objs}
        self.dept_by_id = {d.pk: d for depts in self.departments_of.values() for d in depts}

    def society_positions(self):
        rows = []
        for doctor in self.doctor_objs:
            key = self.dept_key(self.dept_by_id[doctor.department_id])
            society = SOCIETIES.get(key)
            if society is None or doctor.clinical_title in (ClinicalTitle.RESIDENT,):
                continue
            hospital = self.hospital_by_id[doctor.hospital_id]
            senior = doctor.clinical_title == ClinicalTitle.CHIEF
            if senior and hospital.grade == G.G3A and self.rnd.random() < 0.6:
                position = self.rnd.choices(
                    [SocietyRole.CHAIR, SocietyRole.VICE_CHAIR, SocietyRole.STANDING_MEMBER, SocietyRole.MEMBER],
                    [1, 3, 6, 10],
                )[0]
                rows.append(
                    SocietyPosition(
                        tenant=self.tenant,
                        doctor=doctor,
                        society=f"中华医学会{society}",
                        level=SocietyLevel.NATIONAL,
                        position=position,
                        since=self.rnd.randint(2012, self.today.year - 1),
                    )
                )
            if (senior or doctor.clinical_title == ClinicalTitle.ASSOCIATE_CHIEF) and self.rnd.random() < 0.35:
                rows.append(
                    SocietyPosition(
                        tenant=self.tenant,
                        doctor=doctor,
                        society=f"{PROVINCE_SOCIETY[hospital.province]}{society}",
                        level=SocietyLevel.PROVINCIAL,
                        position=self.rnd.choice(
                            [
                                SocietyRole.VICE_CHAIR,
                                SocietyRole.STANDING_MEMBER,
                                SocietyRole.MEMBER,
                                SocietyRole.MEMBER,
                            ]
                        ),
                        since=self.rnd.randint(2015, self.today.year - 1),
                    )
                )
            elif doctor.clinical_title == ClinicalTitle.ATTENDING and self.rnd.random() < 0.08:
                rows.append(
                    SocietyPosition(
                        tenant=self.tenant,
                        doctor=doctor,
                        society=f"{PROVINCE_SOCIETY[hospital.province]}{society}",
                        level=SocietyLevel.PROVINCIAL,
                        position=SocietyRole.YOUTH_MEMBER,
                        since=self.rnd.randint(2019, self.today.year - 1),
                    )
                )
        self._fast(SocietyPosition, rows, "society positions", ignore_conflicts=True)

    # --- the network -----------------------------------------------------------------------

    def relations(self):
        edges = {}  # (from, to, kind) -> DoctorRelation

        def add(a, b, kind, strength, source):
            if a.pk == b.pk:
                return
            if kind in (RelationKind.CLASSMATE, RelationKind.COAUTHOR, RelationKind.COLLEAGUE) and a.pk > b.pk:
                a, b = b, a
            key = (a.pk, b.pk, kind)
            if key not in edges:
                edges[key] = DoctorRelation(
                    tenant=self.tenant, from_doctor=a, to_doctor=b, kind=kind, strength=strength, source=source
                )

        tier = {h.pk: self.hospital_info[h.name]["tier"] for h in self.hospital_objs}
        by_dept = {}
        for d in self.doctor_objs:
            by_dept.setdefault(self.dept_key(self.dept_by_id[d.department_id]), []).append(d)

        # Classmates: same university and graduation year, often a provincial doctor and a county one.
        cohorts = {}
        for d in self.doctor_objs:
            cohorts.setdefault((d.university, d.graduation_year), []).append(d)
        for members in cohorts.values():
            if len(members) < 2:
                continue
            upper = [d for d in members if tier[d.hospital_id] in ("provincial", "city")]
            lower = [d for d in members if tier[d.hospital_id] in ("county", "community")]
            for d in lower:
                for peer in self.rnd.sample(upper, min(len(upper), 2)):
                    add(d, peer, RelationKind.CLASSMATE, self.rnd.randint(2, 5), "同届同学（校友录）")
            for d in self.rnd.sample(members, min(len(members), 4)):
                peer = self.rnd.choice(members)
                if peer.hospital_id != d.hospital_id:
                    add(d, peer, RelationKind.CLASSMATE, self.rnd.randint(1, 4), "同届同学（校友录）")

        for doctors in by_dept.values():
            seniors = [d for d in doctors if d.academic_title == AcademicTitle.PROFESSOR]
            juniors = [d for d in doctors if d.clinical_title in (ClinicalTitle.ATTENDING, ClinicalTitle.RESIDENT)]
            top = [d for d in doctors if self.hospital_by_id[d.hospital_id].grade == G.G3A and d.clinical_title in
                   (ClinicalTitle.CHIEF, ClinicalTitle.ASSOCIATE_CHIEF)]  # fmt: skip
            base = [d for d in doctors if tier[d.hospital_id] in ("county", "community")]
            # Mentors: professors of the specialty and the young doctors they trained.
            for mentor in seniors:
                for student in self.rnd.sample(juniors, min(len(juniors), self.rnd.randint(1, 4))):
                    if (
                        student.graduation_year
                        and mentor.graduation_year
                        and student.graduation_year > mentor.graduation_year + 8
                    ):
                        add(mentor, student, RelationKind.MENTOR, self.rnd.randint(3, 5), "研究生导师")
            # Referrals: county and community doctors send patients up to grade 3A specialists.
            for doctor in base:
                if top and self.rnd.random() < 0.6:
                    for target in self.rnd.sample(top, min(len(top), self.rnd.randint(1, 2))):
                        add(doctor, target, RelationKind.REFERRAL, self.rnd.randint(2, 5), "医联体双向转诊")
            # Co-authors among senior doctors of the specialty, across hospitals.
            for doctor in top:
                if self.rnd.random() < 0.3:
                    peer = self.rnd.choice(top)
                    add(doctor, peer, RelationKind.COAUTHOR, self.rnd.randint(2, 4), "共同发表论文")
        # Colleagues: a few pairs in each department.
        by_unit = {}
        for d in self.doctor_objs:
            by_unit.setdefault(d.department_id, []).append(d)
        for doctors in by_unit.values():
            if len(doctors) >= 2 and self.rnd.random() < 0.5:
                a, b = self.rnd.sample(doctors, 2)
                add(a, b, RelationKind.COLLEAGUE, self.rnd.randint(3, 5), "同科室")
        self._fast(DoctorRelation, list(edges.values()), "relations", ignore_conflicts=True)

    def alignment(self):
        territories = {t.code: t for t in Territory.objects.for_tenant(self.tenant).leaves()}
        rows = []
        for d in self.doctor_objs:
            code = self.hospital_info[self.hospital_by_id[d.hospital_id].name]["territory"]
            territory = territories.get(code)
            # Most doctors are targeted; a few (pharmacy, some residents) are not aligned.
            if territory is None or self.dept_key(self.dept_by_id[d.department_id]) == "pharmacy":
                continue
            if d.clinical_title == ClinicalTitle.RESIDENT and self.rnd.random() < 0.4:
                continue
            rows.append(DoctorTerritory(tenant=self.tenant, doctor=d, territory=territory))
        self._fast(DoctorTerritory, rows, "alignments", ignore_conflicts=True)

    # --- products, distributors ------------------------------------------------------------

    def products(self):
        spec = PRODUCTS.get(self.tenant.code, PRODUCTS["huakang"])
        rows, links, messages = [], [], []
        for name, generic, area, company, _depts, _price, _code, competitors in spec:
            rows.append(Product(tenant=self.tenant, name=name, generic_name=generic, therapeutic_area=area,
                                is_own=True, company=company or self.tenant.name))  # fmt: skip
            for c_name, c_generic, c_area, c_company in competitors:
                rows.append(Product(tenant=self.tenant, name=c_name, generic_name=c_generic, therapeutic_area=c_area,
                                    is_own=False, company=c_company))  # fmt: skip
        self._bulk(Product, rows, "products", ignore_conflicts=True)
        by_name = {p.name: p for p in Product.objects.for_tenant(self.tenant).filter(name__in=[r.name for r in rows])}
        self.own_products = []  # (product, departments, price, lot code, competitors)
        for name, _generic, _area, _company, depts, price, code, competitors in spec:
            product = by_name[name]
            rivals = [by_name[c[0]] for c in competitors]
            self.own_products.append((product, set(depts), Decimal(price), code, rivals))
            links += [ProductCompetitor(tenant=self.tenant, product=product, competitor=r) for r in rivals]
            messages += [
                KeyMessage(tenant=self.tenant, product=product, text=text, order=i)
                for i, text in enumerate(KEY_MESSAGES.get(name, []), 1)
            ]
        self._bulk(ProductCompetitor, links, "competitor links", ignore_conflicts=True)
        self._bulk(KeyMessage, messages, "key messages")

    def distributors(self):
        rows = [
            Distributor(
                tenant=self.tenant,
                name=name,
                kind=kind,
                licence_no=f"{prefix}AA{self.rnd.randint(1000000, 9999999)}",
                regions=regions,
                external_id=f"{MARKER_PREFIX}DIST{i}",
            )
            for i, (name, kind, prefix, regions) in enumerate(DISTRIBUTORS, 1)
        ]
        self._bulk(Distributor, rows, "distributors", ignore_conflicts=True)
        by_name = {
            d.name: d for d in Distributor.objects.for_tenant(self.tenant).filter(name__in=[r.name for r in rows])
        }
        self.distributor_objs = [by_name[r.name] for r in rows]

        # Coverage: the regional distributors serve every hospital of their province; the national
        # agent serves some 3A hospitals for the first product, and used to serve others.
        coverage, self.coverage_pairs = [], []
        since = _month(self.today, -30)
        sh_a, sh_b, js, bj, agent = self.distributor_objs
        for i, hospital in enumerate(self.hospital_objs):
            if hospital.province == SH:
                serving = sh_a if i % 2 else sh_b
            elif hospital.province == JS:
                serving = js
            else:
                serving = bj
            coverage.append(
                DistributorCoverage(tenant=self.tenant, distributor=serving, hospital=hospital, since=since)
            )
            self.coverage_pairs.append((serving, hospital, None))
        first_product = self.own_products[0][0]
        for hospital in [h for h in self.hospital_objs if h.grade == G.G3A][::4]:
            coverage.append(DistributorCoverage(tenant=self.tenant, distributor=agent, hospital=hospital,
                                                product=first_product, since=_month(self.today, -12)))  # fmt: skip
            self.coverage_pairs.append((agent, hospital, first_product))
        for hospital in [h for h in self.hospital_objs if h.grade == G.G2A][::5]:
            ended = DistributorCoverage(tenant=self.tenant, distributor=agent, hospital=hospital,
                                        since=_month(self.today, -36), until=_month(self.today, -13))  # fmt: skip
            coverage.append(ended)
        self._bulk(DistributorCoverage, coverage, "coverage rows", ignore_conflicts=True)

        # Agreements: one current agreement per distributor for its district, an expired one for Jiangsu.
        districts = {t.code: t for t in Territory.objects.for_tenant(self.tenant).filter(code__in=["SH", "JS", "BJ"])}
        prefix = self.tenant.code[:2].upper()
        year = self.today.year
        agreements, products = [], []
        plan = [
            (sh_a, "SH", AgreementStatus.ACTIVE, year - 1, year + 1),
            (sh_b, "SH", AgreementStatus.ACTIVE, year - 1, year + 1),
            (js, "JS", AgreementStatus.ACTIVE, year - 1, year + 1),
            (js, "JS", AgreementStatus.EXPIRED, year - 3, year - 2),
            (bj, "BJ", AgreementStatus.ACTIVE, year, year + 1),
            (agent, None, AgreementStatus.ACTIVE, year, year),
        ]
        for i, (distributor, district, status, start, end) in enumerate(plan, 1):
            agreement = DistributorAgreement(
                tenant=self.tenant,
                distributor=distributor,
                number=f"{prefix}-AG-{start}-{i:03d}",
                territory=districts.get(district),
                start=datetime.date(start, 1, 1),
                end=datetime.date(end, 12, 31),
                target_value=Decimal(self.rnd.randint(300, 3000) * 10000),
                status=status,
            )
            agreements.append(agreement)
        self._bulk(DistributorAgreement, agreements, "agreements", ignore_conflicts=True)
        saved = {a.number: a for a in DistributorAgreement.objects.for_tenant(self.tenant)}
        for agreement in agreements:
            agreement = saved[agreement.number]
            items = [first_product] if agreement.distributor_id == agent.pk else [p for p, *_ in self.own_products]
            products += [AgreementProduct(tenant=self.tenant, agreement=agreement, product=p) for p in items]
        self._bulk(AgreementProduct, products, "agreement products", ignore_conflicts=True)

        # The demo distributor reps work for the Jiangsu dealer, which covers the JS-NJ hospitals.
        reps = User.objects.in_tenant(self.tenant).with_role(Role.DISTRIBUTOR_REP)
        self._bulk(
            DistributorStaff,
            [DistributorStaff(tenant=self.tenant, user=u, distributor=by_name[STAFF_DISTRIBUTOR]) for u in reps],
            "distributor staff",
            ignore_conflicts=True,
        )

    # --- usage share, sales, shipments -----------------------------------------------------

    def usage_share(self):
        """12 months of usage for a subset of doctors of each product's departments: ours, slowly
        gaining, and the competitors' sharing most of the rest."""
        months = [_month(self.today, -i) for i in range(11, -1, -1)]
        rows = []
        for product, depts, _price, _code, rivals in self.own_products:
            doctors = [
                d
                for d in self.doctor_objs
                if self.dept_key(self.dept_by_id[d.department_id]) in depts
                and d.clinical_title != ClinicalTitle.RESIDENT
            ]
            for doctor in self.rnd.sample(doctors, len(doctors) // 2):
                ours = self.rnd.uniform(0, 35)
                theirs = [self.rnd.uniform(10, 60) for _ in rivals]
                trend = self.rnd.uniform(-0.8, 1.5)
                total = self.rnd.randint(40, 400)  # the doctor's monthly prescriptions in the class
                for month in months:
                    ours = min(max(ours + trend + self.rnd.uniform(-2, 2), 0), 90)
                    room = 100 - ours
                    scale = min(1.0, room / max(sum(theirs), 1))
                    shares = [ours] + [t * scale for t in theirs]
                    volume = total * self.rnd.uniform(0.85, 1.15)
                    for p, share in zip([product, *rivals], shares, strict=True):
                        rows.append(
                            {
                                "tenant_id": self.tenant.pk,
                                "doctor_id": doctor.pk,
                                "product_id": p.pk,
                                "period": month,
                                "share": round(share, 2),
                                "volume": round(volume * share / 100, 2),
                            }
                        )
        self._fast(UsageShare, rows, "usage share rows", ignore_conflicts=True)

    def sales_and_shipments(self):
        """24 months of sell-in/sell-out by distributor, hospital and product, and the shipments
        (lots) behind the sell-out: one lot code per product and month, shipped to many hospitals."""
        months = [_month(self.today, -i) for i in range(24, 0, -1)]
        dept_keys = {h: {self.dept_key(d) for d in depts} for h, depts in self.departments_of.items()}
        sales, shipments = [], []
        for distributor, hospital, only in self.coverage_pairs:
            for product, depts, price, code, _rivals in self.own_products:
                if (only is not None and product != only) or not (depts & dept_keys[hospital.pk]):
                    continue
                size = max(hospital.beds or 50, 50) / 40
                base = self.rnd.uniform(0.5, 1.5) * size * (60 if price < 100 else 8)
                growth = self.rnd.uniform(-0.01, 0.04)
                for i, month in enumerate(months):
                    seasonal = 0.85 if month.month == 2 else (1.1 if month.month in (3, 9) else 1.0)
                    out_units = max(0, int(base * (1 + growth) ** i * seasonal * self.rnd.uniform(0.85, 1.15)))
                    in_units = max(0, int(out_units * self.rnd.uniform(0.9, 1.15)))
                    sales.append(
                        {
                            "tenant_id": self.tenant.pk,
                            "distributor_id": distributor.pk,
                            "hospital_id": hospital.pk,
                            "product_id": product.pk,
                            "month": month,
                            "sell_in_units": in_units,
                            "sell_in_value": (price * Decimal("0.92") * in_units).quantize(Decimal("0.01")),
                            "sell_out_units": out_units,
                            "sell_out_value": price * out_units,
                        }
                    )
                    if out_units == 0:
                        continue
                    parts = 2 if out_units > 40 and self.rnd.random() < 0.5 else 1
                    for part in range(parts):
                        quantity = out_units // parts + (out_units % parts if part == 0 else 0)
                        made = _month(month, -self.rnd.randint(1, 3))
                        lot = f"{code}{made:%y%m}{self.rnd.randint(1, 3):02d}"
                        shipped = month + datetime.timedelta(
                            days=self.rnd.randint(0, 25) if parts == 1 else 14 * part + 2
                        )
                        shipments.append(
                            {
                                "tenant_id": self.tenant.pk,
                                "distributor_id": distributor.pk,
                                "hospital_id": hospital.pk,
                                "product_id": product.pk,
                                "lot_number": lot,
                                "quantity": quantity,
                                "shipped_on": shipped,
                                "expiry_date": _month(made, 24 if price < 300 else 36) - datetime.timedelta(days=1),
                            }
                        )
        self._fast(SalesRecord, sales, "sales records", ignore_conflicts=True)
        self._fast(Shipment, shipments, "shipments")
