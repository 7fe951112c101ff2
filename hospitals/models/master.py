"""Hospitals (HCO), departments, doctors (HCP), their society positions, relations and alignment."""

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Collate
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.models import TenantModel, TenantQuerySet
from hospitals import normalize
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

    def normalise(self) -> dict:
        """One written form (hospitals.normalize) of name, aliases, province and city; returns
        the errors of values that have none (left as they are)."""
        self.name = normalize.name(self.name)
        self.aliases = list(dict.fromkeys(a for a in map(normalize.name, self.aliases or ()) if a and a != self.name))
        errors = {}
        try:
            self.province = normalize.province(self.province)
        except normalize.Unreadable as exc:
            errors["province"] = _("Unknown province “%(value)s”.") % exc.params
        self.city = normalize.city(self.city)
        self.district = normalize.name(self.district)
        self.address = normalize.text(self.address)
        return errors

    def clean(self):
        super().clean()
        errors = self.normalise()
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.normalise()  # also for rows saved without validation (admin actions, scripts, tests)
        super().save(*args, **kwargs)


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

    def clean(self):
        super().clean()
        self.name = normalize.name(self.name)

    def save(self, *args, **kwargs):
        self.name = normalize.name(self.name)
        super().save(*args, **kwargs)


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
    # Phones are stored in E.164 (+8613800000000: dialled, compared, de-duplicated) and shown
    # as they were written (hospitals.normalize.phone).
    phone = models.CharField(_("mobile phone"), max_length=30, blank=True)
    phone_display = models.CharField(_("mobile phone as written"), max_length=50, blank=True, editable=False)
    office_phone = models.CharField(_("office phone"), max_length=30, blank=True)
    office_phone_display = models.CharField(
        _("office phone as written"), max_length=50, blank=True, editable=False
    )
    wechat = models.CharField(_("WeChat id"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    campus = models.CharField(
        _("campus"), max_length=50, blank=True, help_text=_("The campus (院区) of the hospital where the doctor works.")
    )
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Set when a data steward merged this doctor into another (hospitals.steward); the row stays,
    # inactive, so that the merge can be reversed.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        db_index=False,
        verbose_name=_("merged into"),
    )
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

    def normalise(self) -> dict:
        """One written form (hospitals.normalize): name, phones in E.164 (shown as written),
        e-mail in lower case. Returns the errors of values that have none (left as they are)."""
        self.name = normalize.name(self.name)
        self.email = normalize.email(self.email)
        self.wechat = normalize.text(self.wechat)
        self.campus = normalize.name(self.campus)
        errors = {}
        for field, display, kind in (
            ("phone", "phone_display", normalize.MOBILE),
            ("office_phone", "office_phone_display", normalize.LANDLINE),
        ):
            try:
                number, shown = normalize.phone_fields(getattr(self, field), getattr(self, display), kind=kind)
            except normalize.Unreadable as exc:
                errors[field] = _(exc.msgid) % exc.params
                continue
            setattr(self, field, number)
            setattr(self, display, shown[: self._meta.get_field(display).max_length])
        return errors

    def clean(self):
        super().clean()
        errors = self.normalise()
        if errors:
            raise ValidationError(errors)

    @property
    def phone_shown(self) -> str:
        """The mobile number as written (its E.164 form when nothing else is known)."""
        return self.phone_display or self.phone

    @property
    def office_phone_shown(self) -> str:
        return self.office_phone_display or self.office_phone

    def save(self, *args, **kwargs):
        self.normalise()  # also for rows saved without validation (admin actions, scripts, tests)
        self.name_pinyin = name_pinyin(self.name)
        self.name_initials = name_initials(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            derived = {
                "name": ("name_pinyin", "name_initials"),
                "phone": ("phone_display",),
                "office_phone": ("office_phone_display",),
            }
            kwargs["update_fields"] = {*update_fields, *(f for k in update_fields for f in derived.get(k, ()))}
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
