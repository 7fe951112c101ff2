"""API of follow-up tasks: ``followup-tasks`` (+ ``complete``, ``reopen``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.permissions import (
    TASK_WORKERS,
)
from crm.rest import TenantReadOnlyViewSet
from visits import selectors, services
from visits.models import (
    FollowUpTask,
)

# --- follow-up tasks -----------------------------------------------------------------------


class FollowUpTaskSerializer(serializers.ModelSerializer):
    doctor_name = serializers.CharField(source="doctor.name", read_only=True, default="")
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = FollowUpTask
        fields = [
            "id",
            "visit",
            "rule",
            "kind",
            "doctor",
            "doctor_name",
            "title",
            "detail",
            "assignee_role",
            "assignee",
            "inquiry",
            "due_at",
            "priority",
            "status",
            "done_by",
            "done_at",
            "answer",
            "created_at",
            "is_overdue",
        ]
        read_only_fields = fields

    def get_is_overdue(self, obj) -> bool:
        from django.utils import timezone

        return obj.status == "open" and obj.due_at < timezone.now()


class CompleteSerializer(serializers.Serializer):
    answer = serializers.CharField(required=False, allow_blank=True, default="")


class FollowUpTaskViewSet(TenantReadOnlyViewSet):
    """The caller's task inboxes; ``complete`` with the answer, ``reopen``."""

    serializer_class = FollowUpTaskSerializer
    filterset_fields = ["status", "kind", "assignee_role", "doctor", "visit"]
    action_roles = {
        "complete": TASK_WORKERS,
        "reopen": TASK_WORKERS,
    }

    def get_queryset(self):
        return selectors.followup_task_list(tenant=self.tenant, user=self.request.user).order_by("-id")

    @extend_schema(request=CompleteSerializer, responses=FollowUpTaskSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        body = CompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        task = services.followup_task_complete(
            tenant=self.tenant, by=request.user, task=self.get_object(), answer=body.validated_data["answer"]
        )
        return Response(self.get_serializer(task).data)

    @extend_schema(request=None, responses=FollowUpTaskSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        task = services.followup_task_reopen(tenant=self.tenant, by=request.user, task=self.get_object())
        return Response(self.get_serializer(task).data)
