"""A record as an XML fragment and back: cases keep their ZAP (and persons their PERS) as
loaded, to re-check them and to write registry files later."""

from __future__ import annotations

from lxml import etree

from .record import Node

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def to_xml(node: Node) -> str:
    """Compact XML text of a Node tree (no declaration, UTF-8 when encoded)."""
    parts: list[str] = []
    _write(node, parts)
    return "".join(parts)


def _write(node: Node, parts: list[str]) -> None:
    if not node.children:
        parts.append(_leaf(node))
        return
    tag = node.tag
    parts.append(f"<{tag}>")
    for child in node.children:  # leaves (most elements) written here, without a call each
        if child.children:
            _write(child, parts)
        elif child.text is not None:
            text = child.text
            if "&" in text or "<" in text or ">" in text:
                text = text.translate(_ESCAPES)
            parts.append(f"<{child.tag}>{text}</{child.tag}>")
        else:
            parts.append(f"<{child.tag}/>")
    parts.append(f"</{tag}>")


def _leaf(node: Node) -> str:
    if node.text is None:
        return f"<{node.tag}/>"
    return f"<{node.tag}>{node.text.translate(_ESCAPES)}</{node.tag}>"


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def from_xml(text: str) -> Node:
    """The Node tree of a fragment written by :func:`to_xml`."""
    return _convert(etree.fromstring(text.encode("utf-8"), _PARSER))


def _convert(elem) -> Node:
    kids = [_convert(c) for c in elem if isinstance(c.tag, str)]
    text = None
    if not kids and elem.text is not None:
        text = elem.text.strip() or None
    return Node(elem.tag, text, elem.sourceline, kids)
