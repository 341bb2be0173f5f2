"""A fast reader of the fragments :func:`app.formats.fragments.to_xml` writes (the stored ZAP of
a case), for the stages that read every case of a file again (МЭК, cost recalculation).

``to_xml`` writes a closed form: elements only, no attributes, declarations, comments or CDATA,
text escaped as ``&amp; &lt; &gt;``.  Such text is tokenised with one regular expression whose
first branch takes a whole leaf (``<TAG>text</TAG>``: most elements) — several times faster than
lxml plus the conversion to :class:`Node` (``from_xml``).  Anything outside that form (unbalanced
tags, an attribute, ``<!``/``<?``, a ``<`` that starts no element) is handed to ``from_xml``, so
the result is always the same tree.  Source lines are not kept (``Node.line`` is None), unless
asked for: ``lines=True`` gives every node line 1, as ``from_xml`` does for a fragment on one line
(one whose texts hold a line break goes to ``from_xml``).
"""

from __future__ import annotations

import re

from app.formats.fragments import from_xml
from app.formats.record import Node

_NAME = r"[A-Za-z_][\w.\-]*"
# a leaf with its text | a start tag or an empty element | an end tag
_TOKEN = re.compile(rf"<({_NAME})>([^<]*)</\1>|<({_NAME})(/?)>|</({_NAME})>")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_UNESCAPE = {"amp": "&", "lt": "<", "gt": ">"}


def _unescape(m: re.Match) -> str:
    return _UNESCAPE[m.group(1)]


def parse_fragment(text: str, lines: bool = False) -> Node:
    if not text.startswith("<") or "<!" in text or "<?" in text:
        return from_xml(text)
    if lines and ("\n" in text or "\r" in text):
        return from_xml(text)
    line = 1 if lines else None
    tokens = _TOKEN.findall(text)
    stack: list[Node] = []
    push, pop = stack.append, stack.pop
    root = None
    brackets = 0  # the "<" the tokens account for
    for leaf, data, start, empty, end in tokens:
        if end:
            brackets += 1
            if not stack or pop().tag != end:
                return from_xml(text)
            continue
        if leaf:
            brackets += 2
            if data:
                if "&" in data:
                    data = _ENTITY.sub(_unescape, data)
                node = Node(leaf, data.strip() or None, line)
            else:
                node = Node(leaf, None, line)
        else:
            brackets += 1
            node = Node(start, None, line)
        if stack:
            stack[-1].children.append(node)
        elif root is None:
            root = node
        else:
            return from_xml(text)
        if start and not empty:
            push(node)
    if stack or root is None or brackets != text.count("<"):
        return from_xml(text)
    return root
