"""Small building blocks shared by the rule modules."""
from __future__ import annotations

from typing import Iterator, Optional

from app.formats.record import Node
from app.controls.flk.registry import Hit


def present(parent: Optional[Node], tag: str) -> Optional[Node]:
    """First child ``tag`` that carries a value (text or children); empty elements (no text or
    ``""``) count as absent."""
    if parent is None:
        return None
    for c in parent.children:
        if c.tag == tag and (c.text or c.children):
            return c
    return None


def all_present(parent: Optional[Node], tag: str) -> list[Node]:
    if parent is None:
        return []
    return [c for c in parent.children if c.tag == tag and (c.text or c.children)]


def need(parent: Node, tag: str, **loc) -> Iterator[Hit]:
    """Hit when the element is missing (points at the parent).  A missing parent (the empty
    placeholder of :mod:`app.controls.flk.views`) is a structural error, not this rule's."""
    if parent.tag and present(parent, tag) is None:
        yield Hit(at=parent, **loc)


def forbid(parent: Node, tag: str, **loc) -> Iterator[Hit]:
    """Hit for every occurrence of an element that must be absent."""
    for c in all_present(parent, tag):
        yield Hit(c, **loc)


def only(parent: Node, tag: str, allowed: frozenset, **loc) -> Iterator[Hit]:
    """Hit for every occurrence whose text is not in ``allowed``."""
    for c in parent.children:
        if c.tag == tag and c.text and c.text not in allowed:
            yield Hit(c, **loc)


def values(parent: Optional[Node], tag: str) -> list[str]:
    if parent is None:
        return []
    return [c.text for c in parent.children if c.tag == tag and c.text]
