"""A parsed XML record (one ``ZAP`` of an H-file, one ``PERS`` of an L-file).

The streaming reader turns each record element into a small tree of :class:`Node`
objects and clears the lxml element, so the controls work on plain Python objects
and memory stays flat.  A node keeps the source line for error messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Optional


@dataclass(slots=True)
class Node:
    tag: str
    text: Optional[str] = None  # stripped text of a leaf, None for an empty/complex element
    line: Optional[int] = None  # source line of the start tag
    children: list["Node"] = field(default_factory=list)

    # -- navigation -------------------------------------------------------
    def child(self, tag: str) -> Optional["Node"]:
        """First direct child with this tag, or None."""
        for c in self.children:
            if c.tag == tag:
                return c
        return None

    def all(self, tag: str) -> list["Node"]:
        """All direct children with this tag, in document order."""
        return [c for c in self.children if c.tag == tag]

    def get(self, tag: str) -> Optional[str]:
        """Text of the first direct child with this tag (None if absent or empty).

        ``tag`` may be a path ``"Z_SL/USL_OK"``.
        """
        node = self.find(tag)
        return node.text if node is not None else None

    def find(self, path: str) -> Optional["Node"]:
        """First node along a ``/``-separated path of direct children."""
        node: Optional[Node] = self
        for part in path.split("/"):
            if node is None:
                return None
            node = node.child(part)
        return node

    def find_all(self, path: str) -> list["Node"]:
        """All nodes along a ``/``-separated path (every branch)."""
        nodes = [self]
        for part in path.split("/"):
            nodes = [c for n in nodes for c in n.children if c.tag == part]
        return nodes

    def texts(self, tag: str) -> list[str]:
        return [c.text for c in self.all(tag) if c.text is not None]

    def walk(self) -> Iterator["Node"]:
        yield self
        for c in self.children:
            yield from c.walk()
