"""API of the inbox: the caller's own notifications (``/api/v1/notifications/``, + ``mark-read``)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from crm import inbox
from crm.models import Notification
from crm.permissions import ALL_ROLES
from crm.rest import TenantReadOnlyViewSet


class NotificationSerializer(serializers.ModelSerializer):
    """A notification of the caller."""

    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "link", "object_type", "object_id", "date", "read", "created_at"]
        read_only_fields = fields


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), required=False, allow_null=True, default=None)


class NotificationViewSet(TenantReadOnlyViewSet):
    """The caller's own notifications; ``mark-read`` (ids, or all)."""

    serializer_class = NotificationSerializer
    filterset_fields = ["read", "kind"]
    action_roles = {"mark_read": ALL_ROLES}
    selector = inbox.notification_list

    @extend_schema(request=MarkReadSerializer, responses=None)
    @action(detail=False, methods=["post"], url_path="mark-read", url_name="mark-read")
    def mark_read(self, request):
        body = MarkReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        n = inbox.notifications_mark_read(tenant=self.tenant, by=request.user, ids=body.validated_data["ids"])
        return Response({"marked": n})
