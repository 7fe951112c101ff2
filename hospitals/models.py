"""Master data: hospitals (HCO), departments, doctors (HCP) and their relations, distributors,
products and competitors, usage share, sales and shipments.

Natural keys (used by imports when a row has no external id) are documented on each model
and enforced by a unique constraint where reality allows it. Doctors are the exception:
two doctors of one department may share a name, so ``(hospital, department, name)`` is a
matching key for imports (an ambiguous match is reported), not a constraint.
"""

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Collate
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.models import TenantModel, TenantQuerySet
from hospitals.pinyin import name_initials, name_pinyin
from hospitals.vocabulary import (  # noqa: F401  (the vocabulary, importable from here as ever)
    PROVINCES,
    STANDARD_DEPARTMENTS,
    AcademicTitle,
    AdminPost,
    Channel,
    ClinicalTitle,
    Gender,
    HospitalGrade,
    HospitalType,
)


def _external_id_constraint(model_label: str):
    return models.UniqueConstraint(
        fields=["tenant", "external_id"],
        condition=~Q(external_id=""),
        name=f"{model_label}_tenant_extid_uniq",
    )


class Hospital(TenantModel):
    """A hospital or health-care organisation (HCO). Natural key: name."""

    name = models.CharField(_("name"), max_length=200)
    aliases = ArrayField(models.CharField(max_length=200), blank=True, default=list, verbose_name=_("aliases"))
    grade = models.CharField(_("grade"), max_length=4, choices=HospitalGrade.choices, default=HospitalGrade.UNGRADED)
    type = models.CharField(_("type"), max_length=20, choices=HospitalType.choices, default=HospitalType.GENERAL)
    province = models.CharField(_("province"), max_length=20)
    city = models.CharField(_("city"), max_length=50)
    district = models.CharField(_("district"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    beds = models.PositiveIntegerField(_("beds"), null=True, blank=True)
    annual_outpatients = models.PositiveIntegerField(_("annual outpatient visits"), null=True, blank=True)
    external_id = models.CharField(_("external id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("hospital")
        verbose_name_plural = _("hospitals")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="hospital_tenant_name_uniq"),
            _external_id_constraint("hospital"),
        ]
        indexes = [
            models.Index(fields=["tenant", "province", "city"], name="hospital_tenant_geo_idx"),
            models.Index(fields=["tenant", "grade"], name="hospital_tenant_grade_idx"),
        ]

    def __str__(self):
        return self.name


class Department(TenantModel):
    """A department (科室) of a hospital. Natural key: (hospital, name)."""

    hospital = models.ForeignKey(
        Hospital, on_delete=models.CASCADE, related_name="departments", verbose_name=_("hospital")
    )
    name = models.CharField(_("name"), max_length=100)
    standard_code = models.CharField(
        _("standard department"),
        max_length=40,
        blank=True,
        choices=list(STANDARD_DEPARTMENTS.items()),
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "hospital", "name"], name="department_tenant_name_uniq"),
        ]

    def __str__(self):
        return f"{self.hospital.name} · {self.name}" if "hospital" in self._state.fields_cache else self.name


class StartsWith(Func):
    """``starts_with(text, prefix)``: a prefix match that PostgreSQL answers from a btree index
    (the "C"-collated ones of Doctor) even under row-level security.

    ``LIKE 'x%'`` (Django's ``__startswith``) cannot: its operator is not LEAKPROOF, so the
    planner may not evaluate it before the tenant policy, never uses an index for it and reads
    the whole tenant (600 ms for a rare prefix at a million doctors). ``starts_with`` is
    leakproof, and PostgreSQL 15+ turns it into an index range. No wildcards to escape either.
    """

    function = "starts_with"
    output_field = models.BooleanField()


