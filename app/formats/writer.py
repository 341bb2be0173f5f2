"""Streaming writer of H-type and L files from Node trees (lxml ``etree.xmlfile``).

    write_file("HM…xml", get_definition("H", "3.2"), header, records)

``header`` is the root-tagged node holding ``ZGLV`` (and ``SCHET``) as returned by the
reader, or an iterable of those block nodes; ``records`` any iterable of ``ZAP``/``PERS``
nodes (a generator is fine: one record is in memory at a time). Children are written in
definition order (a stable sort, repeated elements keep their order); an element the
definition does not know raises ``ValueError`` — the writer never produces a file its
own reader would reject structurally. Default encoding windows-1251 (characters outside
it are written as character references). The caller fills ``ZGLV/SD_Z``.
"""

from __future__ import annotations

import os
from typing import IO, Iterable, Optional, Union

from lxml import etree

from .definitions.dsl import Element, FormatDefinition
from .record import Node

PathOrFile = Union[str, os.PathLike, IO[bytes]]


class _Order:
    """Per-element position tables of a definition (built once per definition)."""

    __slots__ = ("table",)

    def __init__(self, el: Element):
        self.table = {c.name: (pos, _Order(c) if c.children else None) for pos, c in enumerate(el.children)}


def _order(definition: FormatDefinition) -> _Order:
    o = definition._cache.get("writer")
    if o is None:
        o = definition._cache["writer"] = _Order(definition.root)
    return o


def _build(node: Node, order: Optional[_Order], path: str):
    el = etree.Element(node.tag)
    if node.children:
        if order is None:
            raise ValueError(f"Элемент {path} не может содержать вложенные элементы")
        table = order.table
        try:
            kids = sorted(node.children, key=lambda c: table[c.tag][0])
        except KeyError:
            bad = next(c.tag for c in node.children if c.tag not in table)
            raise ValueError(f"Элемент {bad} не предусмотрен форматом в {path}") from None
        for c in kids:
            el.append(_build(c, table[c.tag][1], f"{path}/{c.tag}"))
    elif node.text is not None:
        el.text = node.text
    return el


def _header_blocks(header, definition: FormatDefinition) -> list[Node]:
    if header is None:
        return []
    if isinstance(header, Node):
        if header.tag == definition.root_tag:
            return list(header.children)
        return [header]
    return list(header)


def write_file(
    target: PathOrFile, definition: FormatDefinition, header, records: Iterable[Node], encoding: str = "windows-1251"
) -> int:
    """Write a file; returns the number of records written."""
    root_order = _order(definition)
    table = root_order.table
    blocks = [b for b in _header_blocks(header, definition) if b.tag != definition.record_tag]
    for b in blocks:
        if b.tag not in table:
            raise ValueError(f"Элемент {b.tag} не предусмотрен форматом в {definition.root_tag}")
    blocks.sort(key=lambda b: table[b.tag][0])
    record_order = table[definition.record_tag][1]
    record_path = f"{definition.root_tag}/{definition.record_tag}"

    own = not hasattr(target, "write")
    fh = open(target, "wb") if own else target
    count = 0
    try:
        fh.write(f'<?xml version="1.0" encoding="{encoding}"?>\n'.encode("ascii"))
        with etree.xmlfile(fh, encoding=encoding) as xf:
            with xf.element(definition.root_tag):
                xf.write("\n")
                for b in blocks:
                    xf.write(_build(b, table[b.tag][1], f"{definition.root_tag}/{b.tag}"), pretty_print=True)
                for rec in records:
                    if rec.tag != definition.record_tag:
                        raise ValueError(f"Элемент {rec.tag} не предусмотрен форматом в {definition.root_tag}")
                    xf.write(_build(rec, record_order, record_path), pretty_print=True)
                    count += 1
        fh.write(b"\n")
    finally:
        if own:
            fh.close()
    return count
