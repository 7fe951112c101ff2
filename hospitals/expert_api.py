"""API of the expert database: expert profiles (with the academic level and its override),
the history of academic levels, speaker qualifications and the tenant's academic-level rule."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from crm.permissions import (
    ACADEMIC_HISTORY_READERS,
    ACADEMIC_LEVEL_EDITORS,
    EXPERT_PROFILE_EDITORS,
    EXPERT_ROLES,
    HEAD_OFFICE_ROLES,
    SPEAKER_APPROVERS,
)
from crm.rest import TenantModelViewSet, TenantReadOnlyViewSet
from hospitals import selectors, services
from hospitals.models import (
    AcademicLevel,
    AcademicLevelChange,
    AcademicLevelRule,
    Doctor,
    ExpertProfile,
    Product,
    SpeakerQualification,
    TeachingPost,
)


class ExpertProfileSerializer(serializers.ModelSerializer):
    """A doctor's expert profile; the level fields are read-only (``override`` changes them)."""

    doctor_name = serializers.CharField(source="doctor.name", read_only=True)
    # "" when no override: a plain string (a read-only choice field's schema would leave "" out)
    level_override = serializers.CharField(read_only=True)
    teaching_posts = serializers.ListField(child=serializers.ChoiceField(choices=TeachingPost.choices), required=False)

    class Meta:
        model = ExpertProfile
        fields = [
            "id", "doctor", "doctor_name", "level", "derived_level", "level_override", "override_reason",
            "overridden_by", "overridden_at", "publications_count", "guideline_count", "research_interests",
            "therapeutic_areas", "teaching_posts", "languages", "lectures_given", "preferred_times", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["doctor", "level", "derived_level", "level_override", "override_reason", "overridden_by",
                            "overridden_at", "updated_at"]  # fmt: skip


class LevelOverrideSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=[("", "—"), *AcademicLevel.choices], allow_blank=True)
    reason = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")


class ExpertProfileViewSet(TenantModelViewSet):
    """Expert profiles of the doctors the caller sees (filters ``level``, ``doctor``).

    ``POST …/{id}/override/`` — compliance sets the academic level against the rule, with a
    reason (``level: ""`` removes the override); recorded in ``academic-level-changes``.
    """

    serializer_class = ExpertProfileSerializer
    read_roles = EXPERT_ROLES
    write_roles = EXPERT_PROFILE_EDITORS
    action_roles = {"override": ACADEMIC_LEVEL_EDITORS}

    def get_queryset(self):
        return selectors.expert_profile_list(tenant=self.tenant, user=self.request.user, params=self.request.GET)

    def create(self, request, *args, **kwargs):
        from rest_framework.exceptions import MethodNotAllowed

        raise MethodNotAllowed("POST")  # profiles come with the doctor (the level is derived)

    def destroy(self, request, *args, **kwargs):
        from rest_framework.exceptions import MethodNotAllowed

        self.get_object()  # another tenant's profile: 404, as everywhere
        raise MethodNotAllowed("DELETE")  # a profile goes with its doctor

    def perform_update(self, serializer):
        serializer.instance = services.expert_profile_update(
            tenant=self.tenant, by=self.request.user, profile=serializer.instance, **serializer.validated_data
        )

    @extend_schema(request=LevelOverrideSerializer, responses=ExpertProfileSerializer)
    @action(detail=True, methods=["post"])
    def override(self, request, pk=None):
        profile = self.get_object()
        body = LevelOverrideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        profile = services.academic_level_override(
            tenant=self.tenant, by=request.user, doctor=profile.doctor, **body.validated_data
        )
        return Response(ExpertProfileSerializer(profile, context=self.get_serializer_context()).data)


class AcademicLevelChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = AcademicLevelChange
        fields = ["id", "doctor", "old_level", "new_level", "source", "reason", "changed_by", "changed_at"]


class AcademicLevelChangeViewSet(TenantReadOnlyViewSet):
    """The append-only history of academic levels (filter ``doctor``)."""

    serializer_class = AcademicLevelChangeSerializer
    read_roles = ACADEMIC_HISTORY_READERS

    def get_queryset(self):
        return selectors.academic_level_change_list(tenant=self.tenant, user=self.request.user, params=self.request.GET)


class SpeakerQualificationSerializer(serializers.ModelSerializer):
    doctor = serializers.PrimaryKeyRelatedField(queryset=Doctor.objects)
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects)

    class Meta:
        model = SpeakerQualification
        fields = ["id", "doctor", "product", "topic", "approved_by", "approved_on", "valid_until", "rating"]
        read_only_fields = ["approved_by"]
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None and getattr(user, "tenant_id", None):
            fields["doctor"].queryset = selectors.visible_doctors(tenant=user.tenant_id, user=user)
            fields["product"].queryset = Product.objects.for_tenant(user.tenant_id).filter(is_own=True)
        return fields


class SpeakerQualificationViewSet(TenantModelViewSet):
    """Speaker qualifications (per product and topic), approved by medical affairs."""

    serializer_class = SpeakerQualificationSerializer
    read_roles = EXPERT_ROLES
    write_roles = SPEAKER_APPROVERS
    create_service = services.speaker_qualification_create
    update_service = services.speaker_qualification_update
    delete_service = services.speaker_qualification_delete
    instance_kwarg = "qualification"

    def get_queryset(self):
        return selectors.speaker_qualification_list(tenant=self.tenant, user=self.request.user, params=self.request.GET)

    def perform_update(self, serializer):
        data = {k: v for k, v in serializer.validated_data.items() if k not in ("doctor", "product")}
        serializer.instance = services.speaker_qualification_update(
            tenant=self.tenant, by=self.request.user, qualification=serializer.instance, **data
        )


class AcademicLevelRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = AcademicLevelRule
        fields = ["id", "level", "society_level", "society_positions", "clinical_titles", "academic_titles", "note"]


class AcademicLevelRuleViewSet(TenantModelViewSet):
    """The tenant's academic-level rule, line by line (no line: the default rule). Every change
    re-derives the level of every doctor."""

    serializer_class = AcademicLevelRuleSerializer
    read_roles = HEAD_OFFICE_ROLES
    write_roles = ACADEMIC_LEVEL_EDITORS
    selector = selectors.academic_level_rule_list
    create_service = services.academic_level_rule_create
    update_service = services.academic_level_rule_update
    delete_service = services.academic_level_rule_delete
    instance_kwarg = "rule"
