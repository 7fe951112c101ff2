"""The import API: ``POST /api/v1/imports/`` a file and its kind, get a job; follow its progress,
read its report (JSON) and the annotated file; accept its suggestions or decide its probable
matches. What the import page does, for programs (the monthly distributor flow feed, 流向).

Idempotent by a client-supplied key (``Idempotency-Key`` header or ``client_key`` field): the
same key returns the job it created first (200 instead of 201), so a retried upload imports
once. For tenant administrators and product managers, like the page.
"""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from crm.permissions import IMPORT_ROLES
from crm.rest import TenantScopedAPIMixin
from hospitals.imports import progress, report
from hospitals.imports.services import (
    KeyConflict,
    import_job_accept_suggestions,
    import_job_create,
    import_job_rerun,
)
from hospitals.models import ImportJob, ImportKind, NewDepartmentPolicy, ProbableMatchPolicy

KIND_ALIASES = {"flow": ImportKind.SHIPMENTS, "liuxiang": ImportKind.SHIPMENTS, "usage_share": ImportKind.USAGE}


class ImportJobSerializer(serializers.ModelSerializer):
    """An import job: what it holds, where it is, what it did."""

    done = serializers.SerializerMethodField(help_text="Rows checked or written so far (live while it runs).")
    total = serializers.SerializerMethodField(help_text="Rows of the current stage (live while it runs).")
    stage = serializers.SerializerMethodField(help_text="The live stage while it runs, else the status.")

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "status",
            "stage",
            "done",
            "total",
            "original_name",
            "options",
            "client_key",
            "rerun_of",
            "rows_total",
            "rows_done",
            "created_count",
            "updated_count",
            "unchanged_count",
            "error_count",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def _live(self, job) -> dict:
        return (None if job.is_finished else progress.read(job.pk)) or {}

    def get_done(self, job) -> int:
        return self._live(job).get("done", job.rows_done)

    def get_total(self, job) -> int:
        return self._live(job).get("total", job.rows_total)

    def get_stage(self, job) -> str:
        return self._live(job).get("status") or job.status


class ImportUploadSerializer(serializers.Serializer):
    """A file to import: its kind, the options chosen up front, an optional idempotency key."""

    file = serializers.FileField(help_text="CSV (UTF-8 or GBK) or Excel (.xlsx), at most 50 MB and 500,000 rows.")
    kind = serializers.CharField(
        help_text="What the file holds: " + ", ".join(ImportKind.values) + " (also: flow = shipments)."
    )
    probable_matches = serializers.ChoiceField(
        choices=ProbableMatchPolicy.choices, required=False, help_text="Doctor rows that probably are stored doctors."
    )
    new_departments = serializers.ChoiceField(
        choices=NewDepartmentPolicy.choices, required=False, help_text="Departments nobody knows."
    )
    client_key = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="Idempotency key (or the Idempotency-Key header)."
    )

    def validate_kind(self, value):
        value = KIND_ALIASES.get(value.strip().lower(), value.strip().lower())
        if value not in ImportKind.values:
            raise serializers.ValidationError(f"Not a kind of import; one of {', '.join(ImportKind.values)}.")
        return value


class DecisionSerializer(serializers.Serializer):
    probable_matches = serializers.ChoiceField(choices=[ProbableMatchPolicy.UPDATE, ProbableMatchPolicy.CREATE])


class AcceptSerializer(serializers.Serializer):
    choices = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text='{"hospital:中山医院": "<hospital id>", "department:心血管科": "cardiology"}; '
        "without it, every clear suggestion is accepted.",
    )


REPORT = inline_serializer(
    "ImportReport",
    {
        "id": serializers.IntegerField(),
        "status": serializers.CharField(),
        "errors": serializers.ListField(child=serializers.DictField()),
        "notes": serializers.ListField(child=serializers.DictField()),
        "suggestions": serializers.ListField(child=serializers.DictField()),
        "decisions": serializers.ListField(child=serializers.DictField()),
    },
)


@extend_schema_view(
    list=extend_schema(description="The tenant's imports, newest first."),
    retrieve=extend_schema(description="One import: status and live progress, counts."),
)
class ImportJobViewSet(TenantScopedAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Master-data imports (the import page, for programs)."""

    serializer_class = ImportJobSerializer
    read_roles = IMPORT_ROLES  # crm.permissions.RolePermission: the page's roles, for every action
    write_roles = IMPORT_ROLES
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filterset_fields = ["kind", "status"]

    def get_queryset(self):
        return ImportJob.objects.for_tenant(self.tenant).order_by("-created_at", "-id")

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        responses={
            201: ImportJobSerializer,
            200: OpenApiResponse(ImportJobSerializer, description="The job this idempotency key created before."),
            400: OpenApiResponse(description="Invalid kind, options or file."),
            409: OpenApiResponse(description="The key was used for an import of another kind."),
        },
        description="Upload a file: it is checked and imported in the background; follow the job.",
    )
    def create(self, request, *args, **kwargs):
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        key = request.headers.get("Idempotency-Key") or data.get("client_key", "")
        options = {k: data[k] for k in ("probable_matches", "new_departments") if data.get(k)}
        try:
            job, created = import_job_create(
                tenant=self.tenant,
                by=request.user,
                kind=data["kind"],
                upload=data["file"],
                options=options,
                client_key=key,
            )
        except KeyConflict as exc:
            return Response(exc.message_dict, status=status.HTTP_409_CONFLICT)
        serializer = self.get_serializer(job)
        return Response(serializer.data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(responses=REPORT, description="Every error (with the original row), note, suggestion, decision.")
    @action(detail=True, methods=["get"])
    def report(self, request, pk=None):
        return Response(report.report_json(self.get_object()))

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        description="The uploaded file with an Errors column (.xlsx for a spreadsheet, .csv for a CSV).",
    )
    @action(detail=True, methods=["get"])
    def annotated(self, request, pk=None):
        content, filename, content_type = report.annotated_file(self.get_object())
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="import-{pk}-errors.{filename.rsplit(".", 1)[-1]}"'
        return response

    @extend_schema(
        request=AcceptSerializer,
        responses={201: ImportJobSerializer},
        description="Make the suggested hospitals' names aliases (departments: dictionary synonyms) and run again.",
    )
    @action(detail=True, methods=["post"], url_path="accept-suggestions")
    def accept_suggestions(self, request, pk=None):
        body = AcceptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        again = import_job_accept_suggestions(
            tenant=self.tenant,
            by=request.user,
            job=self.get_object(),
            choices=body.validated_data.get("choices"),
        )
        return Response(self.get_serializer(again).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=DecisionSerializer,
        responses={201: ImportJobSerializer},
        description="Run the file again, updating the probable matches or creating new doctors beside them.",
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        again = import_job_rerun(
            tenant=self.tenant, by=request.user, job=self.get_object(), options=body.validated_data
        )
        return Response(self.get_serializer(again).data, status=status.HTTP_201_CREATED)
