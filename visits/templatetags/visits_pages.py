"""Template tags of the visit pages that live inside other apps' pages.

``{% doctor_visit_timeline doctor as timeline %}`` gives ``templates/visits/_doctor_timeline.html``
its data, so the doctor profile (hospitals) includes the timeline with one line and no change
to its view.
"""

from django import template

from visits.pages import doctor_timeline_context

register = template.Library()


@register.simple_tag(takes_context=True)
def doctor_visit_timeline(context, doctor):
    """The visits of ``doctor`` the signed-in user may see (visits.pages.doctor_timeline_context)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or doctor is None:
        return {"visit_timeline": [], "visit_timeline_more": False}
    return doctor_timeline_context(user, doctor)
