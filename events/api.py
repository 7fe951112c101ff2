"""API of events: serializers and viewsets on the kernel's base (thin: no business rule).

Routes (crm/api.py): ``programs``, ``events`` (+ ``submit``, ``approve``, ``reject``, ``cancel``,
``held``, ``close``, ``correct``, ``invite``, ``invite-network``,
``scorecard``; programs + ``summary``, ``add-network``), ``event-attendees`` (+ ``sign-in``,
``rsvp``), ``event-agenda``, ``event-budget-lines``, ``event-expenses`` (multipart receipt),
``event-photos``, ``event-questions``, ``event-self-signins`` (+ ``resolve``),
``event-followups`` (+ ``complete``), ``insights`` (+ ``answer``, ``address``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from crm.pagination import KeysetPagination
from crm.permissions import (
    EVENT_APPROVERS,
    EVENT_FOLLOWUP_ROLES,
    EVENT_ORGANISERS,
    EVENT_ROLES,
    INSIGHT_ANSWERERS,
    INSIGHT_RAISERS,
    INSIGHT_ROLES,
    NETWORK_INVITERS,
    PROGRAM_EDITORS,
)
from crm.rest import IdListField, TenantModelViewSet, TenantReadOnlyViewSet
from events import filters, selectors, services
from events.models import (
    AgendaItem,
    Attendee,
    BudgetLine,
    Event,
    EventFollowUp,
    EventPhoto,
    Expense,
    Insight,
    Program,
    Question,
    Reaction,
    Recall,
    SelfSignIn,
    TrialResult,
)
from hospitals.models import Department, Distributor, Doctor, Hospital, KeyMessage, Product
from visits.models import ContentItem


class EventPagination(KeysetPagination):
    """Events newest first by start (the (tenant, starts_at, id) indexes), or by title."""

    orderings = {"starts_at": ("starts_at",), "id": ()}
    default_ordering = "-starts_at"


class InsightPagination(KeysetPagination):
    orderings = {"created_at": ("created_at",), "id": ()}
    default_ordering = "-created_at"


# --- programs -------------------------------------------------------------------------------


class ProgramSerializer(serializers.ModelSerializer):
    products = IdListField(required=False)
    target_doctors = serializers.ListField(child=serializers.IntegerField(), required=False, write_only=True)

    class Meta:
        model = Program
        fields = [
            "id",
            "name",
            "objective",
            "products",
            "target_tiers",
            "target_departments",
            "target_doctors",
            "owner",
            "starts_on",
            "ends_on",
            "budget",
            "status",
            "created_at",
        ]
        read_only_fields = ["owner", "created_at"]


class NetworkInviteSerializer(serializers.Serializer):
    invitation_list = serializers.IntegerField(help_text="A saved KOL invitation list (a doctor's network).")
    doctors = serializers.ListField(
        child=serializers.IntegerField(), required=False, allow_null=True, default=None,
        help_text="The doctors of the list to take (default: all of them).",
    )  # fmt: skip


class NetworkInviteResultSerializer(serializers.Serializer):
    invited = serializers.IntegerField(help_text="Doctors added now.")
    already = serializers.IntegerField(help_text="Doctors of the selection who already were.")


def _network_invite(view, step, **target):
    """Run ``step`` (an events service taking a KOL invitation list) for the body's list."""
    from segmentation.kol.selectors import invitation_list_list

    body = NetworkInviteSerializer(data=view.request.data)
    body.is_valid(raise_exception=True)
    user = view.request.user
    invitation = invitation_list_list(tenant=view.tenant, user=user).filter(pk=body.validated_data["invitation_list"])
    if not invitation:
        raise ValidationError({"invitation_list": _("Not found.")})
    invited, already = step(tenant=view.tenant, by=user, invitation_list=invitation[0],
                            doctor_ids=body.validated_data["doctors"], **target)  # fmt: skip
    return Response({"invited": invited, "already": already})


