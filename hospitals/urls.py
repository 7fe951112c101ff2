"""Browser pages of master data (doctor list and profile, hospital and distributor pages)."""

urlpatterns = []
