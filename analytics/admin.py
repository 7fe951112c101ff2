from django.contrib import admin

from analytics.models import KpiTarget
from crm.admin import TenantAdmin


@admin.register(KpiTarget)
class KpiTargetAdmin(TenantAdmin):
    list_display = ["kpi", "weight", "target", "updated_at"]