class DoctorQuerySet(TenantQuerySet):
    """Doctors, with the vocabulary of the field."""

    def active(self):
        """Doctors still practising (not marked inactive)."""
        return self.filter(is_active=True)

    def in_territories(self, territories):
        """Doctors aligned to any of ``territories`` (Territory objects or ids)."""
        ids = [getattr(t, "pk", t) for t in territories]
        return self.filter(pk__in=DoctorTerritory.objects.filter(territory_id__in=ids).values("doctor_id"))

    def in_hospitals(self, hospitals):
        """Doctors working at any of ``hospitals`` (objects, ids or a queryset of ids)."""
        if isinstance(hospitals, models.QuerySet):
            return self.filter(hospital_id__in=hospitals)
        return self.filter(hospital_id__in=[getattr(h, "pk", h) for h in hospitals])

    def search(self, text):
        """Doctors whose name, full pinyin or pinyin initials start with ``text``.

        李建国 is found by "李建", "li", "lijian", "ljg" (case and spaces ignored).

        Results come in the order of what matched, so that each page is one index range scan
        at a million doctors whatever the prefix (李 matches 9 % of them, "ljg" 0.07 %): by
        name for Chinese text, by pinyin for Latin letters, or by initials when only initials
        match ("ljg", "zw"). When both match ("zh": 张 zhang, and 邹华 zou-hua), the pinyin
        order is walked from the first letter, which every such doctor's pinyin starts with.
        That order, in byte order (collation "C", as the ``doctor_tenant_*_c_idx`` indexes
        hold it), is the annotation ``search_key``: keyset pagination sorts and seeks by
        ``("search_key", "id")`` (hospitals.pagination.DoctorPagination; crm.keyset.keyset_page
        takes the same ordering). Two index probes decide which case applies.
        """
        text = (text or "").strip()
        if not text:
            return self
        if not text.isascii():
            column, condition = "name", StartsWith(Collate("name", "C"), Value(text))
        else:
            key = "".join(text.split()).lower()
            pinyin = StartsWith(Collate("name_pinyin", "C"), Value(key))
            initials = StartsWith(Collate("name_initials", "C"), Value(key))
            by_pinyin, by_initials = self.filter(pinyin).exists(), self.filter(initials).exists()
            if by_initials and not by_pinyin:
                column, condition = "name_initials", initials
            elif by_initials:
                column = "name_pinyin"
                condition = StartsWith(Collate("name_pinyin", "C"), Value(key[0])) & (pinyin | initials)
            else:
                column, condition = "name_pinyin", pinyin
        return self.filter(condition).annotate(search_key=Collate(column, "C"))


