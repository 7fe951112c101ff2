"""Reading the master-data pages in tests: ids of rows, by data-testid (never by translated text)."""

import re


def row_ids(html: str, testid: str = "doctor-row", attr: str = "data-doctor-id") -> list[int]:
    """Ids of the rows with ``data-testid=testid`` in ``html``, in page order."""
    return [int(m) for m in re.findall(rf'data-testid="{testid}"[^>]*?{attr}="(\d+)"', html)]


def next_link(html: str) -> str | None:
    """The href of the "more results" link, or None on the last page."""
    m = re.search(r'<a href="([^"]*)"[^>]*data-testid="next-page"', html)
    return m.group(1).replace("&amp;", "&") if m else None
