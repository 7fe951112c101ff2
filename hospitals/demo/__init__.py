"""Demo master data for one tenant (``manage.py seed_demo``): hospitals, departments, ~3,000
doctors with society posts and a network, alignment to the demo territories, distributors with
coverage, agreements and staff, products with key messages and competitors, 12 months of usage
share and 24 months of sales and shipments with lot numbers.

Deterministic (Faker zh_CN and ``random`` seeded from the tenant code) and idempotent: the
second run finds the demo hospitals and adds nothing. Fast: every table is written with
``bulk_create`` (doctors' pinyin keys filled here with hospitals.pinyin), a few seconds a tenant.

A package: ``data`` (the demo world), ``people`` (hospitals, doctors, network), ``trade``
(products, distributors, sales), ``experts`` (the expert database), ``bulk`` (fast inserts).
"""

from __future__ import annotations

import random
import zlib

from django.utils import timezone
from faker import Faker

from hospitals.demo.bulk import _insert, _month  # noqa: F401  (visits' demo data writes with them)
from hospitals.demo.data import MARKER_PREFIX
from hospitals.demo.experts import ExpertSeeder
from hospitals.demo.people import PeopleSeeder
from hospitals.demo.trade import TradeSeeder
from hospitals.models import Doctor, Hospital


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


class _Seeder(PeopleSeeder, TradeSeeder, ExpertSeeder):
    """Writes the demo master data of one tenant, table by table (people.py, trade.py)."""

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
        self.experts()
        return self.counts
