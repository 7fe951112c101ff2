"""Writes of master data: one function per use case, each atomic and validated.

Every function takes ``tenant`` first and the acting user as ``by``, validates with
``full_clean`` (a foreign key to another tenant's row is "Select a valid choice.", see
:meth:`crm.models.TenantModel.check_tenant_references`) and raises Django's
``ValidationError`` with translatable messages, which the API turns into a 400.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, TerritoryLevel
from crm.tenancy import tenant_id_of
from hospitals.models import (
    AgreementProduct,
    Department,
    Distributor,
    DistributorAgreement,
    DistributorCoverage,
    DistributorStaff,
    Doctor,
    DoctorRelation,
    DoctorTerritory,
    Hospital,
    KeyMessage,
    Product,
    ProductCompetitor,
    RelationKind,
    SalesRecord,
    Shipment,
    SocietyPosition,
    UsageShare,
)

# Kinds of relation that read the same both ways: stored once, lower doctor id first.
SYMMETRIC_RELATIONS = frozenset({RelationKind.CLASSMATE, RelationKind.COAUTHOR, RelationKind.COLLEAGUE})

# What field staff (reps, managers) may change on a doctor: what they learn in the field.
DOCTOR_PROFILE_FIELDS = frozenset(
    {"background", "interests", "pain_points", "preferred_channels", "consent_to_contact", "consent_date"}
)

HOSPITAL_FIELDS = frozenset(
    {"name", "aliases", "grade", "type", "province", "city", "district", "address", "beds", "annual_outpatients"}
    | {"external_id"}
)
DEPARTMENT_FIELDS = frozenset({"hospital", "name", "standard_code"})
DOCTOR_FIELDS = (
    frozenset(
        {
            "name",
            "gender",
            "hospital",
            "department",
            "clinical_title",
            "academic_title",
            "admin_post",
            "specialties",
            "university",
            "graduation_year",
            "phone",
            "office_phone",
            "wechat",
            "email",
            "campus",
            "external_id",
            "is_active",
        }
    )
    | DOCTOR_PROFILE_FIELDS
)
SOCIETY_FIELDS = frozenset({"doctor", "society", "level", "position", "since"})
RELATION_FIELDS = frozenset({"from_doctor", "to_doctor", "kind", "strength", "source"})
DISTRIBUTOR_FIELDS = frozenset({"name", "kind", "licence_no", "regions", "status", "external_id"})
STAFF_FIELDS = frozenset({"user", "distributor"})
COVERAGE_FIELDS = frozenset({"distributor", "hospital", "product", "since", "until"})
AGREEMENT_FIELDS = frozenset({"distributor", "number", "territory", "start", "end", "target_value", "status"})
PRODUCT_FIELDS = frozenset({"name", "generic_name", "therapeutic_area", "is_own", "company", "is_active"})
KEY_MESSAGE_FIELDS = frozenset({"product", "text", "order", "is_active"})
USAGE_FIELDS = frozenset({"doctor", "product", "period", "volume", "share"})
SALES_FIELDS = frozenset(
    {
        "distributor",
        "hospital",
        "product",
        "month",
        "sell_in_units",
        "sell_in_value",
        "sell_out_units",
        "sell_out_value",
    }
)
SHIPMENT_FIELDS = frozenset(
    {"distributor", "hospital", "product", "lot_number", "quantity", "shipped_on", "expiry_date"}
)


def _assign(obj, fields: dict, allowed: frozenset):
    """Set ``fields`` on ``obj`` (a foreign key as object or ``<name>_id``); a field outside
    ``allowed`` is a programming error."""
    unknown = {name for name in fields if name not in allowed and name.removesuffix("_id") not in allowed}
    if unknown:
        raise TypeError(f"{type(obj).__name__}: fields not allowed here: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(obj, name, value)
    return obj


def _same_tenant(tenant, obj):
    """Refuse to touch a row of another tenant (a caller bug; the API never gets here)."""
    if obj.tenant_id != tenant_id_of(tenant):
        raise ValidationError(_("Not found."))


def _save(obj, *, by=None, check=None):
    """Validate and save ``obj``: references first (another tenant's row is an invalid choice),
    then the use case's own ``check(obj)``, then the model's validation."""
    obj.check_tenant_references()
    if check is not None:
        check(obj)
    obj.full_clean()
    if by is not None and hasattr(type(obj), "history"):
        obj._history_user = by  # simple-history: who made the change
    obj.save()
    return obj


def _refresh_level(tenant, doctor_id):
    """Re-derive one doctor's academic level after a change of their posts or titles."""
    from hospitals import academic

    academic.academic_levels_refresh(tenant=tenant, doctor_ids=[doctor_id])


def _first_of_month(value):
    if isinstance(value, datetime.date):
        return value.replace(day=1)
    return value


@transaction.atomic
def record_delete(*, tenant, by, obj) -> None:
    """Delete a master-data row; a row still referenced (e.g. a hospital with sales) is refused."""
    _same_tenant(tenant, obj)
    try:
        obj.delete()
    except ProtectedError as exc:
        raise ValidationError(_("This record is still in use and cannot be deleted.")) from exc
    if isinstance(obj, SocietyPosition):
        _refresh_level(tenant, obj.doctor_id)


# --- hospitals and departments -------------------------------------------------------------


@transaction.atomic
def hospital_create(*, tenant, by, **fields) -> Hospital:
    """Add a hospital (name unique in the tenant; external id unique when given)."""
    return _save(_assign(Hospital(tenant_id=tenant_id_of(tenant)), fields, HOSPITAL_FIELDS))


@transaction.atomic
def hospital_update(*, tenant, by, hospital, **fields) -> Hospital:
    """Change a hospital's data."""
    _same_tenant(tenant, hospital)
    return _save(_assign(hospital, fields, HOSPITAL_FIELDS))


@transaction.atomic
def hospital_deactivate(*, tenant, by, hospital, on=None) -> Hospital:
    """A hospital closed or merged: its doctors are marked inactive and its distributor coverage ends.

    The hospital row stays (sales, shipments and history refer to it).
    """
    _same_tenant(tenant, hospital)
    on = on or timezone.localdate()
    for doctor in Doctor.objects.for_tenant(tenant).filter(hospital=hospital, is_active=True):
        doctor_deactivate(tenant=tenant, by=by, doctor=doctor)
    DistributorCoverage.objects.for_tenant(tenant).filter(hospital=hospital, until__isnull=True).update(until=on)
    DistributorCoverage.objects.for_tenant(tenant).filter(hospital=hospital, until__gt=on).update(until=on)
    return hospital


@transaction.atomic
def department_create(*, tenant, by, **fields) -> Department:
    """Add a department to a hospital (a standard one, or a custom one without standard code)."""
    return _save(_assign(Department(tenant_id=tenant_id_of(tenant)), fields, DEPARTMENT_FIELDS))


@transaction.atomic
def department_update(*, tenant, by, department, **fields) -> Department:
    """Rename a department or change its standard code (it stays in its hospital)."""
    _same_tenant(tenant, department)
    if "hospital" in fields and fields["hospital"] != department.hospital:
        raise ValidationError({"hospital": _("A department cannot move to another hospital.")})
    return _save(_assign(department, fields, DEPARTMENT_FIELDS))


# --- doctors -------------------------------------------------------------------------------


def _check_doctor(doctor: Doctor):
    if doctor.department_id and doctor.hospital_id and doctor.department.hospital_id != doctor.hospital_id:
        raise ValidationError({"department": _("This department belongs to another hospital.")})
    if doctor.consent_to_contact and doctor.consent_date is None:
        doctor.consent_date = timezone.localdate()
    if not doctor.consent_to_contact:
        doctor.consent_date = None


@transaction.atomic
def doctor_create(*, tenant, by, **fields) -> Doctor:
    """Add a doctor (HCP); the department, if any, must be of the doctor's hospital."""
    doctor = _assign(Doctor(tenant_id=tenant_id_of(tenant)), fields, DOCTOR_FIELDS)
    return _save(doctor, by=by, check=_check_doctor)


@transaction.atomic
def doctor_update(*, tenant, by, doctor, **fields) -> Doctor:
    """Change any of a doctor's data (administrators); the change is kept in the doctor's history.

    Giving consent without a date records today; withdrawing it clears the date.
    """
    _same_tenant(tenant, doctor)
    _assign(doctor, fields, DOCTOR_FIELDS)
    _save(doctor, by=by, check=_check_doctor)
    if {"clinical_title", "academic_title"} & set(fields):
        _refresh_level(tenant, doctor.pk)
    return doctor


@transaction.atomic
def doctor_profile_update(*, tenant, by, doctor, **fields) -> Doctor:
    """What a rep or manager learns in the field: background, interests, pain points, channels, consent."""
    _same_tenant(tenant, doctor)
    _assign(doctor, fields, DOCTOR_PROFILE_FIELDS)
    return _save(doctor, by=by, check=_check_doctor)


@transaction.atomic
def doctor_deactivate(*, tenant, by, doctor) -> Doctor:
    """The doctor no longer practises (or left): hidden from active lists, kept with their history."""
    _same_tenant(tenant, doctor)
    if doctor.is_active:
        doctor.is_active = False
        _save(doctor, by=by)
    return doctor


@transaction.atomic
def society_position_create(*, tenant, by, **fields) -> SocietyPosition:
    """Record a doctor's post in an academic society (one post per doctor and society)."""
    position = _assign(SocietyPosition(tenant_id=tenant_id_of(tenant)), fields, SOCIETY_FIELDS)
    _check_unique(
        SocietyPosition.objects.for_tenant(tenant).filter(doctor=position.doctor_id, society=position.society),
        position,
        {"society": _("This doctor already has a position in this society.")},
    )
    _save(position)
    _refresh_level(tenant, position.doctor_id)
    return position


@transaction.atomic
def society_position_update(*, tenant, by, society_position, **fields) -> SocietyPosition:
    """Change a society post (position, level, since). The row is ``society_position``: one of
    its fields is called ``position``."""
    _same_tenant(tenant, society_position)
    _assign(society_position, fields, SOCIETY_FIELDS)
    _check_unique(
        SocietyPosition.objects.for_tenant(tenant).filter(
            doctor=society_position.doctor_id, society=society_position.society
        ),
        society_position,
        {"society": _("This doctor already has a position in this society.")},
    )
    _save(society_position)
    _refresh_level(tenant, society_position.doctor_id)
    return society_position


def _check_unique(queryset, obj, message):
    if queryset.exclude(pk=obj.pk).exists():
        raise ValidationError(message)


def _normalise_relation(relation: DoctorRelation):
    if relation.from_doctor_id and relation.from_doctor_id == relation.to_doctor_id:
        raise ValidationError({"to_doctor": _("A doctor cannot be related to themselves.")})
    if relation.kind in SYMMETRIC_RELATIONS and relation.from_doctor_id > relation.to_doctor_id:
        relation.from_doctor_id, relation.to_doctor_id = relation.to_doctor_id, relation.from_doctor_id


def _check_relation_unique(tenant, relation: DoctorRelation):
    pairs = DoctorRelation.objects.for_tenant(tenant).filter(
        from_doctor=relation.from_doctor_id, to_doctor=relation.to_doctor_id, kind=relation.kind
    )
    _check_unique(pairs, relation, {"to_doctor": _("These two doctors already have this relation.")})


@transaction.atomic
def doctor_relation_create(*, tenant, by, **fields) -> DoctorRelation:
    """Connect two doctors (classmate, mentor of, refers to, co-author, colleague).

    Symmetric kinds (classmate, co-author, colleague) are stored once, with the lower doctor
    id first, so A–B and B–A are the same relation.
    """
    relation = _assign(DoctorRelation(tenant_id=tenant_id_of(tenant)), fields, RELATION_FIELDS)
    if not relation.from_doctor_id or not relation.to_doctor_id:
        raise ValidationError(_("Choose both doctors."))
    _normalise_relation(relation)
    _check_relation_unique(tenant, relation)
    return _save(relation)


@transaction.atomic
def doctor_relation_update(*, tenant, by, relation, **fields) -> DoctorRelation:
    """Change a relation (kind, strength, source, or its doctors)."""
    _same_tenant(tenant, relation)
    _assign(relation, fields, RELATION_FIELDS)
    _normalise_relation(relation)
    _check_relation_unique(tenant, relation)
    return _save(relation)


def _check_leaf(territory):
    if territory is not None and territory.level != TerritoryLevel.TERRITORY:
        raise ValidationError({"territory": _("Doctors are aligned to territories, not to regions or districts.")})


@transaction.atomic
def doctor_align(*, tenant, by, doctor, territory) -> DoctorTerritory:
    """Align a doctor to a (leaf) territory: its reps will see and cover the doctor."""
    link = DoctorTerritory(tenant_id=tenant_id_of(tenant), doctor=doctor, territory=territory)
    _check_leaf(territory)
    _check_unique(
        DoctorTerritory.objects.for_tenant(tenant).filter(doctor=doctor, territory=territory),
        link,
        {"territory": _("This doctor is already aligned to this territory.")},
    )
    return _save(link)


@transaction.atomic
def doctor_alignment_update(*, tenant, by, alignment, doctor=None, territory=None) -> DoctorTerritory:
    """Move an alignment to another territory (or doctor)."""
    _same_tenant(tenant, alignment)
    if doctor is not None:
        alignment.doctor = doctor
    if territory is not None:
        alignment.territory = territory
    _check_leaf(alignment.territory)
    _check_unique(
        DoctorTerritory.objects.for_tenant(tenant).filter(doctor=alignment.doctor, territory=alignment.territory),
        alignment,
        {"territory": _("This doctor is already aligned to this territory.")},
    )
    return _save(alignment)


# --- distributors --------------------------------------------------------------------------


@transaction.atomic
def distributor_create(*, tenant, by, **fields) -> Distributor:
    """Add a distributor (配送商/代理商/经销商)."""
    return _save(_assign(Distributor(tenant_id=tenant_id_of(tenant)), fields, DISTRIBUTOR_FIELDS))


@transaction.atomic
def distributor_update(*, tenant, by, distributor, **fields) -> Distributor:
    """Change a distributor's data or status."""
    _same_tenant(tenant, distributor)
    return _save(_assign(distributor, fields, DISTRIBUTOR_FIELDS))


def _check_staff(tenant, staff: DistributorStaff):
    user = staff.user
    if user is None or user.tenant_id != tenant_id_of(tenant):
        raise ValidationError({"user": _("Select a valid choice.")})
    if user.role != Role.DISTRIBUTOR_REP:
        raise ValidationError({"user": _("Only users with the role distributor clinical rep work for a distributor.")})
    _check_unique(
        DistributorStaff.objects.for_tenant(tenant).filter(user=user),
        staff,
        {"user": _("This user already works for a distributor.")},
    )


@transaction.atomic
def distributor_staff_create(*, tenant, by, user, distributor) -> DistributorStaff:
    """Record that a distributor rep works for ``distributor`` (one distributor per user)."""
    staff = DistributorStaff(tenant_id=tenant_id_of(tenant), user=user, distributor=distributor)
    _check_staff(tenant, staff)
    return _save(staff)


@transaction.atomic
def distributor_staff_update(*, tenant, by, staff, **fields) -> DistributorStaff:
    """Move a distributor rep to another distributor."""
    _same_tenant(tenant, staff)
    _assign(staff, fields, STAFF_FIELDS)
    _check_staff(tenant, staff)
    return _save(staff)


def _check_coverage(tenant, coverage: DistributorCoverage):
    if coverage.since and coverage.until and coverage.until < coverage.since:
        raise ValidationError({"until": _("The end date is before the start date.")})
    _check_unique(
        DistributorCoverage.objects.for_tenant(tenant).filter(
            distributor=coverage.distributor_id, hospital=coverage.hospital_id, product=coverage.product_id
        ),
        coverage,
        {"hospital": _("This distributor already covers this hospital for this product.")},
    )


@transaction.atomic
def distributor_coverage_create(*, tenant, by, **fields) -> DistributorCoverage:
    """A distributor serves a hospital, for one product or (no product) for all."""
    coverage = _assign(DistributorCoverage(tenant_id=tenant_id_of(tenant)), fields, COVERAGE_FIELDS)
    _check_coverage(tenant, coverage)
    return _save(coverage)


@transaction.atomic
def distributor_coverage_update(*, tenant, by, coverage, **fields) -> DistributorCoverage:
    """Change a coverage's period or product (ending it: set ``until``)."""
    _same_tenant(tenant, coverage)
    _assign(coverage, fields, COVERAGE_FIELDS)
    _check_coverage(tenant, coverage)
    return _save(coverage)


def _check_own_products(products, field="products"):
    for product in products:
        if not product.is_own:
            raise ValidationError({field: _("%(product)s is not one of our products.") % {"product": product.name}})


def _set_agreement_products(tenant, agreement, products):
    products = list(dict.fromkeys(products))
    _check_own_products(products)
    AgreementProduct.objects.for_tenant(tenant).filter(agreement=agreement).exclude(product__in=products).delete()
    existing = set(
        AgreementProduct.objects.for_tenant(tenant).filter(agreement=agreement).values_list("product_id", flat=True)
    )
    for product in products:
        if product.pk not in existing:
            _save(AgreementProduct(tenant_id=tenant_id_of(tenant), agreement=agreement, product=product))


def _check_agreement(agreement):
    # The territory may be a region, a district or one territory: agreements cover any of them.
    if agreement.start and agreement.end and agreement.end < agreement.start:
        raise ValidationError({"end": _("The end date is before the start date.")})


@transaction.atomic
def distributor_agreement_create(*, tenant, by, products=(), **fields) -> DistributorAgreement:
    """A distribution agreement: distributor, number, products, territory, period, target, status."""
    agreement = _assign(DistributorAgreement(tenant_id=tenant_id_of(tenant)), fields, AGREEMENT_FIELDS)
    _check_agreement(agreement)
    _check_unique(
        DistributorAgreement.objects.for_tenant(tenant).filter(number=agreement.number),
        agreement,
        {"number": _("An agreement with this number already exists.")},
    )
    _save(agreement)
    _set_agreement_products(tenant, agreement, products)
    return agreement


@transaction.atomic
def distributor_agreement_update(*, tenant, by, agreement, products=None, **fields) -> DistributorAgreement:
    """Change an agreement; ``products`` (when given) replaces its product list."""
    _same_tenant(tenant, agreement)
    _assign(agreement, fields, AGREEMENT_FIELDS)
    _check_agreement(agreement)
    _check_unique(
        DistributorAgreement.objects.for_tenant(tenant).filter(number=agreement.number),
        agreement,
        {"number": _("An agreement with this number already exists.")},
    )
    _save(agreement)
    if products is not None:
        _set_agreement_products(tenant, agreement, products)
    return agreement


# --- products ------------------------------------------------------------------------------


def _set_competitors(tenant, product, competitors):
    competitors = list(dict.fromkeys(competitors))
    if competitors and not product.is_own:
        raise ValidationError({"competitors": _("Only our own products have competitors listed.")})
    for competitor in competitors:
        if competitor.pk == product.pk:
            raise ValidationError({"competitors": _("A product cannot compete with itself.")})
        if competitor.is_own:
            raise ValidationError(
                {"competitors": _("%(product)s is one of our products, not a competitor's.") % {"product": competitor}}
            )
    links = ProductCompetitor.objects.for_tenant(tenant).filter(product=product)
    links.exclude(competitor__in=competitors).delete()
    existing = set(links.values_list("competitor_id", flat=True))
    for competitor in competitors:
        if competitor.pk not in existing:
            _save(ProductCompetitor(tenant_id=tenant_id_of(tenant), product=product, competitor=competitor))


@transaction.atomic
def product_create(*, tenant, by, competitors=(), **fields) -> Product:
    """Add a product, ours or a competitor's; our products list their competitors."""
    product = _assign(Product(tenant_id=tenant_id_of(tenant)), fields, PRODUCT_FIELDS)
    _check_unique(
        Product.objects.for_tenant(tenant).filter(name=product.name),
        product,
        {"name": _("A product with this name already exists.")},
    )
    _save(product)
    _set_competitors(tenant, product, competitors)
    return product


@transaction.atomic
def product_update(*, tenant, by, product, competitors=None, **fields) -> Product:
    """Change a product; ``competitors`` (when given) replaces its competitor list."""
    _same_tenant(tenant, product)
    was_own = product.is_own
    _assign(product, fields, PRODUCT_FIELDS)
    _check_unique(
        Product.objects.for_tenant(tenant).filter(name=product.name),
        product,
        {"name": _("A product with this name already exists.")},
    )
    if was_own and not product.is_own and competitors is None:
        competitors = []
    if (
        not was_own
        and product.is_own
        and ProductCompetitor.objects.for_tenant(tenant).filter(competitor=product).exists()
    ):
        raise ValidationError({"is_own": _("This product is listed as a competitor of one of our products.")})
    _save(product)
    if competitors is not None:
        _set_competitors(tenant, product, competitors)
    return product


def _check_key_message(message):
    if message.product_id and not message.product.is_own:
        raise ValidationError({"product": _("Key messages are for our own products.")})


@transaction.atomic
def key_message_create(*, tenant, by, **fields) -> KeyMessage:
    """Add an approved key message to one of our products."""
    message = _assign(KeyMessage(tenant_id=tenant_id_of(tenant)), fields, KEY_MESSAGE_FIELDS)
    return _save(message, check=_check_key_message)


@transaction.atomic
def key_message_update(*, tenant, by, message, **fields) -> KeyMessage:
    """Change a key message's text, order or approval."""
    _same_tenant(tenant, message)
    _assign(message, fields, KEY_MESSAGE_FIELDS)
    return _save(message, check=_check_key_message)


# --- usage share, sales, shipments ---------------------------------------------------------


def _check_usage(tenant, usage):
    usage.period = _first_of_month(usage.period)
    _check_unique(
        UsageShare.objects.for_tenant(tenant).filter(
            doctor=usage.doctor_id, product=usage.product_id, period=usage.period
        ),
        usage,
        {"period": _("This doctor already has usage of this product for this month.")},
    )


@transaction.atomic
def usage_share_create(*, tenant, by, **fields) -> UsageShare:
    """Record a doctor's monthly use of a product (ours or a competitor's): volume and share (0–100 %).

    The period is stored as the first day of its month.
    """
    usage = _assign(UsageShare(tenant_id=tenant_id_of(tenant)), fields, USAGE_FIELDS)
    _check_usage(tenant, usage)
    return _save(usage)


@transaction.atomic
def usage_share_update(*, tenant, by, usage, **fields) -> UsageShare:
    """Correct a usage share row."""
    _same_tenant(tenant, usage)
    _assign(usage, fields, USAGE_FIELDS)
    _check_usage(tenant, usage)
    return _save(usage)


def _check_sales(tenant, record):
    record.month = _first_of_month(record.month)
    _check_unique(
        SalesRecord.objects.for_tenant(tenant).filter(
            distributor=record.distributor_id,
            hospital=record.hospital_id,
            product=record.product_id,
            month=record.month,
        ),
        record,
        {"month": _("Sales of this product by this distributor to this hospital are already recorded for this month.")},
    )


@transaction.atomic
def sales_record_create(*, tenant, by, **fields) -> SalesRecord:
    """Record a month's sell-in and sell-out (units and value) by distributor, hospital and product.

    Negative units are returns. The month is stored as its first day.
    """
    record = _assign(SalesRecord(tenant_id=tenant_id_of(tenant)), fields, SALES_FIELDS)
    _check_sales(tenant, record)
    return _save(record)


@transaction.atomic
def sales_record_update(*, tenant, by, record, **fields) -> SalesRecord:
    """Correct a sales record."""
    _same_tenant(tenant, record)
    _assign(record, fields, SALES_FIELDS)
    _check_sales(tenant, record)
    return _save(record)


def _check_shipment(shipment):
    if shipment.quantity is not None and shipment.quantity <= 0:
        raise ValidationError({"quantity": _("A shipment has at least one unit.")})
    if shipment.expiry_date and shipment.shipped_on and shipment.expiry_date < shipment.shipped_on:
        raise ValidationError({"expiry_date": _("The lot expired before it was shipped.")})
    shipment.lot_number = (shipment.lot_number or "").strip()


@transaction.atomic
def shipment_create(*, tenant, by, **fields) -> Shipment:
    """Record a shipment of one lot from a distributor to a hospital (for complaint lot trace)."""
    shipment = _assign(Shipment(tenant_id=tenant_id_of(tenant)), fields, SHIPMENT_FIELDS)
    _check_shipment(shipment)
    return _save(shipment)


@transaction.atomic
def shipment_update(*, tenant, by, shipment, **fields) -> Shipment:
    """Correct a shipment."""
    _same_tenant(tenant, shipment)
    _assign(shipment, fields, SHIPMENT_FIELDS)
    _check_shipment(shipment)
    return _save(shipment)


# --- the same checks for Django admin ------------------------------------------------------


def _check_society(tenant, position):
    _check_unique(
        SocietyPosition.objects.for_tenant(tenant).filter(doctor=position.doctor_id, society=position.society),
        position,
        {"society": _("This doctor already has a position in this society.")},
    )


def _check_relation(tenant, relation):
    _normalise_relation(relation)
    _check_relation_unique(tenant, relation)


def _check_competitor(tenant, link):
    if not link.product.is_own:
        raise ValidationError({"product": _("Only our own products have competitors listed.")})
    if link.competitor.is_own:
        raise ValidationError(
            {"competitor": _("%(product)s is one of our products, not a competitor's.") % {"product": link.competitor}}
        )


_CHECKS = {
    Doctor: lambda tenant, obj: _check_doctor(obj),
    SocietyPosition: _check_society,
    DoctorRelation: _check_relation,
    DoctorTerritory: lambda tenant, obj: _check_leaf(obj.territory),
    DistributorStaff: _check_staff,
    DistributorCoverage: _check_coverage,
    DistributorAgreement: lambda tenant, obj: _check_agreement(obj),
    AgreementProduct: lambda tenant, obj: _check_own_products([obj.product], field="product"),
    ProductCompetitor: _check_competitor,
    KeyMessage: lambda tenant, obj: _check_key_message(obj),
    UsageShare: _check_usage,
    SalesRecord: _check_sales,
    Shipment: lambda tenant, obj: _check_shipment(obj),
}


def validate(obj) -> None:
    """Run the use-case checks of ``obj``'s model beyond its own validation (Django admin saves
    rows directly and calls this from its forms; the services above call the checks themselves)."""
    check = _CHECKS.get(type(obj))
    if check is not None:
        check(obj.tenant_id, obj)


# --- the expert database (the academic level's rule and history live in hospitals.academic) ---

from hospitals.academic import academic_level_override, academic_levels_refresh  # noqa: E402,F401
