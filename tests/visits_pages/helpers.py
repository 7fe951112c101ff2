"""Reading the visit pages in tests: rows, ticked choices and errors by data-testid and names
(never by translated text)."""

import re


def row_ids(html: str, testid: str, attr: str) -> list[int]:
    """Ids of the elements with ``data-testid=testid`` in ``html``, in page order."""
    return [int(m) for m in re.findall(rf'data-testid="{testid}"[^>]*?{attr}="(\d+)"', html)]


def checked(html: str, name: str) -> list[str]:
    """Values of the ticked radio buttons / checkboxes called ``name``."""
    out = []
    for tag in re.findall(r"<input[^>]*>", html):
        if f'name="{name}"' in tag and re.search(r"\schecked\b", tag):
            m = re.search(r'value="([^"]*)"', tag)
            out.append(m.group(1) if m else "")
    return out


def choice_values(html: str, name: str) -> list[str]:
    """Values of every radio button / checkbox called ``name`` (what the form offers)."""
    return [
        re.search(r'value="([^"]*)"', tag).group(1)
        for tag in re.findall(r"<input[^>]*>", html)
        if f'name="{name}"' in tag and 'value="' in tag and ('type="radio"' in tag or 'type="checkbox"' in tag)
    ]


def field_value(html: str, name: str) -> str | None:
    """The value of the text input or textarea called ``name``."""
    m = re.search(rf'<textarea[^>]*name="{name}"[^>]*>\s*(.*?)</textarea>', html, re.S)
    if m:
        return m.group(1).strip()
    for tag in re.findall(r"<input[^>]*>", html):
        if f'name="{name}"' in tag:
            v = re.search(r'value="([^"]*)"', tag)
            return v.group(1) if v else ""
    return None


def has_testid(html: str, testid: str) -> bool:
    return f'data-testid="{testid}"' in html
