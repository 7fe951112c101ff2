"""API of complaints (thin: serializers and viewsets on the kernel's base).

* ``complaints`` — list (inbox filters, keyset pages), detail, create (intake), PATCH (correct
  an open one), and the workflow actions ``triage``, ``start-investigation``,
  ``investigation``, ``resolve``, ``regulator-report``, ``reply``, ``close``, ``reopen``,
  ``attachments`` (multipart upload); ``lot-trace/<lot>`` (the reverse trace of a lot, one call,
  ``?format=csv|xlsx`` exports its shipments) and ``lots-received`` (what a hospital or
  distributor received in a period);
* ``complaint-slas`` — the tenant's clock rules over the defaults.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from crm.pagination import KeysetPagination
from crm.permissions import (
    COMPLAINT_HANDLERS,
    COMPLAINT_INTAKE_ROLES,
    COMPLAINT_SETTINGS_EDITORS,
    LOT_TRACE_ROLES,
)
from crm.rest import TenantModelViewSet
from hospitals.models import Distributor, Doctor, Hospital, Product

from . import exports, selectors, services
from .models import (
    Complaint,
    ComplaintAttachment,
    ComplaintSLA,
    ComplaintType,
    Decision,
    IntakeChannel,
    Queue,
    ReplyChannel,
    RootCause,
    Severity,
    Status,
)


class ClockSerializer(serializers.Serializer):
    kind = serializers.CharField()
    due_on = serializers.DateField()
    met_on = serializers.DateField(allow_null=True)


class ComplaintSerializer(serializers.ModelSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects, required=False, allow_null=True)
    doctor = serializers.PrimaryKeyRelatedField(queryset=Doctor.objects, required=False, allow_null=True)
    hospital = serializers.PrimaryKeyRelatedField(queryset=Hospital.objects, required=False, allow_null=True)
    distributor = serializers.PrimaryKeyRelatedField(queryset=Distributor.objects, required=False, allow_null=True)
    channel = serializers.ChoiceField(choices=IntakeChannel.choices, required=False, default=IntakeChannel.API)
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "id", "type", "defect", "severity", "status", "queue", "title", "description", "pv_narrative",
            "product", "lot_number", "lot_known", "expiry_date", "quantity",
            "reporter_kind", "doctor", "hospital", "distributor", "contact_name", "contact_phone", "contact_email",
            "channel", "visit", "reported_by", "aware_on", "assignee", "next_due_on", "is_overdue",
            "root_cause", "findings", "capa_ref", "lot_affected", "decision",
            "regulator_reported_on", "regulator_ref", "reply_channel", "reply_on", "reply_text",
            "reopen_count", "created_at", "closed_at",
        ]  # fmt: skip
        read_only_fields = [
            "status", "queue", "lot_known", "visit", "reported_by", "assignee", "next_due_on",
            "root_cause", "findings", "capa_ref", "lot_affected", "decision", "regulator_reported_on",
            "regulator_ref", "reply_channel", "reply_on", "reply_text", "reopen_count", "created_at", "closed_at",
        ]  # fmt: skip
        extra_kwargs = {"title": {"required": False}, "aware_on": {"required": False}}

    def _represent(self, obj) -> dict:
        """DRF's ``to_representation`` with the plan of each field worked out once per serializer
        (not once per field of every row: on an inbox page of 50 complaints, DRF's generic walk
        was most of the response time). Same values: a foreign key gives its id, ``None`` stays
        ``None``, every other field formats its attribute."""
        plan = getattr(self, "_plan", None)
        if plan is None:
            plan = []
            for field in self._readable_fields:
                if isinstance(field, serializers.SerializerMethodField):
                    plan.append((field.field_name, None, field))
                elif isinstance(field, serializers.PrimaryKeyRelatedField) and len(field.source_attrs) == 1:
                    plan.append((field.field_name, Complaint._meta.get_field(field.source).attname, None))
                elif len(field.source_attrs) == 1:
                    plan.append((field.field_name, field.source, field))
                else:  # pragma: no cover - every field of this serializer is one of the above
                    plan.append((field.field_name, None, field))
            self._plan = plan
        data = {}
        for name, attname, field in plan:
            if field is None:
                data[name] = getattr(obj, attname)
                continue
            value = getattr(obj, attname) if attname else field.get_attribute(obj)
            data[name] = None if value is None else field.to_representation(value)
        return data

    def get_is_overdue(self, obj) -> bool:
        from django.utils import timezone

        return bool(obj.next_due_on and obj.status != Status.CLOSED and obj.next_due_on < timezone.localdate())

    def to_representation(self, obj):
        data = self._represent(obj)
        user = self.context["request"].user
        if not selectors.can_see_contact(user, obj):
            for key in ("contact_name", "contact_phone", "contact_email"):
                data[key] = None
        if not selectors.can_see_narrative(user, obj):
            data["pv_narrative"] = None
        return data


class ComplaintNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TriageSerializer(ComplaintNoteSerializer):
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)


class InvestigationSerializer(serializers.Serializer):
    root_cause = serializers.ChoiceField(choices=RootCause.choices)
    findings = serializers.CharField(allow_blank=True, required=False, default="")
    capa_ref = serializers.CharField(allow_blank=True, required=False, default="", max_length=64)
    lot_affected = serializers.BooleanField(allow_null=True, required=False, default=None)
    decision = serializers.ChoiceField(choices=Decision.choices)


class RegulatorSerializer(serializers.Serializer):
    reported_on = serializers.DateField()
    reference = serializers.CharField(allow_blank=True, required=False, default="", max_length=64)


class ReplySerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=ReplyChannel.choices)
    replied_on = serializers.DateField()
    text = serializers.CharField()


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField()


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ComplaintAttachment
        fields = ["id", "name", "content_type", "size", "uploaded_at"]


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class LotTraceSerializer(serializers.Serializer):
    lot_number = serializers.CharField()
    products = serializers.ListField(child=serializers.CharField())
    quantity = serializers.IntegerField()
    shipments = serializers.ListField(child=serializers.DictField())
    hospitals = serializers.ListField(child=serializers.DictField())
    distributors = serializers.ListField(child=serializers.DictField())
    complaints = serializers.ListField(child=serializers.DictField())


def _run(fn, **kwargs):
    try:
        return fn(**kwargs)
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}) from exc


class ComplaintPagination(KeysetPagination):
    """Newest first (``ordering=created_at`` for oldest first); with ``overdue``, most overdue
    first — the orders the inbox indexes serve (complaints.models)."""

    orderings = {"created_at": ("created_at",), "id": ()}
    default_ordering = "-created_at"

    def get_ordering(self, request, queryset=None):
        if request.query_params.get("overdue") in ("1", "true", "yes"):
            return list(selectors.OVERDUE_ORDERING)
        return super().get_ordering(request, queryset)


class ComplaintViewSet(TenantModelViewSet):
    """Complaints: intake by the field and the handlers, the workflow by QA / PV / administrators."""

    serializer_class = ComplaintSerializer
    pagination_class = ComplaintPagination
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    write_roles = COMPLAINT_INTAKE_ROLES
    action_roles = {
        "partial_update": COMPLAINT_HANDLERS,
        "update": COMPLAINT_HANDLERS,
        "triage": COMPLAINT_HANDLERS,
        "start_investigation": COMPLAINT_HANDLERS,
        "investigation": COMPLAINT_HANDLERS,
        "resolve": COMPLAINT_HANDLERS,
        "regulator_report": COMPLAINT_HANDLERS,
        "reply": COMPLAINT_HANDLERS,
        "close": COMPLAINT_HANDLERS,
        "reopen": COMPLAINT_HANDLERS,
        "attachments": COMPLAINT_INTAKE_ROLES,
        "lot_trace": LOT_TRACE_ROLES,
        "lots_received": LOT_TRACE_ROLES,
    }
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self):
        p = self.request.query_params
        filters = {k: p.get(k) for k in ("type", "severity", "lot", "status", "queue") if p.get(k)}
        if p.get("product", "").isdigit():
            filters["product"] = int(p["product"])
        if p.get("overdue") in ("1", "true", "yes"):
            filters["overdue"] = True
        scope = p.get("scope", "all")
        return selectors.complaint_inbox(
            tenant=self.tenant,
            user=self.request.user,
            scope=scope if scope in selectors.SCOPES else "all",
            filters=filters,
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("scope", str, enum=list(selectors.SCOPES)),
            OpenApiParameter("type", str, enum=ComplaintType.values),
            OpenApiParameter("severity", str, enum=Severity.values),
            OpenApiParameter("status", str, enum=[*Status.values, "open"]),
            OpenApiParameter("queue", str, enum=Queue.values),
            OpenApiParameter("product", int),
            OpenApiParameter("lot", str),
            OpenApiParameter("overdue", bool),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = _run(services.complaint_create, tenant=self.tenant, by=self.request.user, **data)

    def perform_update(self, serializer):
        serializer.instance = _run(
            services.complaint_update,
            tenant=self.tenant,
            by=self.request.user,
            complaint=serializer.instance,
            **serializer.validated_data,
        )

    def _act(self, request, body_class, fn, **extra):
        body = body_class(data=request.data) if body_class else None
        if body is not None:
            body.is_valid(raise_exception=True)
        complaint = _run(
            fn,
            tenant=self.tenant,
            by=request.user,
            complaint=self.get_object(),
            **(body.validated_data if body else {}),
            **extra,
        )
        return Response(self.get_serializer(complaint).data)

    @extend_schema(request=TriageSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def triage(self, request, pk=None):
        return self._act(request, TriageSerializer, services.complaint_triage)

    @extend_schema(request=ComplaintNoteSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"], url_path="start-investigation", url_name="start-investigation")
    def start_investigation(self, request, pk=None):
        return self._act(request, ComplaintNoteSerializer, services.complaint_start_investigation)

    @extend_schema(request=InvestigationSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def investigation(self, request, pk=None):
        return self._act(request, InvestigationSerializer, services.complaint_investigation_record)

    @extend_schema(request=ComplaintNoteSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self._act(request, ComplaintNoteSerializer, services.complaint_resolve)

    @extend_schema(request=RegulatorSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"], url_path="regulator-report", url_name="regulator-report")
    def regulator_report(self, request, pk=None):
        return self._act(request, RegulatorSerializer, services.complaint_regulator_report)

    @extend_schema(request=ReplySerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        return self._act(request, ReplySerializer, services.complaint_reply)

    @extend_schema(request=ComplaintNoteSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._act(request, ComplaintNoteSerializer, services.complaint_close)

    @extend_schema(request=ReopenSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._act(request, ReopenSerializer, services.complaint_reopen)

    @extend_schema(request={"multipart/form-data": UploadSerializer}, responses=AttachmentSerializer)
    @action(detail=True, methods=["post"])
    def attachments(self, request, pk=None):
        body = UploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        attachment = _run(
            services.attachment_add,
            tenant=self.tenant,
            by=request.user,
            complaint=self.get_object(),
            upload=body.validated_data["file"],
        )
        return Response(AttachmentSerializer(attachment).data, status=201)

    @extend_schema(
        responses=LotTraceSerializer,
        parameters=[OpenApiParameter("export", str, enum=["csv", "xlsx"], description="export the shipments")],
    )
    @action(detail=False, methods=["get"], url_path=r"lot-trace/(?P<lot>[^/]+)", url_name="lot-trace")
    def lot_trace(self, request, lot=None):
        trace = selectors.lot_trace(tenant=self.tenant, lot_number=lot)
        fmt = request.query_params.get("export")
        if fmt:
            return exports.lot_trace_export(trace, fmt)
        return Response(exports.lot_trace_json(trace, user=request.user))

    @extend_schema(
        parameters=[
            OpenApiParameter("hospital", int),
            OpenApiParameter("distributor", int),
            OpenApiParameter("from", str, description="YYYY-MM-DD"),
            OpenApiParameter("to", str, description="YYYY-MM-DD"),
        ],
        responses=serializers.ListSerializer(child=serializers.DictField()),
    )
    # Not paginated (at most 1,000 lots): the schema says a plain list, as the answer is.
    @action(detail=False, methods=["get"], url_path="lots-received", url_name="lots-received", pagination_class=None)
    def lots_received(self, request):
        from django.utils.dateparse import parse_date

        p = request.query_params
        hospital, distributor = p.get("hospital", ""), p.get("distributor", "")
        if not (hospital.isdigit() or distributor.isdigit()):
            raise ValidationError({"hospital": ["Give a hospital or a distributor."]})
        try:
            start = parse_date(p["from"]) if p.get("from") else None
            end = parse_date(p["to"]) if p.get("to") else None
        except ValueError as exc:
            raise ValidationError({"from": ["Use YYYY-MM-DD."]}) from exc
        rows = selectors.lots_received(
            tenant=self.tenant,
            hospital=int(hospital) if hospital.isdigit() else None,
            distributor=int(distributor) if distributor.isdigit() else None,
            start=start,
            end=end,
        )
        return Response(list(rows[:1000]))


class ComplaintSLASerializer(serializers.ModelSerializer):
    class Meta:
        model = ComplaintSLA
        fields = ["id", "type", "severity", "clock", "days", "working_days", "remind_days", "is_active"]


class ComplaintSLAViewSet(TenantModelViewSet):
    """The tenant's clock rules per type × severity (over the defaults of complaints.rules)."""

    serializer_class = ComplaintSLASerializer
    read_roles = COMPLAINT_SETTINGS_EDITORS | COMPLAINT_HANDLERS
    write_roles = COMPLAINT_SETTINGS_EDITORS

    def get_queryset(self):
        return ComplaintSLA.objects.for_tenant(self.tenant).order_by("-id")
