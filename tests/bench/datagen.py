"""Fast generator of realistic master data for benchmarks: hospitals, departments, doctors,
the territory tree with doctor alignment, and society positions, for one tenant.

``generate_master_data(tenant, doctors=1_000_000)`` writes a million doctors in well under a
minute on two cores: values are drawn with numpy, pinyin is computed once per distinct name
(names repeat, as they do in China), and rows go in with PostgreSQL ``COPY``.

``COPY ... FROM`` is refused on a table under row-level security ("COPY FROM not supported
with row-level security"), and every tenant-owned table here is FORCE'd, even for its owner.
So each table is loaded in two set-based steps inside one transaction: ``COPY`` into a
temporary table (no RLS), then one ``INSERT INTO <table> SELECT ... FROM <temp>``, which the
tenant policy checks like any insert. Ids are reserved from the table's sequence up front, so
related rows (departments → doctors → alignment) are built in memory without round trips.

Doctors' history (simple-history) is not written: a bulk load is not a user's edit.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import time

import numpy as np

# --- reference lists -----------------------------------------------------------------------

# Regions (大区) of a typical national sales force, with their provinces.
REGIONS = {
    "华北": ["北京市", "天津市", "河北省", "山西省", "内蒙古自治区"],
    "东北": ["辽宁省", "吉林省", "黑龙江省"],
    "华东": ["上海市", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省"],
    "华中": ["河南省", "湖北省", "湖南省"],
    "华南": ["广东省", "广西壮族自治区", "海南省"],
    "西南": ["重庆市", "四川省", "贵州省", "云南省", "西藏自治区"],
    "西北": ["陕西省", "甘肃省", "青海省", "宁夏回族自治区", "新疆维吾尔自治区"],
}
REGION_CODES = {"华北": "HB", "东北": "DB", "华东": "HD", "华中": "HZ", "华南": "HN", "西南": "XN", "西北": "XB"}

# Cities (municipalities: their urban districts), capital first; the weight is a rough size.
CITIES = {
    "北京市": ["东城区", "西城区", "朝阳区", "海淀区", "丰台区", "石景山区", "通州区", "昌平区", "大兴区", "顺义区"],
    "天津市": ["和平区", "河西区", "南开区", "河北区", "红桥区", "滨海新区", "西青区", "津南区"],
    "河北省": ["石家庄市", "唐山市", "保定市", "邯郸市", "廊坊市", "沧州市", "邢台市", "张家口市", "承德市", "衡水市"],
    "山西省": ["太原市", "大同市", "长治市", "晋中市", "运城市", "临汾市", "吕梁市"],
    "内蒙古自治区": ["呼和浩特市", "包头市", "赤峰市", "鄂尔多斯市", "通辽市"],
    "辽宁省": ["沈阳市", "大连市", "鞍山市", "抚顺市", "锦州市", "营口市", "丹东市"],
    "吉林省": ["长春市", "吉林市", "四平市", "延边朝鲜族自治州", "通化市"],
    "黑龙江省": ["哈尔滨市", "齐齐哈尔市", "大庆市", "牡丹江市", "佳木斯市"],
    "上海市": ["黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "浦东新区", "闵行区", "宝山区"],
    "江苏省": ["南京市", "苏州市", "无锡市", "常州市", "南通市", "徐州市", "扬州市", "盐城市", "泰州市", "镇江市"],
    "浙江省": ["杭州市", "宁波市", "温州市", "绍兴市", "嘉兴市", "金华市", "台州市", "湖州市"],
    "安徽省": ["合肥市", "芜湖市", "蚌埠市", "安庆市", "阜阳市", "马鞍山市", "六安市"],
    "福建省": ["福州市", "厦门市", "泉州市", "漳州市", "莆田市", "龙岩市"],
    "江西省": ["南昌市", "赣州市", "九江市", "上饶市", "宜春市", "吉安市"],
    "山东省": ["济南市", "青岛市", "烟台市", "潍坊市", "临沂市", "淄博市", "济宁市", "泰安市", "威海市", "德州市"],
    "河南省": ["郑州市", "洛阳市", "新乡市", "南阳市", "开封市", "安阳市", "商丘市", "周口市", "信阳市"],
    "湖北省": ["武汉市", "宜昌市", "襄阳市", "荆州市", "十堰市", "黄石市", "孝感市"],
    "湖南省": ["长沙市", "株洲市", "湘潭市", "衡阳市", "岳阳市", "常德市", "郴州市"],
    "广东省": ["广州市", "深圳市", "佛山市", "东莞市", "珠海市", "汕头市", "惠州市", "中山市", "江门市", "湛江市"],
    "广西壮族自治区": ["南宁市", "柳州市", "桂林市", "梧州市", "北海市", "玉林市"],
    "海南省": ["海口市", "三亚市", "儋州市"],
    "重庆市": ["渝中区", "江北区", "沙坪坝区", "九龙坡区", "南岸区", "渝北区", "万州区"],
    "四川省": ["成都市", "绵阳市", "德阳市", "南充市", "宜宾市", "泸州市", "达州市", "乐山市"],
    "贵州省": ["贵阳市", "遵义市", "六盘水市", "安顺市", "毕节市"],
    "云南省": ["昆明市", "曲靖市", "玉溪市", "大理白族自治州", "红河哈尼族彝族自治州"],
    "西藏自治区": ["拉萨市", "日喀则市"],
    "陕西省": ["西安市", "宝鸡市", "咸阳市", "渭南市", "汉中市", "榆林市"],
    "甘肃省": ["兰州市", "天水市", "酒泉市", "庆阳市"],
    "青海省": ["西宁市", "海东市"],
    "宁夏回族自治区": ["银川市", "石嘴山市", "吴忠市"],
    "新疆维吾尔自治区": ["乌鲁木齐市", "克拉玛依市", "喀什地区", "伊犁哈萨克自治州"],
}

# The 100 most common surnames with their approximate share of the population (percent),
# plus a few compound ones, so pinyin prefixes ("li", "zhang", "w") select realistic shares.
SURNAMES = {
    "王": 7.1, "李": 7.0, "张": 6.6, "刘": 5.4, "陈": 4.5, "杨": 3.1, "黄": 2.1, "赵": 2.0, "吴": 1.9,
    "周": 1.9, "徐": 1.5, "孙": 1.4, "马": 1.3, "朱": 1.2, "胡": 1.1, "郭": 1.1, "何": 1.1, "林": 1.0,
    "高": 1.0, "罗": 0.9, "郑": 0.9, "梁": 0.8, "谢": 0.7, "宋": 0.7, "唐": 0.7, "许": 0.6, "韩": 0.6,
    "冯": 0.6, "邓": 0.6, "曹": 0.6, "彭": 0.5, "曾": 0.5, "肖": 0.5, "田": 0.5, "董": 0.5, "袁": 0.5,
    "潘": 0.4, "于": 0.4, "蒋": 0.4, "蔡": 0.4, "余": 0.4, "杜": 0.4, "叶": 0.4, "程": 0.4, "苏": 0.4,
    "魏": 0.4, "吕": 0.4, "丁": 0.4, "任": 0.3, "沈": 0.3, "姚": 0.3, "卢": 0.3, "姜": 0.3, "崔": 0.3,
    "钟": 0.3, "谭": 0.3, "陆": 0.3, "汪": 0.3, "范": 0.3, "金": 0.3, "石": 0.3, "廖": 0.3, "贾": 0.3,
    "夏": 0.3, "韦": 0.3, "付": 0.3, "方": 0.3, "白": 0.2, "邹": 0.2, "孟": 0.2, "熊": 0.2, "秦": 0.2,
    "邱": 0.2, "江": 0.2, "尹": 0.2, "薛": 0.2, "闫": 0.2, "段": 0.2, "雷": 0.2, "侯": 0.2, "龙": 0.2,
    "史": 0.2, "陶": 0.2, "黎": 0.2, "贺": 0.2, "顾": 0.2, "毛": 0.2, "郝": 0.2, "龚": 0.2, "邵": 0.2,
    "万": 0.2, "钱": 0.2, "严": 0.1, "覃": 0.1, "武": 0.1, "戴": 0.1, "莫": 0.1, "孔": 0.1, "向": 0.1,
    "常": 0.1, "单": 0.05, "欧阳": 0.05, "司马": 0.01, "上官": 0.01, "诸葛": 0.01, "令狐": 0.01,
}  # fmt: skip

# Common characters of given names, most common first (drawn with a Zipf-like weight).
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华霞平刚桂兰建国文辉玲斌飞鹏宇浩凯婷雪琳晶燕红波宁海峰亮成林志春"
    "梅云莉俊鑫欣佳慧颖丹玉萍荣新东晓龙博帅振庆健永福生德金珍凤琴倩璐瑶怡婧彬毅楠然悦涵轩睿泽子思一梓雨嘉晨"
    "立学民光清宏军利长喜春松山仁义忠信礼智勤俭良"
)

UNIVERSITIES = [
    "北京大学医学部", "复旦大学上海医学院", "上海交通大学医学院", "中山大学中山医学院", "四川大学华西医学中心",
    "浙江大学医学院", "华中科技大学同济医学院", "中南大学湘雅医学院", "首都医科大学", "中国医科大学",
    "南京医科大学", "天津医科大学", "重庆医科大学", "哈尔滨医科大学", "山东大学齐鲁医学院", "温州医科大学",
    "广州医科大学", "安徽医科大学", "河北医科大学", "郑州大学医学院", "吉林大学白求恩医学部", "西安交通大学医学部",
    "南方医科大学", "福建医科大学", "昆明医科大学", "新疆医科大学", "北京中医药大学", "上海中医药大学",
]  # fmt: skip

SOCIETIES = {
    "cardiology": "心血管病学分会",
    "respiratory": "呼吸病学分会",
    "gastroenterology": "消化病学分会",
    "endocrinology": "内分泌学分会",
    "nephrology": "肾脏病学分会",
    "neurology": "神经病学分会",
    "hematology": "血液学分会",
    "oncology": "肿瘤学分会",
    "rheumatology": "风湿病学分会",
    "infectious": "感染病学分会",
}

GRADES = ["3A", "3B", "3", "2A", "2B", "2", "1", "NA"]
GRADE_WEIGHTS = [0.14, 0.08, 0.05, 0.25, 0.10, 0.10, 0.16, 0.12]
GRADE_BEDS = {"3A": 1800, "3B": 900, "3": 700, "2A": 400, "2B": 250, "2": 200, "1": 60, "NA": 40}
# (type, weight, name template); templates are unique per (city, type, n).
HOSPITAL_KINDS = [
    ("general", 0.58, "{city}第{n}人民医院"),
    ("tcm", 0.14, "{city}第{n}中医医院"),
    ("specialist", 0.12, "{city}第{n}专科医院"),
    ("maternal_child", 0.06, "{city}第{n}妇幼保健院"),
    ("community", 0.10, "{city}第{n}社区卫生服务中心"),
]
TITLES = ["chief", "associate_chief", "attending", "resident"]
TITLE_WEIGHTS = [0.12, 0.22, 0.38, 0.28]
CHANNEL_SETS = ["{in_person}", "{in_person,wechat}", "{wechat}", "{in_person,phone}", "{online_meeting,wechat}", "{}"]
SOCIETY_ROLES = ["chair", "vice_chair", "standing_member", "member", "youth_member", "secretary"]
SOCIETY_ROLE_WEIGHTS = [0.01, 0.06, 0.15, 0.55, 0.18, 0.05]

# Distinct name → (pinyin, initials), shared by every call in the process (tenants reuse names).
_PINYIN_CACHE: dict[str, tuple[str, str]] = {}


@dataclasses.dataclass
class MasterData:
    """What :func:`generate_master_data` wrote for one tenant (ids are for the benchmarks)."""

    tenant_id: int
    hospitals: int
    departments: int
    doctors: int
    society_positions: int
    region_ids: list[int]
    district_ids: list[int]
    territory_ids: list[int]
    seconds: dict[str, float]


# --- low-level helpers ---------------------------------------------------------------------


def _reserve_ids(cursor, table: str, n: int) -> np.ndarray:
    """``n`` fresh ids from ``table``'s id sequence (consumed, so never handed out again)."""
    buf = io.StringIO()
    cursor.copy_expert(
        f"COPY (SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, {int(n)})) TO STDOUT",
        buf,
    )
    if n == 0:
        return np.empty(0, dtype=np.int64)
    return np.array(buf.getvalue().split(), dtype=np.int64)


