"""Browser pages of visits: my day, the week and visit plans, the visit report (draft, submit,
amend), task inbox, medical inquiries, cycle plans, the manager's team view and the content
library — a package split by sub-domain; every view is importable from here (visits/urls.py).

Views are thin: they check who asks, read through ``visits.selectors`` / ``visits.pages``, call
one service of ``visits.services`` and render. A page showing one object answers GET with the
object and POST with an ``action`` on it, so every object has one URL (and one isolation case).
The report form talks htmx: saving, submitting and amending swap the form in place and never
lose what was typed; without JavaScript the same POSTs redirect.
"""

from visits.views.content import (
    content_list,
)
from visits.views.followups import (
    task_detail,
    task_inbox,
)
from visits.views.inquiries import (
    inquiry_detail,
    inquiry_list,
)
from visits.views.plans import (
    cycle_plan_detail,
    cycle_plan_list,
    plan_choices,
    plan_detail,
    plan_doctor_search,
    plan_new,
    week,
)
from visits.views.reports import (
    report_choices,
    visit_detail,
    visit_new,
)
from visits.views.team import (
    my_day,
    report_export,
    report_list,
    team,
    team_rep,
)

__all__ = [
    "content_list",
    "cycle_plan_detail",
    "cycle_plan_list",
    "inquiry_detail",
    "inquiry_list",
    "my_day",
    "plan_choices",
    "plan_detail",
    "plan_doctor_search",
    "plan_new",
    "report_choices",
    "report_export",
    "report_list",
    "team_rep",
    "task_detail",
    "task_inbox",
    "team",
    "visit_detail",
    "visit_new",
    "week",
]
