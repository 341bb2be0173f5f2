"""A fast reader of the fragments :func:`app.formats.fragments.to_xml` writes (the stored ZAP of
a case), for the stages that read every case of a file again (МЭК, cost recalculation).

``to_xml`` writes a closed form: elements only, no attributes, declarations, comments or CDATA,
text escaped as ``&amp; &lt; &gt;``.  Such text is tokenised with one regular expression, about
twice as fast as lxml plus the conversion to :class:`Node` (``from_xml``).  Anything outside that
form (unbalanced tags, an attribute, ``<!``/``<?``) is handed to ``from_xml``, so the result is
always the same tree.  Source lines are not kept (``Node.line`` is None).
"""
from __future__ import annotations

import re

from app.formats.fragments import from_xml
from app.formats.record import Node

_TOKEN = re.compile(r"<(/?)([A-Za-z_][\w.\-]*)(/?)>([^<]*)")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_UNESCAPE = {"amp": "&", "lt": "<", "gt": ">"}


def _unescape(m: re.Match) -> str:
    return _UNESCAPE[m.group(1)]


def parse_fragment(text: str) -> Node:
    if not text.startswith("<") or "<!" in text or "<?" in text:
        return from_xml(text)
    tokens = _TOKEN.findall(text)
    if len(tokens) != text.count("<"):        # a "<" that starts no element: not the closed form
        return from_xml(text)
    stack: list[Node] = []
    push, pop = stack.append, stack.pop
    root = None
    for close, tag, empty, data in tokens:
        if close:
            if not stack or pop().tag != tag:
                return from_xml(text)
            continue
        node = Node(tag)
        if stack:
            stack[-1].children.append(node)
        elif root is None:
            root = node
        else:
            return from_xml(text)
        if empty:
            continue
        push(node)
        if data:
            if "&" in data:
                data = _ENTITY.sub(_unescape, data)
            node.text = data.strip() or None
    if stack or root is None:
        return from_xml(text)
    return root
