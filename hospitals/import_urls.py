"""Browser pages of master-data import (upload, progress, report)."""

urlpatterns = []