class ProgramViewSet(TenantModelViewSet):
    """Programs: product managers and administrators set them up; everyone with events reads them."""

    serializer_class = ProgramSerializer
    read_roles = EVENT_ROLES
    write_roles = PROGRAM_EDITORS
    selector = selectors.program_list
    create_service = services.program_create

    def get_queryset(self):
        return super().get_queryset().prefetch_related("products")

    update_service = services.program_update
    instance_kwarg = "program"
    action_roles = {"summary": EVENT_ROLES, "add_network": NETWORK_INVITERS & PROGRAM_EDITORS}

    @extend_schema(request=NetworkInviteSerializer, responses=NetworkInviteResultSerializer)
    @action(detail=True, methods=["post"], url_path="add-network")
    def add_network(self, request, pk=None):
        """Add the doctors of a saved KOL invitation list to the program's target audience."""
        return _network_invite(self, services.program_targets_from_list, program=self.get_object())

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"])
    def summary(self, request, pk=None):
        """Spend, reach and follow-up figures of the program's events."""
        data = selectors.program_summary(tenant=self.tenant, program=self.get_object())
        return Response(serializers.JSONField().to_representation(_jsonable(data)))


def _jsonable(value):
    from decimal import Decimal

    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return str(value) if hasattr(value, "_proxy____cast") else value


# --- events ---------------------------------------------------------------------------------


class KeyMessageIds(IdListField):
    """The event's key messages (ids, in the meeting's order)."""

    def get_attribute(self, instance):
        rows = sorted(instance.key_messages.all(), key=lambda k: (k.order, k.pk))  # prefetched by the viewset
        return [k.key_message_id for k in rows]


class EventSerializer(serializers.ModelSerializer):
    program = serializers.PrimaryKeyRelatedField(queryset=Program.objects, required=False, allow_null=True)
    distributor = serializers.PrimaryKeyRelatedField(queryset=Distributor.objects, required=False, allow_null=True)
    host_hospital = serializers.PrimaryKeyRelatedField(queryset=Hospital.objects, required=False, allow_null=True)
    host_department = serializers.PrimaryKeyRelatedField(queryset=Department.objects, required=False, allow_null=True)
    slide_deck = serializers.PrimaryKeyRelatedField(queryset=ContentItem.objects, required=False, allow_null=True)
    products = IdListField(required=False)
    key_messages = KeyMessageIds(required=False)

    class Meta:
        model = Event
        fields = [
            "id",
            "program",
            "title",
            "type",
            "products",
            "key_messages",
            "organiser_kind",
            "distributor",
            "third_party",
            "host_hospital",
            "host_department",
            "venue_name",
            "venue_city",
            "venue_address",
            "venue_kind",
            "starts_at",
            "ends_at",
            "slide_deck",
            "expected_attendees",
            "owner",
            "status",
            "needs_pm_approval",
            "manager_approved_by",
            "manager_approved_at",
            "pm_approved_by",
            "pm_approved_at",
            "held_at",
            "closed_at",
            "status_reason",
            "questionnaire",
            "created_at",
        ]
        read_only_fields = [
            "owner",
            "status",
            "needs_pm_approval",
            "manager_approved_by",
            "manager_approved_at",
            "pm_approved_by",
            "pm_approved_at",
            "held_at",
            "closed_at",
            "status_reason",
            "questionnaire",
            "created_at",
        ]


class EventReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class EventNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CorrectionSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)
    changes = serializers.DictField(help_text="Fields of the event and their corrected values.")


class InviteSerializer(serializers.Serializer):
    doctors = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    tiers = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    departments = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    hospitals = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    adoption_stages = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    product = serializers.IntegerField(required=False, allow_null=True, default=None)
    relations_of = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)