def _copy_insert(cursor, table: str, columns: dict[str, str], data: dict, constants: dict[str, str] | None = None):
    """Load ``data`` (column → sequence of str-able values) into ``table`` through a temp table.

    ``columns`` maps each loaded column to its type in the temp table; ``constants`` maps further
    columns of ``table`` to SQL expressions used for every row (defaults the model has in Python
    only), or a loaded column to an expression over it (a cast).
    Values must not contain tabs, newlines or backslashes (generated data never does).
    """
    names = list(columns)
    temp = f"_load_{table}"
    cursor.execute(f"DROP TABLE IF EXISTS {temp}")
    cursor.execute(f"CREATE TEMP TABLE {temp} ({', '.join(f'{c} {t}' for c, t in columns.items())}) ON COMMIT DROP")
    text_columns = []
    for name in names:
        values = data[name]
        if isinstance(values, np.ndarray):
            text_columns.append(values.astype(str).tolist())
        else:
            text_columns.append([r"\N" if v is None else str(v) for v in values])
    rows = len(text_columns[0]) if text_columns else 0
    chunk = 200_000
    for start in range(0, rows, chunk):
        part = [col[start : start + chunk] for col in text_columns]
        payload = "\n".join(map("\t".join, zip(*part, strict=True))) + "\n"
        cursor.copy_expert(f"COPY {temp} ({', '.join(names)}) FROM STDIN", io.StringIO(payload))
    constants = constants or {}
    extra = [c for c in constants if c not in columns]
    target = names + extra
    select = [constants.get(c, c) for c in names] + [constants[c] for c in extra]
    cursor.execute(f"INSERT INTO {table} ({', '.join(target)}) SELECT {', '.join(select)} FROM {temp}")
    cursor.execute(f"DROP TABLE {temp}")
    return rows


