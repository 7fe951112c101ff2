"""Template helpers of the analytics pages: a KPI value with its unit."""

from django import template

register = template.Library()


def format_kpi(line) -> str:
    """A KPI line's value as shown: ``92.5%``, ``48.0`` or ``120,000``; — when not applicable."""
    if line is None or line.value is None:
        return "—"
    if line.unit == "pct":
        return f"{line.value:.1f}%"
    if line.unit == "cny":
        return f"{line.value:,.0f}"
    return f"{line.value:.1f}"


@register.simple_tag
def kpi_value(rep_score, kpi: str) -> str:
    """The value of ``kpi`` in a rep's scorecard."""
    return format_kpi(rep_score.line(kpi))


@register.simple_tag
def kpi_attainment(rep_score, kpi: str) -> str:
    """The attainment of ``kpi`` in a rep's scorecard (value ÷ target, capped)."""
    line = rep_score.line(kpi)
    return "—" if line is None or line.attainment is None else f"{line.attainment * 100:.0f}%"


@register.filter
def kpi_format(line) -> str:
    return format_kpi(line)


@register.filter
def pct(value) -> str:
    """0–1 → ``87.5%``; None → —."""
    return "—" if value is None else f"{value * 100:.1f}%"