class EventViewSet(TenantModelViewSet):
    """Events the caller may see (role visibility in ``events.selectors.event_list``); the
    workflow's steps are actions; DELETE removes a draft of one's own."""

    serializer_class = EventSerializer
    filterset_class = filters.EventFilter
    pagination_class = EventPagination
    read_roles = EVENT_ROLES
    write_roles = EVENT_ORGANISERS
    action_roles = {
        "submit": EVENT_ORGANISERS,
        "approve": EVENT_APPROVERS,
        "reject": EVENT_APPROVERS,
        "cancel": EVENT_ORGANISERS,
        "held": EVENT_ORGANISERS,
        "close": EVENT_ORGANISERS,
        "correct": EVENT_ORGANISERS,
        "invite": EVENT_ORGANISERS,
        "invite_network": NETWORK_INVITERS,
        "scorecard": EVENT_ROLES,
    }
    selector = selectors.event_list
    create_service = services.event_create

    def get_queryset(self):
        return super().get_queryset().prefetch_related("products", "key_messages")

    update_service = services.event_update
    delete_service = services.event_delete
    instance_kwarg = "event"

    def _step(self, fn, **kwargs):
        event = fn(tenant=self.tenant, by=self.request.user, event=self.get_object(), **kwargs)
        event.refresh_from_db()
        return Response(self.get_serializer(event).data)

    @extend_schema(request=None, responses=EventSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._step(services.event_submit)

    @extend_schema(request=EventNoteSerializer, responses=EventSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        body = EventNoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._step(services.event_approve, note=body.validated_data["note"])

    @extend_schema(request=EventReasonSerializer, responses=EventSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        body = EventReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._step(services.event_reject, reason=body.validated_data["reason"])

    @extend_schema(request=EventReasonSerializer, responses=EventSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        body = EventReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._step(services.event_cancel, reason=body.validated_data["reason"])

    @extend_schema(request=None, responses=EventSerializer)
    @action(detail=True, methods=["post"])
    def held(self, request, pk=None):
        return self._step(services.event_mark_held)

    @extend_schema(request=None, responses=EventSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._step(services.event_close)

    @extend_schema(request=CorrectionSerializer, responses=EventSerializer)
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        body = CorrectionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        event = self.get_object()
        fields = EventSerializer(
            event, data=body.validated_data["changes"], partial=True, context=self.get_serializer_context()
        )
        fields.is_valid(raise_exception=True)
        changes = {k: v for k, v in fields.validated_data.items() if k in services.EVENT_FIELDS}
        services.event_correct(
            tenant=self.tenant, by=request.user, event=event, reason=body.validated_data["reason"], **changes
        )
        event.refresh_from_db()
        return Response(self.get_serializer(event).data)

    @extend_schema(request=InviteSerializer, responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"])
    def invite(self, request, pk=None):
        body = InviteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        n = services.attendees_invite(
            tenant=self.tenant, by=request.user, event=self.get_object(), **body.validated_data
        )
        return Response({"invited": n})

    @extend_schema(request=NetworkInviteSerializer, responses=NetworkInviteResultSerializer)
    @action(detail=True, methods=["post"], url_path="invite-network")
    def invite_network(self, request, pk=None):
        """Invite the doctors of a saved KOL invitation list (or those picked among them)."""
        return _network_invite(self, services.attendees_invite_from_list, event=self.get_object())

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"])
    def scorecard(self, request, pk=None):
        """Attendees by tier, signed in vs invited, follow-up within the deadline, recall, trial, per rep."""
        card = selectors.event_scorecard(tenant=self.tenant, event=self.get_object())
        return Response(_jsonable(card))


# --- children of an event -------------------------------------------------------------------


class _EventChild(serializers.ModelSerializer):
    event = serializers.PrimaryKeyRelatedField(queryset=Event.objects)

    def validate_event(self, event):
        request = self.context["request"]
        if not selectors.event_list(tenant=request.user.tenant_id, user=request.user).filter(pk=event.pk).exists():
            raise serializers.ValidationError("Select a valid choice.")
        return event


class AttendeeSerializer(serializers.ModelSerializer):
    doctor_name = serializers.CharField(source="doctor.name", read_only=True)
    hospital_name = serializers.CharField(source="doctor.hospital.name", read_only=True)

    class Meta:
        model = Attendee
        fields = [
            "id",
            "event",
            "doctor",
            "doctor_name",
            "hospital_name",
            "rsvp",
            "invited_via",
            "invited_by",
            "invited_at",
            "signed_in_at",
            "signin_method",
            "signed_in_by",
        ]
        read_only_fields = fields


class SignInSerializer(serializers.Serializer):
    signed_in = serializers.BooleanField(default=True)


class RsvpSerializer(serializers.Serializer):
    rsvp = serializers.CharField()


class AttendeeViewSet(TenantReadOnlyViewSet):
    """Attendees of the events the caller sees; ``sign-in`` (the rep on the day) and ``rsvp``."""

    serializer_class = AttendeeSerializer
    filterset_fields = ["event", "doctor", "rsvp"]
    read_roles = EVENT_ROLES
    action_roles = {"sign_in": EVENT_ORGANISERS, "rsvp": EVENT_ORGANISERS}

    def get_queryset(self):
        return (
            selectors.attendee_list(tenant=self.tenant, user=self.request.user)
            .select_related("doctor", "doctor__hospital")
            .order_by("-id")
        )

    @extend_schema(request=SignInSerializer, responses=AttendeeSerializer)
    @action(detail=True, methods=["post"], url_path="sign-in")
    def sign_in(self, request, pk=None):
        body = SignInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = services.attendee_sign_in(
            tenant=self.tenant, by=request.user, attendee=self.get_object(), signed_in=body.validated_data["signed_in"]
        )
        return Response(self.get_serializer(row).data)

    @extend_schema(request=RsvpSerializer, responses=AttendeeSerializer)
    @action(detail=True, methods=["post"])
    def rsvp(self, request, pk=None):
        body = RsvpSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = services.attendee_rsvp(
            tenant=self.tenant, by=request.user, attendee=self.get_object(), **body.validated_data
        )
        return Response(self.get_serializer(row).data)


class AgendaItemSerializer(_EventChild):
    speaker_doctor = serializers.PrimaryKeyRelatedField(queryset=Doctor.objects, required=False, allow_null=True)

    class Meta:
        model = AgendaItem
        fields = ["id", "event", "order", "topic", "speaker_doctor", "speaker_user", "minutes", "is_academic"]


class AgendaItemViewSet(TenantModelViewSet):
    serializer_class = AgendaItemSerializer
    filterset_fields = ["event"]
    read_roles = EVENT_ROLES
    write_roles = EVENT_ORGANISERS
    selector = selectors.agenda_list
    create_service = services.agenda_item_create
    delete_service = services.agenda_item_delete
    instance_kwarg = "item"
    http_method_names = ["get", "post", "delete", "head", "options"]


class BudgetLineSerializer(_EventChild):
    class Meta:
        model = BudgetLine
        fields = ["id", "event", "category", "amount", "note"]
        validators = []  # (event, category) is an upsert: budget_line_set


class BudgetLineViewSet(TenantModelViewSet):
    """Budget lines; POST sets (or changes) the line of a category while the event is a draft."""

    serializer_class = BudgetLineSerializer
    filterset_fields = ["event", "category"]
    read_roles = EVENT_ROLES
    write_roles = EVENT_ORGANISERS
    selector = selectors.budget_line_list
    create_service = services.budget_line_set
    http_method_names = ["get", "post", "head", "options"]


class ExpenseSerializer(_EventChild):
    receipt = serializers.FileField(required=False, allow_null=True)

    class Meta:
        model = Expense
        fields = [
            "id",
            "event",
            "category",
            "amount",
            "spent_on",
            "description",
            "receipt",
            "receipt_sha256",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["receipt_sha256", "created_by", "created_at"]


class ExpenseViewSet(TenantModelViewSet):
    """Actual expenses (multipart with the receipt: an image or a PDF)."""

    serializer_class = ExpenseSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_fields = ["event", "category"]
    read_roles = EVENT_ROLES
    write_roles = EVENT_ORGANISERS
    selector = selectors.expense_list
    create_service = services.expense_add
    http_method_names = ["get", "post", "head", "options"]


class EventPhotoSerializer(_EventChild):
    class Meta:
        model = EventPhoto
        fields = ["id", "event", "kind", "file", "sha256", "uploaded_by", "uploaded_at"]
        read_only_fields = ["sha256", "uploaded_by", "uploaded_at"]


class EventPhotoViewSet(TenantModelViewSet):
    serializer_class = EventPhotoSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filterset_fields = ["event", "kind"]
    read_roles = EVENT_ROLES
    write_roles = EVENT_ORGANISERS
    http_method_names = ["get", "post", "head", "options"]
    create_service = services.photo_add

    def get_queryset(self):
        return selectors._child_list(EventPhoto, tenant=self.tenant, user=self.request.user).order_by("-id")


class QuestionSerializer(_EventChild):
    attendee = serializers.PrimaryKeyRelatedField(queryset=Attendee.objects, required=False, allow_null=True)
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects, required=False, allow_null=True)
    key_message = serializers.PrimaryKeyRelatedField(queryset=KeyMessage.objects, required=False, allow_null=True)

    class Meta:
        model = Question
        fields = [
            "id",
            "event",
            "attendee",
            "text",
            "product",
            "key_message",
            "answered_on_spot",
            "answer",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["recorded_by", "created_at"]


class QuestionViewSet(TenantModelViewSet):
    """Questions raised at events; an unanswered one goes to the product manager at once."""

    serializer_class = QuestionSerializer
    filterset_fields = ["event", "attendee", "answered_on_spot"]
    read_roles = EVENT_ROLES
    write_roles = EVENT_ORGANISERS
    selector = selectors.question_list
    create_service = services.question_record
    http_method_names = ["get", "post", "head", "options"]


class SelfSignInSerializer(serializers.ModelSerializer):
    class Meta:
        model = SelfSignIn
        fields = [
            "id",
            "event",
            "name",
            "hospital_text",
            "phone_last4",
            "at",
            "status",
            "doctor",
            "score",
            "candidates",
            "attendee",
            "resolved_by",
        ]
        read_only_fields = fields


class ResolveSerializer(serializers.Serializer):
    doctor = serializers.IntegerField(required=False, allow_null=True, default=None)
    dismiss = serializers.BooleanField(default=False)


class SelfSignInViewSet(TenantReadOnlyViewSet):
    """What doctors typed on the QR page; ``resolve`` settles one of the review list."""

    serializer_class = SelfSignInSerializer
    filterset_fields = ["event", "status"]
    read_roles = EVENT_ROLES
    action_roles = {"resolve": EVENT_ORGANISERS}

    def get_queryset(self):
        return selectors.self_signin_list(tenant=self.tenant, user=self.request.user).order_by("-id")

    @extend_schema(request=ResolveSerializer, responses=SelfSignInSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        body = ResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = services.self_signin_resolve(
            tenant=self.tenant,
            by=request.user,
            signin=self.get_object(),
            doctor=body.validated_data["doctor"],
            dismiss=body.validated_data["dismiss"],
        )
        return Response(self.get_serializer(row).data)


# --- follow-ups -----------------------------------------------------------------------------


class FollowUpSerializer(serializers.ModelSerializer):
    doctor_name = serializers.CharField(source="doctor.name", read_only=True)
    event_title = serializers.CharField(source="event.title", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = EventFollowUp
        fields = [
            "id",
            "event",
            "event_title",
            "attendee",
            "doctor",
            "doctor_name",
            "assignee",
            "watchers",
            "visit_plan",
            "purposes",
            "open_questions",
            "due_date",
            "status",
            "done_at",
            "visit",
            "trial",
            "trial_indication",
            "answers",
            "note",
            "created_at",
            "is_overdue",
        ]
        read_only_fields = fields


class RecallSerializer(serializers.Serializer):
    key_message = serializers.IntegerField()
    recall = serializers.ChoiceField(choices=Recall.choices)
    reaction = serializers.ChoiceField(choices=Reaction.choices, default="neutral")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CompleteFollowUpSerializer(serializers.Serializer):
    recalls = RecallSerializer(many=True, required=False, default=list)
    trial = serializers.ChoiceField(choices=TrialResult.choices, required=False, allow_blank=True, default="")
    trial_indication = serializers.CharField(required=False, allow_blank=True, default="")
    answers = serializers.DictField(required=False, default=dict)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class FollowUpViewSet(TenantReadOnlyViewSet):
    """Event follow-ups the caller does or oversees; ``complete`` records recall, trial and answers."""

    serializer_class = FollowUpSerializer
    filterset_class = filters.FollowUpFilter
    read_roles = EVENT_ROLES
    action_roles = {"complete": EVENT_FOLLOWUP_ROLES}

    def get_queryset(self):
        return (
            selectors.followup_list(tenant=self.tenant, user=self.request.user)
            .select_related("doctor", "event")
            .order_by("-id")
        )

    @extend_schema(request=CompleteFollowUpSerializer, responses=FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        body = CompleteFollowUpSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = services.followup_complete(
            tenant=self.tenant, by=request.user, followup=self.get_object(), **body.validated_data
        )
        return Response(self.get_serializer(row).data)


# --- insights -------------------------------------------------------------------------------


class InsightSerializer(serializers.ModelSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects)
    key_message = serializers.PrimaryKeyRelatedField(queryset=KeyMessage.objects, required=False, allow_null=True)
    doctor = serializers.PrimaryKeyRelatedField(queryset=Doctor.objects, required=False, allow_null=True)
    event = serializers.PrimaryKeyRelatedField(queryset=Event.objects, required=False, allow_null=True)

    class Meta:
        model = Insight
        fields = [
            "id",
            "kind",
            "text",
            "product",
            "key_message",
            "doctor",
            "event",
            "question",
            "visit",
            "raised_by",
            "product_manager",
            "status",
            "answer",
            "answered_by",
            "answered_at",
            "addressed_in",
            "addressed_version",
            "created_at",
        ]
        read_only_fields = [
            "question",
            "raised_by",
            "product_manager",
            "status",
            "answer",
            "answered_by",
            "answered_at",
            "addressed_in",
            "addressed_version",
            "created_at",
        ]


class InsightAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(allow_blank=True)
    addressed_in = serializers.IntegerField(required=False, allow_null=True, default=None)
    addressed_version = serializers.CharField(required=False, allow_blank=True, default="")


class AddressSerializer(serializers.Serializer):
    content_item = serializers.IntegerField()
    version = serializers.CharField(required=False, allow_blank=True, default="")


class InsightViewSet(TenantModelViewSet):
    """Field insights: reps send them (POST), the product manager's inbox (``?mine=true``),
    ``answer`` and ``address`` (the deck version that addresses it)."""

    serializer_class = InsightSerializer
    filterset_class = filters.InsightFilter
    pagination_class = InsightPagination
    read_roles = INSIGHT_ROLES
    write_roles = INSIGHT_RAISERS
    action_roles = {"answer": INSIGHT_ANSWERERS, "address": INSIGHT_ANSWERERS}
    selector = selectors.insight_list
    create_service = services.insight_raise
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(request=InsightAnswerSerializer, responses=InsightSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        body = InsightAnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = services.insight_answer(
            tenant=self.tenant, by=request.user, insight=self.get_object(), **body.validated_data
        )
        return Response(self.get_serializer(row).data)

    @extend_schema(request=AddressSerializer, responses=InsightSerializer)
    @action(detail=True, methods=["post"])
    def address(self, request, pk=None):
        body = AddressSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        row = services.insight_address(
            tenant=self.tenant, by=request.user, insight=self.get_object(), **body.validated_data
        )
        return Response(self.get_serializer(row).data)