def _pinyin_keys(names: list[str]) -> tuple[list[str], list[str]]:
    """``name_pinyin`` and ``name_initials`` of each distinct name, as ``Doctor.save`` computes them."""
    from hospitals.pinyin import name_initials, name_pinyin

    pinyin, initials = [], []
    for name in names:
        keys = _PINYIN_CACHE.get(name)
        if keys is None:
            keys = _PINYIN_CACHE[name] = (name_pinyin(name), name_initials(name))
        pinyin.append(keys[0])
        initials.append(keys[1])
    return pinyin, initials


def _given_name_pool(size: int) -> tuple[list[str], np.ndarray]:
    """Distinct given names (one or two characters) and their popularity weights.

    The same for every seed: tenants share a country's names (and the pinyin cache).
    """
    rng = np.random.default_rng(20240601)
    chars = list(dict.fromkeys(GIVEN_CHARS))
    char_w = 1.0 / np.arange(1, len(chars) + 1) ** 0.8
    char_w /= char_w.sum()
    singles = chars[:60]
    firsts = rng.choice(len(chars), size=size * 2, p=char_w)
    seconds = rng.choice(len(chars), size=size * 2, p=char_w)
    doubles = list(dict.fromkeys(chars[a] + chars[b] for a, b in zip(firsts, seconds, strict=True) if a != b))
    pool = singles + doubles[: max(0, size - len(singles))]
    weights = 1.0 / np.arange(1, len(pool) + 1) ** 0.7
    # Single-character given names are about one name in six.
    weights[: len(singles)] *= 0.16 / weights[: len(singles)].sum()
    weights[len(singles) :] *= 0.84 / weights[len(singles) :].sum()
    return pool, weights / weights.sum()


