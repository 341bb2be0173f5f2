"""Small building blocks of the ФЛК rule modules (the value helpers are :mod:`app.controls.values`)."""

from __future__ import annotations

from typing import Iterator

from app.controls.flk.registry import Hit
from app.controls.values import all_present, present
from app.formats.record import Node

#: the element whose value says whether the patient is a newborn — read by the conditions of many
#: rules (their ``reads``, so that one wrong NOVOR is one error: engine.without_cascade)
NOVOR = "ZL_LIST/ZAP/PACIENT/NOVOR"


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
