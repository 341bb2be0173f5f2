"""Streaming reader of FFOMS НСИ exports (``<packet>`` XML).

Every reference book published on nsi.ffoms.ru (and the rule tables Q015/Q016/Q022/Q023) has the
same layout::

    <packet>
      <zglv><type>…</type><version>…</version><date>ДД.ММ.ГГГГ</date></zglv>
      <zap> …leaf fields…, <DATEBEG>ДД.ММ.ГГГГ</DATEBEG><DATEEND/> </zap>
      …
    </packet>

The file is usually windows-1251 (declared in the prolog, lxml honours it).  Rows are read with
``iterparse`` and cleared as they go, so memory stays flat for big books (M001, F003).

Security: documents with a DOCTYPE are refused; entities are never resolved and the network is
never used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import IO, Iterator, Union

from lxml import etree

Source = Union[str, "os.PathLike[str]", IO[bytes]]  # noqa: F821  (path or binary file object)


class PacketError(ValueError):
    """The document is not an НСИ packet or is not acceptable (e.g. it has a DTD)."""


@dataclass(frozen=True)
class PacketHeader:
    """``packet/zglv``: the book type (e.g. ``ProfOt`` for V002, ``FLK_MPF`` for Q015),
    its version and publication date."""

    type: str | None = None
    version: str | None = None
    date: date | None = None
    fields: dict = field(default_factory=dict)  # every leaf of zglv as text


def parse_nsi_date(text: str | None) -> date | None:
    """``ДД.ММ.ГГГГ`` (NSI style) or ``ГГГГ-ММ-ДД`` → date; empty/malformed → None."""
    if not text:
        return None
    s = text.strip()
    try:
        if len(s) == 10 and s[2] == "." and s[5] == ".":
            return date(int(s[6:10]), int(s[3:5]), int(s[0:2]))
        if len(s) == 10 and s[4] == "-" and s[7] == "-":
            return date(int(s[0:4]), int(s[5:7]), int(s[8:10]))
        if len(s) >= 10 and s[4] == "-" and s[7] == "-" and s[10] in "T ":  # 2019-11-01T00:00:00
            return date(int(s[0:4]), int(s[5:7]), int(s[8:10]))
    except (ValueError, IndexError):
        return None
    return None


def _leaf_dict(el) -> dict:
    """All leaf elements below ``el`` keyed by tag; a repeated tag gives a list of values.
    Empty leaves give None."""
    row: dict = {}
    for c in el.iter(tag=etree.Element):
        if c is el or len(c):
            continue
        text = c.text.strip() if c.text else None
        value = text or None
        tag = c.tag
        if tag in row:
            prev = row[tag]
            if isinstance(prev, list):
                prev.append(value)
            else:
                row[tag] = [prev, value]
        else:
            row[tag] = value
    return row


def iter_packet(source: Source) -> Iterator[PacketHeader | dict]:
    """Yield the :class:`PacketHeader` first, then every ``zap`` row as a dict of its leaf fields.

    A packet without ``zglv`` still yields an (empty) header first.  Raises :class:`PacketError`
    when the root is not ``packet`` or the document carries a DOCTYPE.
    """
    context = etree.iterparse(
        source,
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    root = None
    header_sent = False
    for event, el in context:
        if event == "start":
            if root is None:
                root = el
                if el.getroottree().docinfo.doctype:
                    raise PacketError("НСИ: документ с DOCTYPE не принимается")
                if el.tag != "packet":
                    raise PacketError(f"НСИ: корневой элемент {el.tag!r}, ожидается 'packet'")
            continue
        # end events: only direct children of the root matter
        if el.getparent() is not root:
            continue
        if el.tag == "zglv":
            fields = _leaf_dict(el)
            yield PacketHeader(
                type=fields.get("type"),
                version=fields.get("version"),
                date=parse_nsi_date(fields.get("date")),
                fields=fields,
            )
            header_sent = True
        elif el.tag == "zap":
            if not header_sent:
                yield PacketHeader()
                header_sent = True
            yield _leaf_dict(el)
        el.clear()
        while el.getprevious() is not None:
            del root[0]
    if root is not None and not header_sent:
        yield PacketHeader()


def read_packet(source: Source) -> tuple[PacketHeader, Iterator[dict]]:
    """Convenience: ``(header, rows)`` where ``rows`` is a lazy iterator of row dicts."""
    it = iter_packet(source)
    header = next(it, None)
    if not isinstance(header, PacketHeader):  # empty document cannot happen with lxml; be safe
        header = PacketHeader()
    return header, it  # type: ignore[return-value]
