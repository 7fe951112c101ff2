"""Browser pages of accounts: sign-in and the territory tree."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts import selectors
from accounts.filters import TerritoryFilter
from crm.web import get_or_404, tenant_user


class LoginView(auth_views.LoginView):
    """Sign-in page (phone-sized first); already signed-in users go home."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True


@login_required
def territory_list(request):
    """The territory tree the user may see, filterable by level and name."""
    user = tenant_user(request)
    qs = selectors.territory_list(tenant=user.tenant_id, user=user)
    flt = TerritoryFilter(request.GET, queryset=qs)
    return render(request, "accounts/territory_list.html", {"filter": flt, "territories": flt.qs[:500]})


@login_required
def territory_detail(request, pk):
    """One node: its place in the tree, children and who covers it."""
    user = tenant_user(request)
    territory = get_or_404(selectors.territory_list(tenant=user.tenant_id, user=user), pk)
    return render(
        request,
        "accounts/territory_detail.html",
        {
            "territory": territory,
            "children": territory.children.order_by("code"),
            "assignments": territory.assignments.select_related("user").order_by("user__username"),
        },
    )
