"""API of fees: ``engagement`` (request, and the workflow as actions), ``fee-record``,
``tov-entry`` (the ledger), ``fee-flag`` (+ ``clear``), ``rate-card`` / ``rate-card-line`` and
``audit-sample`` (+ item review).

Amounts are for compliance, product managers and administrators (``FEE_AMOUNT_ROLES``): the
ledger, fee records, flags, rate cards and samples refuse other roles; an engagement is shown to
its requester with its status only — the serializer drops every amount field for them.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.permissions import (
    ADMIN_ROLES,
    COMPLIANCE_ROLES,
    ENGAGEMENT_READERS,
    FEE_AMOUNT_ROLES,
    FEE_REQUESTERS,
)
from crm.rest import TenantModelViewSet, TenantReadOnlyViewSet
from events.fees import selectors, services
from events.fees.models import (
    AuditSample,
    AuditSampleItem,
    Engagement,
    FeeFlag,
    FeeRecord,
    RateCard,
    RateCardLine,
    ToVEntry,
)
from events.fees.vocabulary import FeeKind, PaymentChannel, SampleOutcome

AMOUNT_FIELDS = ("amount", "card_amount", "hourly_rate", "tax_withheld", "net_amount", "exception_reason", "fee")

# --- engagements ----------------------------------------------------------------------------


class FeeRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = FeeRecord
        fields = [
            "id",
            "engagement",
            "doctor",
            "kind",
            "reverses",
            "academic_level",
            "hourly_rate",
            "hours",
            "card_amount",
            "amount",
            "exception_reason",
            "exception_approved_by",
            "exception_approved_at",
            "status",
            "status_reason",
            "requested_by",
            "requested_at",
            "approved_by",
            "approved_at",
            "delivered_at",
            "payment_requested_at",
            "paid_at",
            "payer_entity",
            "channel",
            "tax_withheld",
            "net_amount",
        ]
        read_only_fields = fields


class EngagementSerializer(serializers.ModelSerializer):
    """An engagement and its fee. For a caller who may not see amounts (a rep) the amount fields
    are dropped from the answer altogether."""

    doctor_name = serializers.CharField(source="doctor.name", read_only=True)
    fee_status = serializers.CharField(read_only=True, default=None)
    fee = serializers.SerializerMethodField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True, write_only=True)
    exception_reason = serializers.CharField(required=False, allow_blank=True, write_only=True, default="")

    class Meta:
        model = Engagement
        fields = [
            "id",
            "doctor",
            "doctor_name",
            "service_type",
            "event",
            "agenda_item",
            "product",
            "description",
            "service_date",
            "planned_hours",
            "actual_hours",
            "contract_file",
            "contract_signed_on",
            "hospital_approval_file",
            "hospital_approval_on",
            "evidence_attendance",
            "evidence_recording_url",
            "delivered_at",
            "requested_by",
            "created_at",
            "fee_status",
            "fee",
            "amount",
            "exception_reason",
        ]
        read_only_fields = [
            "actual_hours",
            "evidence_attendance",
            "evidence_recording_url",
            "delivered_at",
            "requested_by",
            "created_at",
        ]

    def get_fee(self, obj) -> dict | None:
        fee = FeeRecord.objects.for_tenant(obj.tenant_id).filter(engagement=obj, kind=FeeKind.FEE).first()
        return FeeRecordSerializer(fee).data if fee else None

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not selectors.can_see_amounts(request.user):
            for name in AMOUNT_FIELDS:
                data.pop(name, None)
        if data.get("fee_status") is None:
            fee = FeeRecord.objects.for_tenant(instance.tenant_id).filter(engagement=instance, kind=FeeKind.FEE).first()
            data["fee_status"] = fee.status if fee else None
        return data


class FeeReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class DeliverSerializer(serializers.Serializer):
    actual_hours = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, allow_null=True)
    evidence_attendance = serializers.BooleanField(required=False, default=False)
    evidence_recording_url = serializers.URLField(required=False, allow_blank=True, default="")
    evidence_slides = serializers.FileField(required=False, allow_null=True)


class PaySerializer(serializers.Serializer):
    payer_entity = serializers.CharField()
    channel = serializers.ChoiceField(choices=PaymentChannel.choices)
    paid_on = serializers.DateField(required=False, allow_null=True)


class EngagementViewSet(TenantModelViewSet):
    """Engagements: a requester creates one (the fee from the rate card); compliance runs the
    workflow with the actions; PUT/PATCH/DELETE are not offered (history is kept)."""

    serializer_class = EngagementSerializer
    http_method_names = ["get", "post", "head", "options"]
    read_roles = ENGAGEMENT_READERS
    write_roles = FEE_REQUESTERS
    action_roles = {
        "review": COMPLIANCE_ROLES,
        "approve": COMPLIANCE_ROLES,
        "approve_exception": COMPLIANCE_ROLES,
        "reject": COMPLIANCE_ROLES,
        "deliver": FEE_REQUESTERS | COMPLIANCE_ROLES,
        "request_payment": FEE_REQUESTERS | COMPLIANCE_ROLES,
        "pay": COMPLIANCE_ROLES,
        "reverse": COMPLIANCE_ROLES,
    }
    filterset_fields = ["doctor", "service_type", "event"]

    def get_queryset(self):
        return selectors.engagement_list(tenant=self.tenant, user=self.request.user).order_by("-id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.engagement_request(tenant=self.tenant, by=self.request.user, **data)

    def _fee(self):
        return self.get_object().fees.get(kind=FeeKind.FEE)

    def _answer(self):
        return Response(self.get_serializer(self.get_queryset().get(pk=self.kwargs["pk"])).data)

    @extend_schema(request=None, responses=EngagementSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        services.fee_review(tenant=self.tenant, by=request.user, fee=self._fee())
        return self._answer()

    @extend_schema(request=None, responses=EngagementSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        services.fee_approve(tenant=self.tenant, by=request.user, fee=self._fee())
        return self._answer()

    @extend_schema(request=None, responses=EngagementSerializer)
    @action(detail=True, methods=["post"], url_path="approve-exception")
    def approve_exception(self, request, pk=None):
        services.fee_exception_approve(tenant=self.tenant, by=request.user, fee=self._fee())
        return self._answer()

    @extend_schema(request=FeeReasonSerializer, responses=EngagementSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        body = FeeReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.fee_reject(tenant=self.tenant, by=request.user, fee=self._fee(), reason=body.validated_data["reason"])
        return self._answer()

    @extend_schema(request=DeliverSerializer, responses=EngagementSerializer)
    @action(detail=True, methods=["post"])
    def deliver(self, request, pk=None):
        body = DeliverSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.engagement_deliver(
            tenant=self.tenant, by=request.user, engagement=self.get_object(), **body.validated_data
        )
        return self._answer()

    @extend_schema(request=None, responses=EngagementSerializer)
    @action(detail=True, methods=["post"], url_path="request-payment")
    def request_payment(self, request, pk=None):
        services.fee_request_payment(tenant=self.tenant, by=request.user, fee=self._fee())
        return self._answer()

    @extend_schema(request=PaySerializer, responses=EngagementSerializer)
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        body = PaySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.fee_pay(tenant=self.tenant, by=request.user, fee=self._fee(), **body.validated_data)
        return self._answer()

    @extend_schema(request=FeeReasonSerializer, responses=EngagementSerializer)
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        body = FeeReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.fee_reverse(tenant=self.tenant, by=request.user, fee=self._fee(), reason=body.validated_data["reason"])
        return self._answer()


class FeeRecordViewSet(TenantReadOnlyViewSet):
    """Fee records and reversals (amounts: FEE_AMOUNT_ROLES)."""

    serializer_class = FeeRecordSerializer
    read_roles = FEE_AMOUNT_ROLES
    filterset_fields = ["doctor", "status", "kind", "engagement"]

    def get_queryset(self):
        return selectors.fee_list(tenant=self.tenant, user=self.request.user).order_by("-id")


# --- the ledger -----------------------------------------------------------------------------


class ToVEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = ToVEntry
        fields = [
            "id",
            "doctor",
            "on_date",
            "category",
            "amount",
            "fee_record",
            "event",
            "source",
            "note",
            "created_at",
        ]
        read_only_fields = fields


class ToVEntryViewSet(TenantReadOnlyViewSet):
    """The append-only transfer-of-value ledger (FEE_AMOUNT_ROLES)."""

    serializer_class = ToVEntrySerializer
    read_roles = FEE_AMOUNT_ROLES
    filterset_fields = ["doctor", "category", "event"]

    def get_queryset(self):
        return selectors.tov_list(tenant=self.tenant, user=self.request.user).order_by("-id")


# --- flags ----------------------------------------------------------------------------------


class FeeFlagSerializer(serializers.ModelSerializer):
    explanation = serializers.CharField(read_only=True)

    class Meta:
        model = FeeFlag
        fields = [
            "id",
            "rule",
            "severity",
            "key",
            "doctor",
            "engagement",
            "fee_record",
            "event",
            "product",
            "region",
            "on_date",
            "detail",
            "explanation",
            "status",
            "first_seen",
            "last_seen",
            "cleared_by",
            "cleared_at",
            "cleared_reason",
        ]
        read_only_fields = fields


class ClearSerializer(serializers.Serializer):
    reason = serializers.CharField()
    ids = serializers.ListField(child=serializers.IntegerField(), required=False)


class FeeFlagViewSet(TenantReadOnlyViewSet):
    """Audit flags (FEE_AMOUNT_ROLES); compliance clears one (``clear``) or many (``bulk-clear``)."""

    serializer_class = FeeFlagSerializer
    read_roles = FEE_AMOUNT_ROLES
    action_roles = {"clear": COMPLIANCE_ROLES, "bulk_clear": COMPLIANCE_ROLES}
    filterset_fields = ["rule", "severity", "status", "doctor", "event", "product", "region"]

    def get_queryset(self):
        return selectors.flag_list(tenant=self.tenant, user=self.request.user).order_by("-id")

    @extend_schema(request=ClearSerializer, responses=FeeFlagSerializer)
    @action(detail=True, methods=["post"])
    def clear(self, request, pk=None):
        body = ClearSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        flag = self.get_object()
        services.flags_clear(tenant=self.tenant, by=request.user, flags=[flag], reason=body.validated_data["reason"])
        flag.refresh_from_db()
        return Response(self.get_serializer(flag).data)

    @extend_schema(request=ClearSerializer, responses={200: dict})
    @action(detail=False, methods=["post"], url_path="bulk-clear")
    def bulk_clear(self, request):
        body = ClearSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = list(self.get_queryset().filter(pk__in=body.validated_data.get("ids") or []).values_list("pk", flat=True))
        n = services.flags_clear(tenant=self.tenant, by=request.user, flags=ids, reason=body.validated_data["reason"])
        return Response({"cleared": n})


# --- rate cards -----------------------------------------------------------------------------


class RateCardLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = RateCardLine
        fields = ["id", "rate_card", "service_type", "academic_level", "hourly_rate", "max_per_engagement"]

    def validate_rate_card(self, card):
        request = self.context["request"]
        if card.tenant_id != request.user.tenant_id:
            raise serializers.ValidationError("Select a valid choice.")
        return card


class RateCardSerializer(serializers.ModelSerializer):
    lines = RateCardLineSerializer(many=True, read_only=True)

    class Meta:
        model = RateCard
        fields = ["id", "name", "valid_from", "note", "created_at", "lines"]
        read_only_fields = ["created_at", "lines"]


RATE_CARD_EDITORS = COMPLIANCE_ROLES | ADMIN_ROLES


class RateCardViewSet(TenantModelViewSet):
    """Rate card versions (read: FEE_AMOUNT_ROLES; edit: compliance and administrators)."""

    serializer_class = RateCardSerializer
    read_roles = FEE_AMOUNT_ROLES
    write_roles = RATE_CARD_EDITORS

    def get_queryset(self):
        return RateCard.objects.for_tenant(self.tenant).prefetch_related("lines").order_by("-valid_from")


class RateCardLineViewSet(TenantModelViewSet):
    """Lines of rate cards: service type × academic level → hourly rate and maximum."""

    serializer_class = RateCardLineSerializer
    read_roles = FEE_AMOUNT_ROLES
    write_roles = RATE_CARD_EDITORS
    filterset_fields = ["rate_card", "service_type", "academic_level"]

    def get_queryset(self):
        return RateCardLine.objects.for_tenant(self.tenant).order_by("id")


# --- audit samples --------------------------------------------------------------------------


class AuditSampleItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditSampleItem
        fields = ["id", "position", "event", "engagement", "outcome", "note", "reviewed_by", "reviewed_at"]
        read_only_fields = fields


class AuditSampleSerializer(serializers.ModelSerializer):
    items = AuditSampleItemSerializer(many=True, read_only=True)

    class Meta:
        model = AuditSample
        fields = [
            "id",
            "kind",
            "size",
            "seed",
            "period_from",
            "period_until",
            "population",
            "drawn_by",
            "drawn_at",
            "items",
        ]
        read_only_fields = ["population", "drawn_by", "drawn_at", "items"]


class SampleReviewSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=[SampleOutcome.OK, SampleOutcome.ISSUE])
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AuditSampleViewSet(TenantModelViewSet):
    """Seeded audit samples: compliance draws one (POST) and records each item's outcome (``review``)."""

    serializer_class = AuditSampleSerializer
    http_method_names = ["get", "post", "head", "options"]
    read_roles = FEE_AMOUNT_ROLES
    write_roles = COMPLIANCE_ROLES
    action_roles = {"review": COMPLIANCE_ROLES}

    def get_queryset(self):
        return (
            selectors.audit_sample_list(tenant=self.tenant, user=self.request.user)
            .prefetch_related("items")
            .order_by("-id")
        )

    def perform_create(self, serializer):
        serializer.instance = services.audit_sample_draw(
            tenant=self.tenant, by=self.request.user, **serializer.validated_data
        )

    @extend_schema(request=SampleReviewSerializer, responses=AuditSampleSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        body = SampleReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        sample = self.get_object()
        item = sample.items.filter(pk=body.validated_data["item"]).first()
        if item is None:
            raise DjangoValidationError({"item": "Select an item of this sample."})
        services.audit_item_review(
            tenant=self.tenant,
            by=request.user,
            item=item,
            outcome=body.validated_data["outcome"],
            note=body.validated_data["note"],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=sample.pk)).data)
