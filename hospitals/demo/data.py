"""The demo world: hospitals of 上海, 江苏 and 北京 with their departments, universities, specialties,
societies, backgrounds, products with key messages, distributors."""

from __future__ import annotations

from hospitals.models import (
    DistributorKind,
    HospitalGrade,
    HospitalType,
)

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
