"""Browser pages of events, mounted at /events/ by crm/urls.py (the API routes are in crm/api.py)."""

urlpatterns: list = []
