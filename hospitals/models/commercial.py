"""Commercial master data: distributors and their staff, coverage and agreements; products,
competitors and key messages; usage share, sales (sell-in/sell-out) and shipments by lot."""

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from crm.models import TenantModel
from hospitals import normalize
from hospitals.models.master import Doctor, Hospital, _external_id_constraint


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

    def clean(self):
        super().clean()
        self.name = normalize.name(self.name)


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
    pack_spec = models.CharField(
        _("pack specification"), max_length=100, blank=True, help_text=_("品规, e.g. 20mg×7片.")
    )
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

    def clean(self):
        super().clean()
        self.name = normalize.text(self.name)
        self.generic_name = normalize.text(self.generic_name)
        self.pack_spec = normalize.text(self.pack_spec)


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
