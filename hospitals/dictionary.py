"""Each tenant's department dictionary: the names and synonyms under which files write the
standard departments (心血管内科 and 心内科 are one department; 呼吸与危重症医学科 is 呼吸内科).

The dictionary is seeded from :data:`DEFAULT_SYNONYMS` the first time a tenant uses it
(:func:`department_dictionary_ensure`) and grows by :func:`department_synonym_add` (an accepted
import suggestion, or Django admin). Matching compares :func:`key` forms (NFKC, no spaces,
lower case), so ``ICU`` and ``icu`` are one word.
"""

from __future__ import annotations

import functools

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from hospitals import normalize
from hospitals.models import STANDARD_DEPARTMENTS, DepartmentSynonym

# Standard code → the names clinical departments go by in Chinese hospitals (the standard
# name first). A name belongs to one code only.
DEFAULT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "cardiology": ("心内科", "心血管内科", "心血管科", "心脏内科", "心血管病科", "心血管医学科", "心内"),
    "respiratory": (
        "呼吸内科", "呼吸与危重症医学科", "呼吸与危重症科", "呼吸科", "呼吸病科", "呼吸与危重症医学", "肺病科",
        "呼吸内",
    ),
    "gastroenterology": ("消化内科", "消化科", "消化病科", "胃肠内科", "消化内"),
    "endocrinology": ("内分泌科", "内分泌代谢科", "内分泌与代谢科", "内分泌与代谢病科", "内分泌内科", "糖尿病科"),
    "nephrology": ("肾内科", "肾脏内科", "肾病科", "肾脏病科", "肾病内科"),
    "neurology": ("神经内科", "神经科", "神经病学科", "神内", "脑病科"),
    "hematology": ("血液科", "血液内科", "血液病科"),
    "oncology": ("肿瘤科", "肿瘤内科", "肿瘤中心", "肿瘤医学科"),
    "rheumatology": ("风湿免疫科", "风湿科", "免疫科", "风湿病科", "风湿免疫内科"),
    "infectious": ("感染科", "感染病科", "感染性疾病科", "传染科", "传染病科", "肝病科"),
    "general_surgery": ("普外科", "普通外科", "普外", "外科"),
    "orthopedics": ("骨科", "骨外科", "创伤骨科", "关节外科", "脊柱外科"),
    "urology": ("泌尿外科", "泌尿科"),
    "cardiac_surgery": ("心胸外科", "胸外科", "心外科", "心脏外科", "心脏大血管外科"),
    "neurosurgery": ("神经外科", "脑外科"),
    "obstetrics_gynecology": ("妇产科", "妇科", "产科"),
    "pediatrics": ("儿科", "小儿科", "儿内科"),
    "ophthalmology": ("眼科",),
    "ent": ("耳鼻喉科", "耳鼻咽喉科", "耳鼻咽喉头颈外科", "五官科"),
    "dermatology": ("皮肤科", "皮肤性病科", "皮肤病科"),
    "psychiatry": ("精神科", "精神心理科", "心理科", "心身医学科", "精神卫生科"),
    "icu": ("重症医学科", "ICU", "重症监护室", "重症科", "危重症医学科"),
    "emergency": ("急诊科", "急诊医学科", "急诊"),
    "anesthesiology": ("麻醉科", "麻醉手术科"),
    "pharmacy": ("药剂科", "药学部", "药剂部", "药学科", "药房"),
    "geriatrics": ("老年医学科", "老年科", "老年病科", "老干部科"),
    "tcm": ("中医科",),
    "general_medicine": ("全科医学科", "全科", "全科医疗科"),
    "rehabilitation": ("康复医学科", "康复科"),
    "stomatology": ("口腔科", "口腔医学科"),
    "radiology": ("放射科", "影像科", "医学影像科"),
    "ultrasound": ("超声科", "超声医学科"),
    "laboratory": ("检验科", "医学检验科"),
    "pathology": ("病理科",),
    "nuclear_medicine": ("核医学科",),
    "pain": ("疼痛科",),
    "breast_surgery": ("乳腺外科",),
    "thyroid_surgery": ("甲状腺外科",),
    "hepatobiliary_surgery": ("肝胆外科",),
    "gastrointestinal_surgery": ("胃肠外科",),
    "vascular_surgery": ("血管外科",),
    "burns_plastic": ("烧伤整形科", "烧伤科", "整形外科"),
    "reproductive": ("生殖医学科", "生殖中心"),
    "neonatology": ("新生儿科",),
    "nutrition": ("临床营养科", "营养科"),
    "interventional": ("介入科", "介入放射科"),
    "radiotherapy": ("放疗科", "放射治疗科"),
    "integrated_medicine": ("中西医结合科",),
    "health_checkup": ("体检中心", "健康管理中心"),
    "allergy": ("变态反应科",),
}  # fmt: skip


@functools.lru_cache(maxsize=100_000)
def key(name: str) -> str:
    """The comparison form of a department name: normalised, no spaces, lower case."""
    return normalize.name(name).replace(" ", "").lower()


def standard_code_of(name: str, dictionary: dict[str, str] | None = None) -> str:
    """The standard code of ``name`` in ``dictionary`` (key → code; the defaults when None), or ''."""
    if dictionary is None:
        dictionary = {key(n): code for code, names in DEFAULT_SYNONYMS.items() for n in names}
    return dictionary.get(key(name), "")


def department_dictionary(*, tenant) -> dict[str, str]:
    """The tenant's dictionary as ``{key(name): code}`` (seeded on first use)."""
    department_dictionary_ensure(tenant=tenant)
    rows = DepartmentSynonym.objects.for_tenant(tenant).values_list("name", "code")
    return {key(name): code for name, code in rows}


def department_dictionary_ensure(*, tenant) -> None:
    """Seed the tenant's dictionary with :data:`DEFAULT_SYNONYMS` once (ON CONFLICT DO NOTHING)."""
    tenant_id = int(getattr(tenant, "pk", tenant))
    if DepartmentSynonym.objects.for_tenant(tenant_id).exists():
        return
    names, codes = [], []
    for code, synonyms in DEFAULT_SYNONYMS.items():
        for name in synonyms:
            names.append(name)
            codes.append(code)
    table = connection.ops.quote_name(DepartmentSynonym._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (tenant_id, code, name) "  # noqa: S608 - the table name is model metadata
            "SELECT %s, c, n FROM unnest(%s::text[], %s::text[]) AS u(c, n) ON CONFLICT DO NOTHING",
            [tenant_id, codes, names],
        )


@transaction.atomic
def department_synonym_add(*, tenant, by, name: str, code: str) -> DepartmentSynonym | None:
    """Teach the dictionary that ``name`` means the standard department ``code``.

    A name already in the dictionary keeps its meaning (returns None when it means ``code``
    already; refuses a different code).
    """
    if code not in STANDARD_DEPARTMENTS:
        raise ValidationError({"code": _("Not a standard department.")})
    name = normalize.name(name)
    if not name:
        raise ValidationError({"name": _("This field is required.")})
    department_dictionary_ensure(tenant=tenant)
    existing = {key(n): (n, c) for n, c in DepartmentSynonym.objects.for_tenant(tenant).values_list("name", "code")}
    if key(name) in existing:
        if existing[key(name)][1] == code:
            return None
        raise ValidationError(
            {"name": _("“%(name)s” already means another department in the dictionary.") % {"name": name}}
        )
    synonym = DepartmentSynonym(tenant_id=int(getattr(tenant, "pk", tenant)), code=code, name=name)
    synonym.full_clean()
    synonym.save()
    return synonym