class Doctor(TenantModel):
    """A health-care professional (HCP).

    Matching key for imports without an external id: (hospital, department, name).
    Contact details (phone, WeChat, email) are shown only to roles that need them
    (hospitals.selectors.can_see_contacts).
    """

    name = models.CharField(_("name"), max_length=50)
    name_pinyin = models.CharField(_("name in pinyin"), max_length=200, editable=False, default="")
    name_initials = models.CharField(_("pinyin initials"), max_length=50, editable=False, default="")
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="doctors", verbose_name=_("hospital"))
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="doctors",
        verbose_name=_("department"),
    )
    clinical_title = models.CharField(_("clinical title"), max_length=20, choices=ClinicalTitle.choices, blank=True)
    academic_title = models.CharField(_("academic title"), max_length=24, choices=AcademicTitle.choices, blank=True)
    admin_post = models.CharField(_("administrative post"), max_length=20, choices=AdminPost.choices, blank=True)
    specialties = ArrayField(models.CharField(max_length=50), blank=True, default=list, verbose_name=_("specialties"))
    university = models.CharField(_("university"), max_length=100, blank=True)
    graduation_year = models.PositiveSmallIntegerField(
        _("graduation year"), null=True, blank=True, validators=[MinValueValidator(1940), MaxValueValidator(2100)]
    )
    background = models.TextField(_("background"), blank=True)
    interests = models.TextField(_("interests"), blank=True)
    pain_points = models.TextField(_("pain points"), blank=True)
    preferred_channels = ArrayField(
        models.CharField(max_length=20, choices=Channel.choices),
        blank=True,
        default=list,
        verbose_name=_("preferred channels"),
    )
    consent_to_contact = models.BooleanField(_("consent to contact (PIPL)"), default=False)
    consent_date = models.DateField(_("consent date"), null=True, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=30, blank=True)
    wechat = models.CharField(_("WeChat id"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["name_pinyin", "name_initials", "updated_at"])
    objects = DoctorQuerySet.as_tenant_manager()

    class Meta:
        verbose_name = _("doctor")
        verbose_name_plural = _("doctors")
        ordering = ["name", "id"]
        constraints = [_external_id_constraint("doctor")]
        indexes = [
            models.Index(fields=["tenant", "hospital"], name="doctor_tenant_hospital_idx"),
            models.Index(fields=["tenant", "department"], name="doctor_tenant_dept_idx"),
            models.Index(fields=["tenant", "clinical_title"], name="doctor_tenant_title_idx"),
            # Keyset pagination of the default list order.
            models.Index(fields=["tenant", "name", "id"], name="doctor_tenant_order_idx"),
            # Search (DoctorQuerySet.search): prefix ranges *and* the order of the results, in
            # byte order whatever the database collation (starts_with() seeks a "C" index). They
            # replace (tenant, name|name_pinyin|name_initials text_pattern_ops), which served
            # LIKE 'x%' — and LIKE, not being leakproof, cannot use an index under RLS anyway.
            models.Index(F("tenant"), Collate("name", "C"), F("id"), name="doctor_tenant_name_c_idx"),
            models.Index(F("tenant"), Collate("name_pinyin", "C"), F("id"), name="doctor_tenant_pinyin_c_idx"),
            models.Index(F("tenant"), Collate("name_initials", "C"), F("id"), name="doctor_tenant_initials_c_idx"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_pinyin = name_pinyin(self.name)
        self.name_initials = name_initials(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_pinyin", "name_initials"}
        super().save(*args, **kwargs)


class SocietyLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    CITY = "city", _("City")


class SocietyRole(models.TextChoices):
    """Position in an academic society (学会任职)."""

    CHAIR = "chair", _("Chair (主任委员)")
    CHAIR_ELECT = "chair_elect", _("Chair-elect (候任主任委员)")
    VICE_CHAIR = "vice_chair", _("Vice chair (副主任委员)")
    STANDING_MEMBER = "standing_member", _("Standing member (常务委员)")
    MEMBER = "member", _("Member (委员)")
    YOUTH_MEMBER = "youth_member", _("Youth member (青年委员)")
    SECRETARY = "secretary", _("Secretary (秘书)")


class SocietyPosition(TenantModel):
    """A doctor's post in an academic society, e.g. 中华医学会心血管病学分会 副主任委员 since 2019."""

    doctor = models.ForeignKey(
        Doctor, on_delete=models.CASCADE, related_name="society_positions", verbose_name=_("doctor")
    )
    society = models.CharField(_("society"), max_length=200)
    level = models.CharField(_("level"), max_length=12, choices=SocietyLevel.choices, default=SocietyLevel.NATIONAL)
    position = models.CharField(_("position"), max_length=20, choices=SocietyRole.choices)
    since = models.PositiveSmallIntegerField(_("since (year)"), null=True, blank=True)

    class Meta:
        verbose_name = _("society position")
        verbose_name_plural = _("society positions")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "doctor", "society"], name="society_tenant_doctor_uniq"),
        ]
        indexes = [models.Index(fields=["tenant", "position"], name="society_tenant_position_idx")]

    def __str__(self):
        return f"{self.society} · {self.get_position_display()}"


class RelationKind(models.TextChoices):
    """How two doctors are connected. ``mentor``: the first doctor is the mentor of the second."""

    CLASSMATE = "classmate", _("Classmate")
    MENTOR = "mentor", _("Mentor of")
    REFERRAL = "referral", _("Refers patients to")
    COAUTHOR = "coauthor", _("Co-author")
    COLLEAGUE = "colleague", _("Colleague")


class DoctorRelation(TenantModel):
    """A directed edge of the doctors' network (symmetric kinds are stored once)."""

    from_doctor = models.ForeignKey(
        Doctor, on_delete=models.CASCADE, related_name="relations_out", verbose_name=_("doctor")
    )
    to_doctor = models.ForeignKey(
        Doctor, on_delete=models.CASCADE, related_name="relations_in", verbose_name=_("related doctor")
    )
    kind = models.CharField(_("relation"), max_length=12, choices=RelationKind.choices)
    strength = models.PositiveSmallIntegerField(
        _("strength (1–5)"), default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("doctor relation")
        verbose_name_plural = _("doctor relations")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "from_doctor", "to_doctor", "kind"], name="relation_tenant_pair_uniq"
            ),
            models.CheckConstraint(condition=~Q(from_doctor=F("to_doctor")), name="relation_not_self"),
        ]
        indexes = [models.Index(fields=["tenant", "to_doctor"], name="relation_tenant_to_idx")]

    def __str__(self):
        return f"{self.from_doctor_id} {self.kind} {self.to_doctor_id}"


