"""The records of a chunk as bytes and back, exactly: a :class:`~app.formats.record.Node` tree is
written flat in document order (tag, text, line, number of children of each node), so the chunk
checks the very tree the cutting read — the same texts, the same source lines in its findings.
The findings the reading and the file totals made for a record travel with it."""

from __future__ import annotations

import pickle
import zlib
from typing import Optional

from app.controls.finding import Finding
from app.formats.record import Node

Record = tuple[Node, list[Finding], list[Finding]]  # the ZAP, the reader's findings, the totals'


def _flatten(node: Node, out: list) -> None:
    out += (node.tag, node.text, node.line, len(node.children))
    for child in node.children:
        _flatten(child, out)


def _build(flat: list, i: int) -> tuple[Node, int]:
    node = Node(flat[i], flat[i + 1], flat[i + 2], [])
    count, i = flat[i + 3], i + 4
    append = node.children.append
    for _ in range(count):
        child, i = _build(flat, i)
        append(child)
    return node, i


def encode(records: list[Record], ids: Optional[list[int]]) -> bytes:
    """The chunk file: its records and the case ids reserved for them (None: the database gives them)."""
    flat = []
    for node, reader, totals in records:
        out: list = []
        _flatten(node, out)
        flat.append((out, reader or None, totals or None))
    return zlib.compress(pickle.dumps((flat, ids), protocol=pickle.HIGHEST_PROTOCOL), 1)


def decode(data: bytes) -> tuple[list[Record], Optional[list[int]]]:
    flat, ids = pickle.loads(zlib.decompress(data))
    return [(_build(out, 0)[0], reader or [], totals or []) for out, reader, totals in flat], ids
