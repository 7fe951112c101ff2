"""API of visit reports: ``visits`` (+ ``submit``, ``amend``; a change to a submitted report is
409) and ``visit-amendments``."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, prefetch_related_objects
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.permissions import (
    VISITING_ROLES,
)
from crm.rest import IdListField, TenantModelViewSet, TenantReadOnlyViewSet
from visits import selectors, services
from visits.models import (
    Reaction,
    Visit,
    VisitAmendment,
    VisitKeyMessage,
)


class Locked(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "locked"


def _call(fn, **kwargs):
    """Run a service; a "locked" validation error becomes 409, others stay 400 (crm.rest)."""
    try:
        return fn(**kwargs)
    except DjangoValidationError as exc:
        if getattr(exc, "code", None) == "locked":
            raise Locked(detail={"non_field_errors": exc.messages}) from exc
        raise


# --- visits --------------------------------------------------------------------------------


class KeyMessageReactionSerializer(serializers.Serializer):
    """A key message of the visit and the doctor's reaction; read back with the message's text."""

    key_message = serializers.IntegerField()
    text = serializers.CharField(read_only=True)
    # Required: a reaction is the rep's choice, never assumed ("undelivered" for a planned message not delivered).
    reaction = serializers.ChoiceField(choices=Reaction.choices)
    note = serializers.CharField(allow_blank=True, required=False, default="", max_length=500)

    def to_representation(self, instance):
        # ``instance`` is a VisitKeyMessage (prefetched with its key message).
        return {
            "key_message": instance.key_message_id,
            "text": instance.key_message.text,
            "reaction": instance.reaction,
            "note": instance.note,
        }


class VisitSerializer(serializers.ModelSerializer):
    """A visit report; ``key_messages`` carry the doctor's reaction; ``submit: true`` on create submits at once."""

    # Plain ids: the service checks that the caller sees the doctor and owns the plan (one query
    # each), so the serializer does not look them up a second time.
    doctor = serializers.IntegerField(source="doctor_id")
    plan = serializers.IntegerField(source="plan_id", required=False, allow_null=True)
    doctor_name = serializers.CharField(source="doctor.name", read_only=True)
    rep_name = serializers.CharField(source="rep.__str__", read_only=True)
    key_messages = KeyMessageReactionSerializer(many=True, required=False)
    products = IdListField(required=False)
    content_items = IdListField(required=False)
    submit = serializers.BooleanField(write_only=True, required=False, default=False)

    class Meta:
        model = Visit
        fields = [
            "id",
            "rep",
            "rep_name",
            "doctor",
            "doctor_name",
            "plan",
            "channel",
            "visited_at",
            "duration_minutes",
            "products",
            "key_messages",
            "content_items",
            "objective",
            "objective_achieved",
            "feedback",
            "questions_raised",
            "signals",
            "signal_notes",
            "next_step",
            "next_step_due",
            "status",
            "submitted_at",
            "is_late",
            "amended",
            "created_at",
            "updated_at",
            "submit",
        ]
        read_only_fields = ["rep", "status", "submitted_at", "is_late", "amended", "created_at", "updated_at"]


def _children():
    # Built per request: a queryset made at import time has no tenant and would refuse to run.
    return (
        Prefetch("key_messages", queryset=VisitKeyMessage.objects.select_related("key_message").order_by("id")),
        "products",
        "content_items",
    )


def _with_children(visit):
    """``visit`` with what its representation lists, fetched in three queries."""
    prefetch_related_objects([visit], *_children())
    return visit


class VisitAmendSerializer(serializers.Serializer):
    reason = serializers.CharField()
    changes = serializers.DictField(help_text="Fields to correct, as in the visit (no doctor, plan or visited_at).")


class VisitViewSet(TenantModelViewSet):
    """Visit reports the caller may see. Drafts are edited by their author; submitted ones are
    locked (409) and corrected by ``amend``."""

    serializer_class = VisitSerializer
    write_roles = VISITING_ROLES
    filterset_fields = ["doctor", "rep", "status", "channel"]

    def get_queryset(self):
        qs = selectors.visit_list(tenant=self.tenant, user=self.request.user).order_by("-id")
        if self.action in ("submit", "amend"):
            return qs  # the answer is built from the service's result (_with_children)
        return qs.prefetch_related(*_children())

    @staticmethod
    def _data(serializer):
        data = dict(serializer.validated_data)
        for name in ("doctor", "plan"):
            if f"{name}_id" in data:
                data[name] = data.pop(f"{name}_id")
        return data

    def perform_create(self, serializer):
        visit = _call(services.visit_create, tenant=self.tenant, by=self.request.user, **self._data(serializer))
        serializer.instance = _with_children(visit)

    def perform_update(self, serializer):
        data = self._data(serializer)
        data.pop("submit", None)
        if serializer.instance.is_locked:
            raise Locked(detail={"non_field_errors": [str(services._locked_error().messages[0])]})
        _call(services.visit_update, tenant=self.tenant, by=self.request.user, visit=serializer.instance, **data)
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_destroy(self, instance):
        if instance.is_locked:  # as for PATCH: locked whoever asks (docs/visits.md), not "not yours"
            raise Locked(detail={"non_field_errors": [str(services._locked_error().messages[0])]})
        _call(services.visit_delete, tenant=self.tenant, by=self.request.user, visit=instance)

    @extend_schema(request=None, responses=VisitSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit a draft: locked from now on; late submissions are accepted and flagged."""
        visit = _call(services.visit_submit, tenant=self.tenant, by=request.user, visit=self.get_object())
        return Response(self.get_serializer(_with_children(visit)).data)

    @extend_schema(request=VisitAmendSerializer, responses=VisitSerializer)
    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        """Correct a submitted report; the amendment keeps the original, who, when and why."""
        visit = self.get_object()
        body = VisitAmendSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changes = dict(body.validated_data["changes"])
        if "key_messages" in changes:
            km = KeyMessageReactionSerializer(data=changes["key_messages"], many=True)
            km.is_valid(raise_exception=True)
            changes["key_messages"] = km.validated_data
        if "next_step_due" in changes and changes["next_step_due"]:
            changes["next_step_due"] = serializers.DateField().to_internal_value(changes["next_step_due"])
        services.visit_amend(
            tenant=self.tenant, by=request.user, visit=visit, reason=body.validated_data["reason"], **changes
        )
        return Response(self.get_serializer(_with_children(self.get_queryset().get(pk=visit.pk))).data)


class VisitAmendmentSerializer(serializers.ModelSerializer):
    by_name = serializers.CharField(source="by.__str__", read_only=True)

    class Meta:
        model = VisitAmendment
        fields = ["id", "visit", "by", "by_name", "at", "reason", "changes"]


class VisitAmendmentViewSet(TenantReadOnlyViewSet):
    """Amendments of the visits the caller may see (read-only: amend through the visit)."""

    serializer_class = VisitAmendmentSerializer
    filterset_fields = ["visit"]

    def get_queryset(self):
        return selectors.amendment_list(tenant=self.tenant, user=self.request.user).order_by("-id")
