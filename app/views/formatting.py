"""Cell formatters of list views. A formatter marked ``row_aware`` receives the row's values and
its primary key (see templates/oms/widgets/list.html)."""

from __future__ import annotations

from functools import wraps

from markupsafe import Markup, escape


def row_aware(fn):
    """``fn(item, pk)`` in list rows; on a show page (one value, no pk) the plain value."""

    @wraps(fn)
    def wrapper(item, pk=None):
        if pk is None:
            if isinstance(item, tuple):
                return text(" / ".join(str(x) for x in item))
            return text(item)
        return fn(item, pk)

    wrapper.row_aware = True
    return wrapper


def link(url: str, text) -> Markup:
    return Markup('<a href="{}">{}</a>').format(url, text)


def progress_bar(percent: int) -> Markup:
    percent = max(0, min(100, int(percent or 0)))
    return Markup(
        '<div class="progress" style="margin:4px 0 0 0;height:14px" title="{0}%">'
        '<div class="progress-bar progress-bar-striped active" role="progressbar" '
        'style="width:{0}%;min-width:2em;font-size:10px;line-height:14px">{0}%</div></div>'
    ).format(percent)


def text(value) -> Markup:
    return escape("" if value is None else value)
