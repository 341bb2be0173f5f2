"""The page crawl of the daily-work issue: log in, follow every menu link and every link of the
first page of each list (one link of each shape: the numbers of a URL do not make a new page), and
read what a user reads.  Used by tests/views/test_crawl.py (the Flask test client) and by the
browser crawl (screenshots)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml import html

#: the library's English words a Russian user must never see (whole words, case-sensitive)
ENGLISH = (
    "Cancel",
    "Search",
    "Show",
    "Edit",
    "Delete",
    "Actions",
    "Record Count",
    "Not Found",
    "Forbidden",
    "Add",
    "Save",
    "Back",
    "Filter",
    "Refresh",
    "No records found",
    "Login Count",
    "User confirmation needed",
    "Select all",
    "Page",
    "Next",
    "Previous",
    "Yes",
    "No",
    "Close",
    "Equal to",
    "Starts with",
    "Contains",
)
RAW_VALUES = ("None", "True", "False", "[]", "nan")
ISO_DATE = re.compile(r"(?<![\d.-])\d{4}-\d{2}-\d{2}(?![\d-])")
LIST_PREFIX = re.compile(r"\bList [A-Z]")
SKIP = ("/logout", "/static/", "/swagger", "/api/", "javascript:", "mailto:", "/lang/")


def visible_text(page: str) -> str:
    """The text of the page a user can read, with hidden dialogs and menus: no scripts, no styles;
    button values and the titles of links and buttons (tooltips) count."""
    tree = html.fromstring(page)
    for bad in tree.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    parts = [tree.text_content()]
    parts += tree.xpath("//input[@type='submit' or @type='button']/@value")
    parts += tree.xpath("//a/@title|//button/@title|//input/@placeholder")
    return "\n".join(parts)


def problems(text: str) -> list[str]:
    found = []
    for word in ENGLISH:
        if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text):
            found.append(f"английское «{word}»")
    if m := LIST_PREFIX.search(text):
        found.append(f"английское «{text[m.start() : m.end() + 10]}»")
    for raw in RAW_VALUES:
        if re.search(rf"(?<![\w\[]){re.escape(raw)}(?![\w\]])", text):
            found.append(f"сырое значение «{raw}»")
    if m := ISO_DATE.search(text):
        found.append(f"дата ISO «{m.group(0)}»")
    return found


def shape(url: str) -> str:
    parts = urlsplit(url)
    path = re.sub(r"\d+", "N", parts.path)
    query = re.sub(r"=[^&]*", "=", parts.query) if parts.query else ""
    return f"{path}?{query}"


def page_links(page: str, *, menu: bool) -> list[str]:
    """The menu's links, or the links of the page's content (outside the menu bar)."""
    tree = html.fromstring(page)
    where = (
        "//*[contains(@class,'navbar')]//a[@href]"
        if menu
        else "//a[@href][not(ancestor::*[contains(@class,'navbar')])]"
    )
    out = []
    for href in tree.xpath(f"{where}/@href"):
        if href.startswith(("http://", "https://", "#")) or any(s in href for s in SKIP) or not href.startswith("/"):
            continue
        out.append(href)
    return out


@dataclass
class Visit:
    url: str
    status: int
    html: bool = False
    problems: list[str] = field(default_factory=list)


def crawl(get, start: str = "/", depth: int = 2) -> list[Visit]:
    """``get(url) -> (status, content_type, bytes)``.  Menu pages first, then one link of each shape
    from each of them (the first page of each list: its cards, drill-downs, downloads, orderings),
    and so on ``depth`` links deep."""
    visits: list[Visit] = []
    seen: set[str] = set()

    def visit(url: str) -> str | None:
        key = shape(url)
        if key in seen:
            return None
        seen.add(key)
        status, ctype, body = get(url)
        v = Visit(url, status)
        visits.append(v)
        if status >= 500:
            v.problems.append(f"ответ {status}")
        if "html" not in (ctype or "") or status >= 300:
            return None
        body = body.decode("utf-8")
        v.html = True
        v.problems.extend(problems(visible_text(body)))
        return body

    home = visit(start)
    level = [b for b in (visit(u) for u in (page_links(home, menu=True) if home else [])) if b]
    for _ in range(depth):
        level = [b for body in level for b in (visit(u) for u in page_links(body, menu=False)) if b]
    return visits
