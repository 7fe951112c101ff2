"""Browser pages of complaints, mounted at /complaints/ by crm/urls.py (the API routes are in crm/api.py)."""

urlpatterns: list = []