class DoctorTerritory(TenantModel):
    """Alignment: a territory (and so its reps) covers a doctor."""

    doctor = models.ForeignKey(
        Doctor, on_delete=models.CASCADE, related_name="territory_links", verbose_name=_("doctor")
    )
    territory = models.ForeignKey(
        "accounts.Territory", on_delete=models.CASCADE, related_name="doctor_links", verbose_name=_("territory")
    )

    class Meta:
        verbose_name = _("doctor alignment")
        verbose_name_plural = _("doctor alignments")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "doctor", "territory"], name="doctorterr_tenant_uniq"),
        ]
        indexes = [models.Index(fields=["tenant", "territory", "doctor"], name="doctorterr_tenant_terr_idx")]

    def __str__(self):
        return f"{self.doctor_id} ↔ {self.territory_id}"


class DistributorKind(models.TextChoices):
    DELIVERY = "delivery", _("Delivery company (配送商)")
    AGENT = "agent", _("Agent (代理商)")
    DEALER = "dealer", _("Dealer (经销商)")


class DistributorStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    TERMINATED = "terminated", _("Terminated")


class Distributor(TenantModel):
    """A distributor (配送商/代理商/经销商). Natural key: name."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=DistributorKind.choices, default=DistributorKind.DEALER)
    licence_no = models.CharField(_("licence number"), max_length=64, blank=True)
    regions = ArrayField(models.CharField(max_length=20), blank=True, default=list, verbose_name=_("provinces"))
    status = models.CharField(
        _("status"), max_length=12, choices=DistributorStatus.choices, default=DistributorStatus.ACTIVE
    )
    external_id = models.CharField(_("external id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("distributor")
        verbose_name_plural = _("distributors")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="distributor_tenant_name_uniq"),
            _external_id_constraint("distributor"),
        ]

    def __str__(self):
        return self.name


class DistributorStaff(TenantModel):
    """A distributor rep's employer: which distributor a ``distributor_rep`` user works for."""

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="distributor_links", verbose_name=_("user")
    )
    distributor = models.ForeignKey(
        Distributor, on_delete=models.CASCADE, related_name="staff", verbose_name=_("distributor")
    )

    class Meta:
        verbose_name = _("distributor staff")
        verbose_name_plural = _("distributor staff")
        constraints = [models.UniqueConstraint(fields=["tenant", "user"], name="diststaff_tenant_user_uniq")]

    def __str__(self):
        return f"{self.user} @ {self.distributor}"


