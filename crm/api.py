"""The one DRF router of the project (mounted at /api/v1/)."""

from rest_framework.routers import DefaultRouter

from accounts import api as accounts_api

router = DefaultRouter()
router.register("users", accounts_api.UserViewSet, basename="user")
router.register("territories", accounts_api.TerritoryViewSet, basename="territory")
router.register("territory-assignments", accounts_api.TerritoryAssignmentViewSet, basename="territory-assignment")
