"""API of the content library: ``content-items`` (+ ``approve``, ``withdraw``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.permissions import (
    CONTENT_EDITORS,
)
from crm.rest import TenantModelViewSet
from hospitals.models import Product
from visits import selectors, services
from visits.models import (
    ContentItem,
)

# --- content library -----------------------------------------------------------------------


class ContentItemSerializer(serializers.ModelSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects, required=False, allow_null=True)
    use_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = ContentItem
        fields = [
            "id",
            "kind",
            "product",
            "title",
            "description",
            "file",
            "url",
            "tags",
            "approved_by",
            "approved_at",
            "valid_from",
            "valid_until",
            "created_at",
            "use_count",
        ]
        read_only_fields = ["approved_by", "approved_at", "created_at"]


class ContentItemViewSet(TenantModelViewSet):
    """The content library: reps see approved, valid items; medical affairs edits and approves.
    ``?search=`` matches title, tag or product; ``use_count`` counts submitted visit reports."""

    serializer_class = ContentItemSerializer
    write_roles = CONTENT_EDITORS
    filterset_fields = ["kind", "product"]

    def get_queryset(self):
        items = selectors.content_item_list(
            tenant=self.tenant, user=self.request.user, search=self.request.query_params.get("search", "")
        )
        return selectors.with_usage(items).order_by("-id")

    def perform_create(self, serializer):
        serializer.instance = services.content_item_create(
            tenant=self.tenant, by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        services.content_item_update(
            tenant=self.tenant, by=self.request.user, item=serializer.instance, **serializer.validated_data
        )
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_destroy(self, instance):
        services.content_item_withdraw(tenant=self.tenant, by=self.request.user, item=instance)

    def destroy(self, request, *args, **kwargs):
        """Withdraw the approval (items used in visits are kept)."""
        self.perform_destroy(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=ContentItemSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        services.content_item_approve(tenant=self.tenant, by=request.user, item=self.get_object())
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(request=None, responses=ContentItemSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        services.content_item_withdraw(tenant=self.tenant, by=request.user, item=self.get_object())
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)
