"""Reading the tier pages in tests: elements by data-testid, with their attributes and text."""

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []  # every element: {"tag", "attrs", "text"}
        self.stack = []

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.found.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.found.append({"tag": tag, "attrs": dict(attrs), "text": ""})

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i]["tag"] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        for element in self.stack:
            element["text"] += data


def elements(html: str, testid: str) -> list[dict]:
    """Elements with ``data-testid=testid``: their attributes (and ``text``, whitespace collapsed)."""
    collector = _Collector()
    collector.feed(html)
    return [
        {**e["attrs"], "text": " ".join(e["text"].split())}
        for e in collector.found
        if e["attrs"].get("data-testid") == testid
    ]


def one(html: str, testid: str) -> dict:
    found = elements(html, testid)
    assert len(found) == 1, f"{len(found)} elements with data-testid={testid!r}"
    return found[0]


def section(html: str, testid: str) -> str:
    """The HTML from the element with ``data-testid=testid`` on (to look inside one block)."""
    start = html.index(f'data-testid="{testid}"')
    return html[start:]
