"""Template context shared by every page: the navigation for the user's role."""

from crm.navigation import nav_for


def navigation(request):
    """Menu entries (label, url name) the signed-in user's role may open."""
    user = getattr(request, "user", None)
    return {"nav_items": nav_for(user) if user is not None and user.is_authenticated else []}