# Mobile number prefixes (号段) in use, as phonenumbers validates them.
MOBILE_PREFIXES = [f"13{d}" for d in range(10)] + [f"15{d}" for d in (0, 1, 2, 3, 5, 6, 7, 8, 9)] + [
    f"18{d}" for d in range(10)
] + ["166", "176", "177", "178", "198", "199", "147"]  # fmt: skip


def mobile_numbers(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` Chinese mobile numbers (11 digits) with real prefixes."""
    prefixes = np.array(MOBILE_PREFIXES)[rng.integers(0, len(MOBILE_PREFIXES), size=n)]
    return [f"{p}{int(x):08d}" for p, x in zip(prefixes, rng.integers(0, 10**8, size=n), strict=True)]


def draw_names(rng: np.random.Generator, n: int) -> tuple[list[str], np.ndarray]:
    """``n`` Chinese names as (distinct names, index of each drawn name into them).

    Surnames by their real frequency, given names from a pool of common ones with Zipf-like
    popularity: at a million, about a quarter are distinct and 王伟 is found some 1,700 times.
    """
    surnames = list(SURNAMES)
    sur_w = np.array(list(SURNAMES.values()))
    given, given_w = _given_name_pool(6000)
    code = rng.choice(len(surnames), size=n, p=sur_w / sur_w.sum()).astype(np.int64) * len(given)
    code += rng.choice(len(given), size=n, p=given_w)
    uniq, inverse = np.unique(code, return_inverse=True)
    return [surnames[c // len(given)] + given[c % len(given)] for c in uniq.tolist()], inverse


# --- the generator -------------------------------------------------------------------------


def generate_master_data(
    tenant,
    doctors: int = 1_000_000,
    hospitals: int | None = None,
    territories: int | None = None,
    seed: int = 0,
    society_share: float = 0.03,
    analyze: bool = True,
) -> MasterData:
    """Write a realistic master-data set for ``tenant`` and return what was written.

    * ``hospitals`` (default: one per 200 doctors, at least 20) across the provinces and cities
      of :data:`CITIES`, with grades, types, beds; 8 to 20 standard departments each;
    * ``doctors`` with Chinese names drawn from real surname frequencies and a pool of common
      given names, pinyin keys, gender, clinical/academic title, post, university, graduation
      year, consent, channels, a phone number and an external id ``D<tenant>-<n>``; a doctor
      works in a hospital chosen by its size and one of its departments;
    * a territory tree: 7 regions > one district per province > ``territories`` leaf
      territories (default: one per 1,000 doctors), each leaf a set of hospitals of one
      province; every doctor is aligned (DoctorTerritory) to the leaf of their hospital;
    * society positions for ``society_share`` of the doctors (chiefs far more often).

    Runs in one transaction as the app role, under the tenant's row-level security. With
    ``analyze`` the touched tables are VACUUM ANALYZEd afterwards (through the owner connection:
    only a table's owner may), as autovacuum would have done on a live system.
    """
    from django.db import connection, transaction

    from crm.db.base import apply_tenant_settings
    from crm.tenancy import tenant_context

    rng = np.random.default_rng(seed)
    tenant_id = int(getattr(tenant, "pk", tenant))
    n_doctors = int(doctors)
    n_hospitals = int(hospitals if hospitals is not None else max(20, n_doctors // 200))
    n_leaves = int(territories if territories is not None else max(1, n_doctors // 1000))
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name):
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 2)
        clock = now

    # Hospitals: provinces weighted by their number of cities (a proxy for population).
    provinces = [p for ps in REGIONS.values() for p in ps]
    city_list = [(p, c) for p in provinces for c in CITIES[p]]
    city_w = np.array([3.0 if i == 0 else 1.0 for p in provinces for i, _ in enumerate(CITIES[p])])
    h_city = rng.choice(len(city_list), size=n_hospitals, p=city_w / city_w.sum())
    h_grade = rng.choice(len(GRADES), size=n_hospitals, p=GRADE_WEIGHTS)
    kind_w = np.array([k[1] for k in HOSPITAL_KINDS])
    h_kind = rng.choice(len(HOSPITAL_KINDS), size=n_hospitals, p=kind_w / kind_w.sum())
    # Community centres are grade 1 or ungraded.
    community = np.array([HOSPITAL_KINDS[k][0] == "community" for k in h_kind])
    h_grade[community] = np.where(rng.random(community.sum()) < 0.5, GRADES.index("1"), GRADES.index("NA"))
    order = np.lexsort((h_grade, h_kind, h_city))
    h_city, h_grade, h_kind = h_city[order], h_grade[order], h_kind[order]
    counters: dict[tuple[int, int], int] = {}
    h_name, h_prov, h_cityname, h_beds = [], [], [], []
    for city_idx, kind_idx, grade_idx in zip(h_city.tolist(), h_kind.tolist(), h_grade.tolist(), strict=True):
        n = counters[(city_idx, kind_idx)] = counters.get((city_idx, kind_idx), 0) + 1
        province, city = city_list[city_idx]
        h_prov.append(province)
        h_cityname.append(city)
        h_name.append(HOSPITAL_KINDS[kind_idx][2].format(city=city, n=n))
        h_beds.append(GRADE_BEDS[GRADES[grade_idx]])
    h_beds = (np.array(h_beds) * rng.uniform(0.6, 1.6, size=n_hospitals)).astype(np.int64)

    # Departments: 8-20 standard ones per hospital (bigger hospitals have more).
    from hospitals.models import STANDARD_DEPARTMENTS

    # The clinical departments a field team calls on (the dictionary's first 27; not the lab, radiology …).
    dept_codes = list(STANDARD_DEPARTMENTS)[:27]
    n_depts = np.clip((8 + h_beds // 150), 8, len(dept_codes)).astype(np.int64)
    n_depts = np.minimum(n_depts, 8 + rng.integers(0, 13, size=n_hospitals))
    d_hosp_idx = np.repeat(np.arange(n_hospitals), n_depts)
    d_code_idx = np.concatenate([rng.permutation(len(dept_codes))[:k] for k in n_depts.tolist()])
    d_offsets = np.concatenate([[0], np.cumsum(n_depts)[:-1]])

    # Doctors: hospital by size, department uniform within the hospital.
    doc_h = rng.choice(n_hospitals, size=n_doctors, p=h_beds / h_beds.sum())
    doc_h.sort()  # doctors of a hospital get neighbouring ids, as an import per hospital would
    doc_d = d_offsets[doc_h] + (rng.random(n_doctors) * n_depts[doc_h]).astype(np.int64)

    uniq_names, inverse = draw_names(rng, n_doctors)
    lap("draw")
    uniq_pinyin, uniq_initials = _pinyin_keys(uniq_names)
    lap("pinyin")
    names_arr = np.array(uniq_names, dtype=object)[inverse]
    pinyin_arr = np.array(uniq_pinyin, dtype=object)[inverse]
    initials_arr = np.array(uniq_initials, dtype=object)[inverse]

    title = rng.choice(len(TITLES), size=n_doctors, p=TITLE_WEIGHTS)
    grad = 2022 - np.array([28, 20, 12, 4])[title] - rng.integers(0, 10, size=n_doctors)
    academic = np.where(
        title == 0,
        rng.choice(["professor", "associate_professor", ""], size=n_doctors, p=[0.45, 0.25, 0.30]),
        np.where(
            title == 1, rng.choice(["associate_professor", "lecturer", ""], size=n_doctors, p=[0.3, 0.3, 0.4]), ""
        ),
    )
    post = np.where(
        title == 0,
        rng.choice(["director", "deputy_director", "ward_director", ""], size=n_doctors, p=[0.25, 0.2, 0.15, 0.4]),
        np.where(
            title == 1, rng.choice(["deputy_director", "ward_director", ""], size=n_doctors, p=[0.1, 0.1, 0.8]), ""
        ),
    )
    # Stored as the product stores phones: E.164 (hospitals.normalize.phone).
    phone = ["+86" + number for number in mobile_numbers(rng, n_doctors)]
    # Leaves per province by the province's share of doctors, at least one where there are any.
    prov_of_h = np.array([provinces.index(p) for p in h_prov])
    # Weight of a hospital in the territory split: its doctors (its beds when there are none).
    doc_per_h = np.bincount(doc_h, minlength=n_hospitals) if n_doctors else h_beds
    prov_docs = np.bincount(prov_of_h, weights=doc_per_h, minlength=len(provinces))
    n_leaves = max(n_leaves, int((prov_docs > 0).sum()))
    leaves_per_prov = np.floor(prov_docs / max(1, prov_docs.sum()) * n_leaves).astype(np.int64)
    leaves_per_prov[(prov_docs > 0) & (leaves_per_prov == 0)] = 1
    while leaves_per_prov.sum() > n_leaves:
        leaves_per_prov[leaves_per_prov.argmax()] -= 1
    leaves_per_prov[np.argmax(prov_docs)] += n_leaves - leaves_per_prov.sum()
    leaf_prov = np.repeat(np.arange(len(provinces)), leaves_per_prov)
    leaf_base = np.concatenate([[0], np.cumsum(leaves_per_prov)[:-1]])
    # Within a province, hospitals (sorted by city) fill its leaves in turn by doctor count.
    h_leaf = np.zeros(n_hospitals, dtype=np.int64)
    for p in np.flatnonzero(leaves_per_prov).tolist():
        members = np.flatnonzero(prov_of_h == p)
        share = (np.cumsum(doc_per_h[members]) - doc_per_h[members]) / max(1, doc_per_h[members].sum())
        h_leaf[members] = leaf_base[p] + np.minimum(
            (share * leaves_per_prov[p]).astype(np.int64), leaves_per_prov[p] - 1
        )
    lap("attributes")

    stats = {}
    with tenant_context(tenant_id), transaction.atomic():
        apply_tenant_settings(connection)
        cursor = connection.connection.cursor()
        # Territories: region > district (a province) > leaves split by hospital size.
        region_ids = _reserve_ids(cursor, "accounts_territory", len(REGIONS))
        prov_ids = _reserve_ids(cursor, "accounts_territory", len(provinces))
        leaf_ids = _reserve_ids(cursor, "accounts_territory", n_leaves)
        prov_region = {p: region_ids[i] for i, ps in enumerate(REGIONS.values()) for p in ps}
        t_rows = {
            "id": np.concatenate([region_ids, prov_ids, leaf_ids]),
            "name": list(REGIONS)
            + [f"{p}地区" for p in provinces]
            + [f"{provinces[leaf_prov[i]]}片区{i + 1:04d}" for i in range(n_leaves)],
            "code": [f"R-{REGION_CODES[r]}" for r in REGIONS]
            + [f"D-{i + 1:02d}" for i in range(len(provinces))]
            + [f"T-{i + 1:05d}" for i in range(n_leaves)],
            "level": ["region"] * len(REGIONS) + ["district"] * len(provinces) + ["territory"] * n_leaves,
            "parent_id": [None] * len(REGIONS)
            + [str(prov_region[p]) for p in provinces]
            + [str(prov_ids[leaf_prov[i]]) for i in range(n_leaves)],
        }
        t_rows["tenant_id"] = [str(tenant_id)] * len(t_rows["code"])
        _copy_insert(
            cursor,
            "accounts_territory",
            {
                "id": "bigint",
                "name": "text",
                "code": "text",
                "level": "text",
                "parent_id": "bigint",
                "tenant_id": "bigint",
            },
            t_rows,
        )
        lap("territories")

        hosp_ids = _reserve_ids(cursor, "hospitals_hospital", n_hospitals)
        stats["hospitals"] = _copy_insert(
            cursor,
            "hospitals_hospital",
            {
                "id": "bigint",
                "name": "text",
                "grade": "text",
                "type": "text",
                "province": "text",
                "city": "text",
                "beds": "integer",
                "annual_outpatients": "integer",
                "external_id": "text",
            },
            {
                "id": hosp_ids,
                "name": h_name,
                "grade": [GRADES[g] for g in h_grade.tolist()],
                "type": [HOSPITAL_KINDS[k][0] for k in h_kind.tolist()],
                "province": h_prov,
                "city": h_cityname,
                "beds": h_beds,
                "annual_outpatients": h_beds * 900,
                "external_id": [f"H{tenant_id}-{i + 1:06d}" for i in range(n_hospitals)],
            },
            {"tenant_id": str(tenant_id), "aliases": "'{}'", "district": "''", "address": "''"},
        )
        dept_ids = _reserve_ids(cursor, "hospitals_department", len(d_hosp_idx))
        stats["departments"] = _copy_insert(
            cursor,
            "hospitals_department",
            {"id": "bigint", "hospital_id": "bigint", "name": "text", "standard_code": "text"},
            {
                "id": dept_ids,
                "hospital_id": hosp_ids[d_hosp_idx],
                "name": [STANDARD_DEPARTMENTS[dept_codes[i]] for i in d_code_idx.tolist()],
                "standard_code": [dept_codes[i] for i in d_code_idx.tolist()],
            },
            {"tenant_id": str(tenant_id)},
        )
        lap("hospitals")

        doc_ids = _reserve_ids(cursor, "hospitals_doctor", n_doctors)
        stats["doctors"] = _copy_insert(
            cursor,
            "hospitals_doctor",
            {
                "id": "bigint",
                "name": "text",
                "name_pinyin": "text",
                "name_initials": "text",
                "gender": "text",
                "hospital_id": "bigint",
                "department_id": "bigint",
                "clinical_title": "text",
                "academic_title": "text",
                "admin_post": "text",
                "university": "text",
                "graduation_year": "smallint",
                "preferred_channels": "text",
                "consent_to_contact": "boolean",
                "phone": "text",
                "external_id": "text",
            },
            {
                "id": doc_ids,
                "name": names_arr.tolist(),
                "name_pinyin": pinyin_arr.tolist(),
                "name_initials": initials_arr.tolist(),
                "gender": np.where(rng.random(n_doctors) < 0.55, "M", "F"),
                "hospital_id": hosp_ids[doc_h],
                "department_id": dept_ids[doc_d],
                "clinical_title": np.array(TITLES)[title],
                "academic_title": academic,
                "admin_post": post,
                "university": np.array(UNIVERSITIES)[rng.integers(0, len(UNIVERSITIES), size=n_doctors)],
                "graduation_year": grad,
                "preferred_channels": np.array(CHANNEL_SETS)[rng.integers(0, len(CHANNEL_SETS), size=n_doctors)],
                "consent_to_contact": np.where(rng.random(n_doctors) < 0.6, "t", "f"),
                "phone": phone,
                "external_id": [f"D{tenant_id}-{i:07d}" for i in range(1, n_doctors + 1)],
            },
            {
                "tenant_id": str(tenant_id),
                "preferred_channels": "preferred_channels::varchar[]",
                "specialties": "'{}'",
                "background": "''",
                "interests": "''",
                "pain_points": "''",
                "wechat": "''",
                "email": "''",
                "phone_display": "''",
                "office_phone": "''",
                "office_phone_display": "''",
                "campus": "''",
                "is_active": "true",
                "created_at": "now()",
                "updated_at": "now()",
            },
        )
        lap("doctors")

        align_ids = _reserve_ids(cursor, "hospitals_doctorterritory", n_doctors)
        _copy_insert(
            cursor,
            "hospitals_doctorterritory",
            {"id": "bigint", "doctor_id": "bigint", "territory_id": "bigint"},
            {"id": align_ids, "doctor_id": doc_ids, "territory_id": leaf_ids[h_leaf[doc_h]]},
            {"tenant_id": str(tenant_id)},
        )
        lap("alignment")

        # Society positions: chiefs ten times as likely as residents.
        p_title = np.array([10.0, 4.0, 1.0, 0.2])[title]
        p_title *= society_share * n_doctors / max(p_title.sum(), 1.0)
        holders = np.flatnonzero(rng.random(n_doctors) < p_title)
        dept_of_holder = [dept_codes[d_code_idx[i]] for i in doc_d[holders].tolist()]
        national = rng.random(len(holders)) < 0.2
        society = [
            ("中华医学会" if nat else f"{h_prov[h]}医学会") + SOCIETIES.get(code, "全科医学分会")
            for nat, h, code in zip(national.tolist(), doc_h[holders].tolist(), dept_of_holder, strict=True)
        ]
        sp_ids = _reserve_ids(cursor, "hospitals_societyposition", len(holders))
        stats["society_positions"] = _copy_insert(
            cursor,
            "hospitals_societyposition",
            {
                "id": "bigint",
                "doctor_id": "bigint",
                "society": "text",
                "level": "text",
                "position": "text",
                "since": "smallint",
            },
            {
                "id": sp_ids,
                "doctor_id": doc_ids[holders],
                "society": society,
                "level": np.where(national, "national", "provincial"),
                "position": np.array(SOCIETY_ROLES)[
                    rng.choice(len(SOCIETY_ROLES), size=len(holders), p=SOCIETY_ROLE_WEIGHTS)
                ],
                "since": rng.integers(2005, 2024, size=len(holders)),
            },
            {"tenant_id": str(tenant_id)},
        )
        lap("society")
    lap("commit")
    if analyze:
        vacuum_analyze()
        lap("analyze")
    return MasterData(
        tenant_id=tenant_id,
        hospitals=stats["hospitals"],
        departments=stats["departments"],
        doctors=stats["doctors"],
        society_positions=stats["society_positions"],
        region_ids=region_ids.tolist(),
        district_ids=prov_ids.tolist(),
        territory_ids=leaf_ids.tolist(),
        seconds=timings,
    )


MASTER_TABLES = (
    "accounts_territory",
    "hospitals_hospital",
    "hospitals_department",
    "hospitals_doctor",
    "hospitals_doctorterritory",
    "hospitals_societyposition",
)


def vacuum_analyze(tables=MASTER_TABLES) -> None:
    """VACUUM ANALYZE ``tables`` through the owner connection (the app role may not)."""
    from django.db import connections

    owner = connections["owner"]
    owner.ensure_connection()
    # The raw connection: VACUUM cannot run in the implicit transaction that the tenant-aware
    # backend wraps around each autocommit statement.
    raw = owner.connection
    autocommit = raw.autocommit
    raw.autocommit = True
    try:
        with raw.cursor() as cursor:
            for table in tables:
                cursor.execute(f"VACUUM (ANALYZE) {table}")
    finally:
        raw.autocommit = autocommit


@contextlib.contextmanager
def bulk_load(tables=MASTER_TABLES):
    """Load faster: without the secondary indexes and foreign keys of ``tables`` meanwhile.

    PostgreSQL's "Populating a Database" advice: building an index once over the loaded rows
    is far cheaper than maintaining it row by row, and adding a foreign key checks all rows in
    one join instead of one trigger call per row. Run as the owner role (only the owner may
    alter a table), so for a database that nothing else uses meanwhile, such as the benchmark
    database. Primary keys and unique constraints stay; everything dropped is recreated from
    its own definition on the way out, even when the block fails, then the tables are
    VACUUM ANALYZEd. Wrap several :func:`generate_master_data` calls (``analyze=False``) in one
    ``bulk_load()`` to build each index once.
    """
    from django.db import connections

    owner = connections["owner"]
    owner.ensure_connection()
    raw = owner.connection
    autocommit = raw.autocommit
    raw.autocommit = True
    indexes, foreign_keys = [], []
    try:
        with raw.cursor() as cursor:
            for table in tables:
                # Non-unique secondary indexes only: unique ones (constraints or partial unique
                # indexes) keep validating the load as it goes.
                cursor.execute(
                    "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
                    "WHERE indrelid = %s::regclass AND NOT indisunique",
                    [table],
                )
                indexes += cursor.fetchall()
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'f'",
                    [table],
                )
                foreign_keys += [(table, name, definition) for name, definition in cursor.fetchall()]
            for table, name, _ in foreign_keys:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {name}")
        yield
    finally:
        with raw.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for _, definition in indexes:
                cursor.execute(definition)
            for table, name, definition in foreign_keys:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            cursor.execute("RESET maintenance_work_mem")
        raw.autocommit = autocommit
        vacuum_analyze(tables)
