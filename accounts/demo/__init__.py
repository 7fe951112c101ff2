"""Demo tenants, territories and one login per role (used by ``manage.py seed_demo``)."""

from accounts.auth import scope_for_tenant
from accounts.models import Role, Tenant, Territory, TerritoryAssignment, TerritoryLevel, User
from crm.tenancy import tenant_context

DEMO_PASSWORD = "Demo@2026"
PLATFORM_LOGIN = "platform"

TENANTS = [
    # (code, name, username prefix)
    ("huakang", "华康制药有限公司", "hk"),
    ("ruining", "瑞宁医疗器械有限公司", "rn"),
]

# (suffix, role, name) — one login per role in each tenant.
PEOPLE = [
    ("rep", Role.REP, "王磊"),
    ("rep2", Role.REP, "李娜"),
    ("rep3", Role.REP, "张敏"),
    ("drep", Role.DISTRIBUTOR_REP, "赵强"),
    ("manager", Role.MANAGER, "陈静"),
    ("pm", Role.PRODUCT_MANAGER, "刘洋"),
    ("medical", Role.MEDICAL_AFFAIRS, "孙敏"),
    ("compliance", Role.COMPLIANCE, "周婷"),
    ("qa", Role.QUALITY, "郑洁"),
    ("pv", Role.PHARMACOVIGILANCE, "冯涛"),
    ("admin", Role.TENANT_ADMIN, "吴刚"),
]

# (code, name, level, parent code)
TREE = [
    ("EAST", "华东大区", TerritoryLevel.REGION, None),
    ("SH", "上海地区", TerritoryLevel.DISTRICT, "EAST"),
    ("SH-PD", "浦东片区", TerritoryLevel.TERRITORY, "SH"),
    ("SH-XH", "徐汇片区", TerritoryLevel.TERRITORY, "SH"),
    ("JS", "江苏地区", TerritoryLevel.DISTRICT, "EAST"),
    ("JS-NJ", "南京片区", TerritoryLevel.TERRITORY, "JS"),
    ("NORTH", "华北大区", TerritoryLevel.REGION, None),
    ("BJ", "北京地区", TerritoryLevel.DISTRICT, "NORTH"),
    ("BJ-CY", "朝阳片区", TerritoryLevel.TERRITORY, "BJ"),
    ("BJ-HD", "海淀片区", TerritoryLevel.TERRITORY, "BJ"),
]

# (user suffix, territory code)
ASSIGNMENTS = [
    ("rep", "SH-PD"),
    ("rep", "SH-XH"),
    ("rep2", "BJ-CY"),
    ("rep3", "SH-XH"),  # a second rep in Xuhui (another product line)
    ("drep", "JS-NJ"),
    # The manager leads Shanghai and Jiangsu: 王磊, 张敏 and the distributor's rep 赵强 (agency model).
    ("manager", "SH"),
    ("manager", "JS"),
]


def _user(username, tenant=None, **fields):
    # Users are walled by tenant: a tenant's users are made in that tenant, platform staff
    # (no tenant) through the platform role.
    with scope_for_tenant(tenant.pk if tenant is not None else None):
        user, created = User.objects.get_or_create(username=username, defaults={"tenant": tenant, **fields})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
    return user


def seed(*, stdout=None) -> list[Tenant]:
    """Create what is missing of the demo tenants; return them."""
    _user(PLATFORM_LOGIN, name="平台运维", is_superuser=True, is_staff=True)
    tenants = []
    for code, name, prefix in TENANTS:
        tenant, _ = Tenant.objects.get_or_create(code=code, defaults={"name": name})
        tenants.append(tenant)
        users = {
            suffix: _user(f"{prefix}_{suffix}", tenant=tenant, role=role, name=person)
            for suffix, role, person in PEOPLE
        }
        with tenant_context(tenant):
            nodes = {}
            for tcode, tname, level, parent in TREE:
                nodes[tcode], _ = Territory.objects.get_or_create(
                    code=tcode, defaults={"name": tname, "level": level, "parent": nodes.get(parent)}
                )
            for suffix, tcode in ASSIGNMENTS:
                TerritoryAssignment.objects.get_or_create(user=users[suffix], territory=nodes[tcode])
        if stdout is not None:
            stdout.write(f"tenant {tenant.code}: {len(users)} users, {len(nodes)} territory nodes")
    return tenants


def login_lines() -> list[str]:
    """The demo logins, for the console after ``make run``."""
    lines = [f"  password for every demo login: {DEMO_PASSWORD}", f"  platform staff: {PLATFORM_LOGIN}"]
    for code, _name, prefix in TENANTS:
        lines.append(f"  {code}: " + ", ".join(f"{prefix}_{suffix} ({role})" for suffix, role, _ in PEOPLE))
    return lines