class Product(TenantModel):
    """A product: the tenant's own or a competitor's. Natural key: name."""

    name = models.CharField(_("brand name"), max_length=100)
    generic_name = models.CharField(_("generic name"), max_length=100, blank=True)
    therapeutic_area = models.CharField(_("therapeutic area"), max_length=100, blank=True)
    is_own = models.BooleanField(_("our product"), default=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    competitors = models.ManyToManyField(
        "self",
        through="ProductCompetitor",
        symmetrical=False,
        blank=True,
        related_name="competing_with",
        verbose_name=_("competitors"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["-is_own", "name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="product_tenant_name_uniq")]

    def __str__(self):
        return self.name


class ProductCompetitor(TenantModel):
    """Our product and a competitor's product that competes with it."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+", verbose_name=_("product"))
    competitor = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="+", verbose_name=_("competitor product")
    )

    class Meta:
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "product", "competitor"], name="competitor_tenant_uniq"),
            models.CheckConstraint(condition=~Q(product=F("competitor")), name="competitor_not_self"),
        ]

    def __str__(self):
        return f"{self.product_id} vs {self.competitor_id}"


class KeyMessage(TenantModel):
    """An approved key message of a product, delivered in visits."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="key_messages", verbose_name=_("product")
    )
    text = models.CharField(_("message"), max_length=300)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("approved and current"), default=True)

    class Meta:
        verbose_name = _("key message")
        verbose_name_plural = _("key messages")
        ordering = ["product", "order", "id"]
        indexes = [models.Index(fields=["tenant", "product"], name="keymsg_tenant_product_idx")]

    def __str__(self):
        return self.text


class DistributorCoverage(TenantModel):
    """A distributor serves a hospital, for one product or (product empty) for all."""

    distributor = models.ForeignKey(
        Distributor, on_delete=models.CASCADE, related_name="coverage", verbose_name=_("distributor")
    )
    hospital = models.ForeignKey(
        Hospital, on_delete=models.CASCADE, related_name="coverage", verbose_name=_("hospital")
    )
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("product")
    )
    since = models.DateField(_("since"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("distributor coverage")
        verbose_name_plural = _("distributor coverage")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "distributor", "hospital", "product"],
                name="coverage_tenant_uniq",
                nulls_distinct=False,
            ),
        ]
        indexes = [models.Index(fields=["tenant", "hospital"], name="coverage_tenant_hospital_idx")]

    def __str__(self):
        return f"{self.distributor_id} → {self.hospital_id}"


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")


class DistributorAgreement(TenantModel):
    """A distribution agreement: products, territory, period, target and status."""

    distributor = models.ForeignKey(
        Distributor, on_delete=models.CASCADE, related_name="agreements", verbose_name=_("distributor")
    )
    number = models.CharField(_("agreement number"), max_length=64)
    products = models.ManyToManyField(
        Product, through="AgreementProduct", blank=True, related_name="+", verbose_name=_("products")
    )
    territory = models.ForeignKey(
        "accounts.Territory",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("territory"),
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    target_value = models.DecimalField(_("target value (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )

    class Meta:
        verbose_name = _("distributor agreement")
        verbose_name_plural = _("distributor agreements")
        ordering = ["-start"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="agreement_tenant_number_uniq"),
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="agreement_end_after_start"),
        ]

    def __str__(self):
        return self.number


class AgreementProduct(TenantModel):
    """A product covered by a distributor agreement."""

    agreement = models.ForeignKey(
        DistributorAgreement, on_delete=models.CASCADE, related_name="+", verbose_name=_("agreement")
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+", verbose_name=_("product"))

    class Meta:
        verbose_name = _("agreement product")
        verbose_name_plural = _("agreement products")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "agreement", "product"], name="agreementproduct_tenant_uniq"),
        ]

    def __str__(self):
        return f"{self.agreement_id}: {self.product_id}"


class UsageShare(TenantModel):
    """How much of a product a doctor uses in a month: volume and share of their use (0–100 %)."""

    doctor = models.ForeignKey(Doctor, on_delete=models.CASCADE, related_name="usage", verbose_name=_("doctor"))
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="usage", verbose_name=_("product"))
    period = models.DateField(_("month"), help_text=_("First day of the month."))
    volume = models.DecimalField(_("volume"), max_digits=12, decimal_places=2, default=0)
    share = models.DecimalField(
        _("share (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("usage share")
        verbose_name_plural = _("usage share")
        ordering = ["-period"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "doctor", "product", "period"], name="usage_tenant_uniq"),
            models.CheckConstraint(condition=Q(share__gte=0) & Q(share__lte=100), name="usage_share_range"),
        ]
        indexes = [models.Index(fields=["tenant", "product", "period"], name="usage_tenant_product_idx")]

    def __str__(self):
        return f"{self.doctor_id} {self.product_id} {self.period:%Y-%m} {self.share}%"


