"""The project's URLs plus two views that fail, for tests/crm/test_errors.py."""

from django.urls import path

from crm.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def boom(request):
    raise RuntimeError("an unexpected bug")


urlpatterns = [path("boom/", boom), path("api/boom/", boom), *urlpatterns]
