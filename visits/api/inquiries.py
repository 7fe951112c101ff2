"""API of medical inquiries: ``medical-inquiries`` (+ ``answer``, ``send-back``, ``assign``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.permissions import (
    INQUIRY_ANSWERERS,
    INQUIRY_RAISERS,
    INQUIRY_SENDERS,
)
from crm.rest import TenantModelViewSet
from hospitals.models import Doctor, Product
from visits import selectors, services
from visits.models import (
    MedicalInquiry,
    SendBackChannel,
)

# --- medical inquiries ---------------------------------------------------------------------


class MedicalInquirySerializer(serializers.ModelSerializer):
    doctor = serializers.PrimaryKeyRelatedField(queryset=Doctor.objects)
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects, required=False, allow_null=True)
    doctor_name = serializers.CharField(source="doctor.name", read_only=True)
    is_past_sla = serializers.BooleanField(read_only=True)

    class Meta:
        model = MedicalInquiry
        fields = [
            "id",
            "visit",
            "doctor",
            "doctor_name",
            "product",
            "question",
            "asked_by",
            "received_at",
            "due_date",
            "assignee",
            "status",
            "answer",
            "answered_by",
            "answered_at",
            "sent_back_channel",
            "sent_back_at",
            "is_past_sla",
        ]
        read_only_fields = [
            "visit",
            "asked_by",
            "received_at",
            "due_date",
            "assignee",
            "status",
            "answer",
            "answered_by",
            "answered_at",
            "sent_back_channel",
            "sent_back_at",
        ]


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField()


class SendBackSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=SendBackChannel.choices)
    sent_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class AssignSerializer(serializers.Serializer):
    assignee = serializers.IntegerField()


class MedicalInquiryViewSet(TenantModelViewSet):
    """Medical inquiries: raised by field staff, answered and sent back by medical affairs."""

    serializer_class = MedicalInquirySerializer
    http_method_names = ["get", "post", "head", "options"]
    write_roles = INQUIRY_RAISERS
    action_roles = {
        "answer": INQUIRY_ANSWERERS,
        "assign": INQUIRY_ANSWERERS,
        "send_back": INQUIRY_SENDERS,
    }
    filterset_fields = ["status", "doctor", "product"]

    def get_queryset(self):
        return selectors.medical_inquiry_list(tenant=self.tenant, user=self.request.user).order_by("-id")

    def perform_create(self, serializer):
        serializer.instance = services.medical_inquiry_create(
            tenant=self.tenant, by=self.request.user, **serializer.validated_data
        )

    @extend_schema(request=AnswerSerializer, responses=MedicalInquirySerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        body = AnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        inquiry = services.medical_inquiry_answer(
            tenant=self.tenant, by=request.user, inquiry=self.get_object(), answer=body.validated_data["answer"]
        )
        return Response(self.get_serializer(inquiry).data)

    @extend_schema(request=SendBackSerializer, responses=MedicalInquirySerializer)
    @action(detail=True, methods=["post"], url_path="send-back", url_name="send-back")
    def send_back(self, request, pk=None):
        body = SendBackSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        inquiry = services.medical_inquiry_send_back(
            tenant=self.tenant,
            by=request.user,
            inquiry=self.get_object(),
            channel=body.validated_data["channel"],
            sent_at=body.validated_data["sent_at"],
        )
        return Response(self.get_serializer(inquiry).data)

    @extend_schema(request=AssignSerializer, responses=MedicalInquirySerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        body = AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        inquiry = services.medical_inquiry_assign(
            tenant=self.tenant, by=request.user, inquiry=self.get_object(), assignee=body.validated_data["assignee"]
        )
        return Response(self.get_serializer(inquiry).data)
