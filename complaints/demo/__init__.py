"""Demo complaints for one tenant (``manage.py seed_demo``), through the product's services:

* a lot shipped to several hospitals with three packaging complaints on it — one closed (CAPA
  recorded, reply given, the rep's satisfaction follow-up planned), one under investigation,
  one new — so that its lot trace shows hospitals, the distributor and the complaints;
* an overdue serious adverse event (heard of in a visit 20 days ago, not yet reported);
* a closed delivery complaint with its reply, and a new service complaint.

Idempotent: a tenant that already has complaints recorded by phone is left as it is (the
visits demo's adverse-event signals have already become complaints through the visits hook).
"""

from __future__ import annotations

import datetime

from django.core.files.base import ContentFile
from django.db.models import Count
from django.utils import timezone

from accounts.models import Role, User
from complaints import services
from complaints.models import Complaint, ComplaintSLA, IntakeChannel
from hospitals.models import Shipment
from hospitals.selectors import visible_doctors

DEMO_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _user(tenant, role):
    return User.objects.in_tenant(tenant).filter(role=role, is_active=True).order_by("pk").first()


def seed(*, tenant, stdout=None) -> None:
    """Create the demo complaints of ``tenant`` (see the module docstring)."""
    if Complaint.objects.for_tenant(tenant).filter(channel=IntakeChannel.PHONE).exists():
        return
    rep, qa, pv = _user(tenant, Role.REP), _user(tenant, Role.QUALITY), _user(tenant, Role.PHARMACOVIGILANCE)
    admin = _user(tenant, Role.TENANT_ADMIN)
    if not (rep and admin):
        return
    qa, pv = qa or admin, pv or admin
    doctors = list(visible_doctors(tenant=tenant, user=rep).select_related("hospital").order_by("pk")[:50])
    if not doctors:
        return
    today = timezone.localdate()
    hospital_ids = {d.hospital_id for d in doctors}
    lot_row = (
        Shipment.objects.for_tenant(tenant)
        .filter(hospital_id__in=hospital_ids)
        .values("lot_number", "product_id")
        .annotate(n=Count("hospital_id", distinct=True))
        .order_by("-n", "lot_number")
        .first()
    )
    lot, product = (lot_row["lot_number"], lot_row["product_id"]) if lot_row else ("DEMO-LOT-1", None)
    receivers = list(
        Shipment.objects.for_tenant(tenant).filter(lot_number=lot).values_list("hospital_id", flat=True).distinct()
    )
    by_hospital = {d.hospital_id: d for d in doctors}
    targets = [by_hospital.get(h) for h in receivers if h in by_hospital] or doctors[:1]
    first = targets[0]
    complaints = []
    for i, text in enumerate(["铝箔泡罩封口破损，药片受潮", "外盒印刷批号模糊", "铝箔破损，一盒中两板漏气"]):
        doctor = targets[i % len(targets)]
        complaints.append(
            services.complaint_create(
                tenant=tenant, by=rep, type="quality", defect="packaging", severity="low",
                reporter_kind="hospital", hospital=doctor.hospital_id, doctor=doctor.pk, product=product,
                lot_number=lot, quantity=2 + i, description=text, title=text[:40],
                contact_name="药剂科主任", contact_phone=f"021-5555000{i}",
                aware_on=today - datetime.timedelta(days=25 - 8 * i),
            )
        )  # fmt: skip
    closed, investigating, _new = complaints
    services.complaint_triage(tenant=tenant, by=qa, complaint=closed, note="已电话确认")
    services.complaint_start_investigation(tenant=tenant, by=qa, complaint=closed)
    services.complaint_investigation_record(
        tenant=tenant, by=qa, complaint=closed, root_cause="packaging", findings="热封温度偏低导致封口不严",
        capa_ref="CAPA-DEMO-001", lot_affected=True, decision="replace",
    )  # fmt: skip
    services.complaint_resolve(tenant=tenant, by=qa, complaint=closed)
    services.complaint_reply(
        tenant=tenant, by=qa, complaint=closed, channel="phone", replied_on=today - datetime.timedelta(days=2),
        text="已查明为热封工序问题，已更换同批次产品并完成纠正预防措施。",
    )  # fmt: skip
    services.complaint_close(tenant=tenant, by=qa, complaint=closed)
    services.attachment_add(
        tenant=tenant, by=rep, complaint=investigating,
        upload=ContentFile(DEMO_PDF, name="药剂科照片说明.pdf"),
    )  # fmt: skip
    services.complaint_triage(tenant=tenant, by=qa, complaint=investigating)
    services.complaint_start_investigation(tenant=tenant, by=qa, complaint=investigating)

    ae_doctor = doctors[min(3, len(doctors) - 1)]
    services.complaint_create(
        tenant=tenant, by=rep, type="adverse_event", severity="high", reporter_kind="doctor", doctor=ae_doctor.pk,
        product=product, lot_number=lot, description="患者用药后出现严重皮疹并住院治疗",
        pv_narrative="65岁男性，服药第3天出现全身皮疹，住院治疗5天后好转。", title="严重皮疹住院",
        aware_on=today - datetime.timedelta(days=20),
    )  # fmt: skip
    delivery = services.complaint_create(
        tenant=tenant, by=rep, type="delivery", severity="low", reporter_kind="hospital",
        hospital=first.hospital_id, doctor=first.pk, description="配送延迟三天，药房断货", title="配送延迟",
        aware_on=today - datetime.timedelta(days=12),
    )  # fmt: skip
    for step in (services.complaint_triage, services.complaint_resolve):
        step(tenant=tenant, by=admin, complaint=delivery)
    services.complaint_reply(
        tenant=tenant, by=admin, complaint=delivery, channel="visit", replied_on=today - datetime.timedelta(days=5),
        text="已与配送商协调加急补货，并调整配送周期。",
    )  # fmt: skip
    services.complaint_close(tenant=tenant, by=admin, complaint=delivery)
    services.complaint_create(
        tenant=tenant, by=rep, type="service", severity="low", reporter_kind="doctor", doctor=doctors[-1].pk,
        description="学术资料未按约送达", title="资料未送达",
    )  # fmt: skip
    # The tenant's own rule: delivery complaints closed within 3 working days when major.
    ComplaintSLA.objects.get_or_create(
        tenant_id=getattr(tenant, "pk", tenant), type="delivery", severity="high", clock="closure",
        defaults={"days": 3, "working_days": True, "remind_days": 1},
    )  # fmt: skip
    # This morning's clock job: reminders, the escalation digest, and the overdue serious adverse event
    # escalated on its own (urgent: never only counted in the digest).
    services.complaint_reminders(tenant=tenant, now=timezone.now(), day=today)
    if stdout is not None:
        stdout.write(f"tenant {getattr(tenant, 'code', tenant)}: demo complaints on lot {lot}")