class SalesRecord(TenantModel):
    """Sell-in and sell-out of a product by a distributor to a hospital in a month."""

    distributor = models.ForeignKey(
        Distributor, on_delete=models.PROTECT, related_name="sales", verbose_name=_("distributor")
    )
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="sales", verbose_name=_("hospital"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="sales", verbose_name=_("product"))
    month = models.DateField(_("month"), help_text=_("First day of the month."))
    sell_in_units = models.IntegerField(_("sell-in units"), default=0)
    sell_in_value = models.DecimalField(_("sell-in value (CNY)"), max_digits=14, decimal_places=2, default=0)
    sell_out_units = models.IntegerField(_("sell-out units"), default=0)
    sell_out_value = models.DecimalField(_("sell-out value (CNY)"), max_digits=14, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("sales record")
        verbose_name_plural = _("sales records")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "distributor", "hospital", "product", "month"], name="sales_tenant_uniq"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "hospital", "month"], name="sales_tenant_hospital_idx"),
            models.Index(fields=["tenant", "product", "month"], name="sales_tenant_product_idx"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.product_id}"


class Shipment(TenantModel):
    """A shipment of one lot of a product from a distributor to a hospital (for complaint lot trace)."""

    distributor = models.ForeignKey(
        Distributor, on_delete=models.PROTECT, related_name="shipments", verbose_name=_("distributor")
    )
    hospital = models.ForeignKey(
        Hospital, on_delete=models.PROTECT, related_name="shipments", verbose_name=_("hospital")
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="shipments", verbose_name=_("product"))
    lot_number = models.CharField(_("lot number"), max_length=64)
    quantity = models.PositiveIntegerField(_("quantity"))
    shipped_on = models.DateField(_("shipped on"))
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-shipped_on"]
        indexes = [models.Index(fields=["tenant", "lot_number"], name="shipment_tenant_lot_idx")]

    def __str__(self):
        return f"{self.lot_number} → {self.hospital_id}"


# --- imports ---------------------------------------------------------------------------------


class ImportKind(models.TextChoices):
    """What a master-data import file holds (column specs: hospitals/imports/specs.py)."""

    HOSPITALS = "hospitals", _("Hospitals")
    DEPARTMENTS = "departments", _("Departments")
    DOCTORS = "doctors", _("Doctors")
    SOCIETY_POSITIONS = "society_positions", _("Society positions")
    RELATIONS = "relations", _("Doctor relations")
    DISTRIBUTORS = "distributors", _("Distributors")
    COVERAGE = "coverage", _("Distributor coverage")
    USAGE = "usage", _("Usage share")
    SALES = "sales", _("Sales")
    SHIPMENTS = "shipments", _("Shipments")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    VALIDATING = "validating", _("Checking rows")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


def import_upload_to(job, filename):
    """imports/<tenant id>/<date>-<random>.<ext>: the user's file name is kept on the job, not on disk."""
    import os
    import uuid

    from django.utils import timezone

    ext = os.path.splitext(filename)[1].lower()[:8]
    return f"imports/{job.tenant_id}/{timezone.now():%Y%m%d}-{uuid.uuid4().hex}{ext}"


class ImportJob(TenantModel):
    """One uploaded master-data file and its import: status, progress, counts and the error report.

    Rows are all checked first; when any row has an error nothing is written and ``errors``
    lists them (row, column, message id and parameters, rendered in the reader's language);
    ``notes`` says what else the reader should know (columns ignored, departments created).
    Live progress while the job runs is kept in the cache (hospitals.imports.progress), the
    row holds the final figures.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    file = models.FileField(_("file"), upload_to=import_upload_to, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("uploaded by")
    )
    status = models.CharField(_("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    notes = models.JSONField(_("notes"), default=list, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "-created_at"], name="importjob_tenant_created_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.original_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)
