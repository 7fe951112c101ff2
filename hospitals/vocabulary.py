"""The vocabulary of master data: provinces, hospital grades and types, standard departments,
doctors' titles, posts, gender and contact channels. ``hospitals.models`` re-exports every name
(the models use them; code may import them from either)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The 34 provincial-level divisions of China (省级行政区), as written on official lists.
PROVINCES = [
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省", "上海市", "江苏省",
    "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "广西壮族自治区",
    "海南省", "重庆市", "四川省", "贵州省", "云南省", "西藏自治区", "陕西省", "甘肃省", "青海省",
    "宁夏回族自治区", "新疆维吾尔自治区", "台湾省", "香港特别行政区", "澳门特别行政区",
]  # fmt: skip


class HospitalGrade(models.TextChoices):
    """Chinese hospital grades (医院等级)."""

    G3A = "3A", _("Grade 3A (三级甲等)")
    G3B = "3B", _("Grade 3B (三级乙等)")
    G3 = "3", _("Grade 3 (三级)")
    G2A = "2A", _("Grade 2A (二级甲等)")
    G2B = "2B", _("Grade 2B (二级乙等)")
    G2 = "2", _("Grade 2 (二级)")
    G1 = "1", _("Grade 1 (一级)")
    UNGRADED = "NA", _("Ungraded (未定级)")


class HospitalType(models.TextChoices):
    """Kind of hospital."""

    GENERAL = "general", _("General")
    SPECIALIST = "specialist", _("Specialist")
    TCM = "tcm", _("Traditional Chinese medicine")
    MATERNAL_CHILD = "maternal_child", _("Maternity and children")
    COMMUNITY = "community", _("Community health centre")


# Standard departments (科室): code → name. Custom departments have an empty standard code.
# Each tenant's department dictionary (hospitals.dictionary) maps the names and synonyms
# that files use (心血管内科, 呼吸与危重症医学科 …) to these codes.
STANDARD_DEPARTMENTS = {
    "cardiology": "心内科",
    "respiratory": "呼吸内科",
    "gastroenterology": "消化内科",
    "endocrinology": "内分泌科",
    "nephrology": "肾内科",
    "neurology": "神经内科",
    "hematology": "血液科",
    "oncology": "肿瘤科",
    "rheumatology": "风湿免疫科",
    "infectious": "感染科",
    "general_surgery": "普外科",
    "orthopedics": "骨科",
    "urology": "泌尿外科",
    "cardiac_surgery": "心胸外科",
    "neurosurgery": "神经外科",
    "obstetrics_gynecology": "妇产科",
    "pediatrics": "儿科",
    "ophthalmology": "眼科",
    "ent": "耳鼻喉科",
    "dermatology": "皮肤科",
    "psychiatry": "精神科",
    "icu": "重症医学科",
    "emergency": "急诊科",
    "anesthesiology": "麻醉科",
    "pharmacy": "药剂科",
    "geriatrics": "老年医学科",
    "tcm": "中医科",
    "general_medicine": "全科医学科",
    "rehabilitation": "康复医学科",
    "stomatology": "口腔科",
    "radiology": "放射科",
    "ultrasound": "超声科",
    "laboratory": "检验科",
    "pathology": "病理科",
    "nuclear_medicine": "核医学科",
    "pain": "疼痛科",
    "breast_surgery": "乳腺外科",
    "thyroid_surgery": "甲状腺外科",
    "hepatobiliary_surgery": "肝胆外科",
    "gastrointestinal_surgery": "胃肠外科",
    "vascular_surgery": "血管外科",
    "burns_plastic": "烧伤整形科",
    "reproductive": "生殖医学科",
    "neonatology": "新生儿科",
    "nutrition": "临床营养科",
    "interventional": "介入科",
    "radiotherapy": "放疗科",
    "integrated_medicine": "中西医结合科",
    "health_checkup": "体检中心",
    "allergy": "变态反应科",
}


class ClinicalTitle(models.TextChoices):
    """Clinical title (临床职称)."""

    CHIEF = "chief", _("Chief physician (主任医师)")
    ASSOCIATE_CHIEF = "associate_chief", _("Associate chief physician (副主任医师)")
    ATTENDING = "attending", _("Attending physician (主治医师)")
    RESIDENT = "resident", _("Resident (住院医师)")


class AcademicTitle(models.TextChoices):
    """Academic title (学术职称)."""

    NONE = "", _("None")
    PROFESSOR = "professor", _("Professor (教授)")
    ASSOCIATE_PROFESSOR = "associate_professor", _("Associate professor (副教授)")
    LECTURER = "lecturer", _("Lecturer (讲师)")


class AdminPost(models.TextChoices):
    """Administrative post in the hospital (行政职务)."""

    NONE = "", _("None")
    PRESIDENT = "president", _("Hospital president (院长)")
    VICE_PRESIDENT = "vice_president", _("Vice president (副院长)")
    DIRECTOR = "director", _("Department director (科主任)")
    DEPUTY_DIRECTOR = "deputy_director", _("Deputy director (副主任)")
    WARD_DIRECTOR = "ward_director", _("Ward director (病区主任)")


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")
    UNKNOWN = "", _("Unknown")


class Channel(models.TextChoices):
    """How a doctor prefers to be reached; visits use the same vocabulary."""

    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    WECHAT = "wechat", _("WeChat")
    ONLINE_MEETING = "online_meeting", _("Online meeting")
