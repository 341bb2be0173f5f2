"""Structural ФЛК of one record (``ZAP``/``PERS``) and of the header against a definition.

Checks: required elements (902), cardinality and unknown elements (905), element order
(901), value type / format / length / pattern (903), allowed values (904). Every problem
is a :class:`~app.controls.finding.Finding` pointing to its place: ``element`` (IM_POL),
``base_element`` (BAS_EL), ``n_zap``, ``idcase``, ``sl_id``, ``idserv`` of the enclosing
``ZAP``/``Z_SL``/``SL``/``USL``, ``id_pac``, ``value`` and the source ``line``.

Rules of the check (as an XSD validator would do them, with one finding per problem):

* an element not defined under its parent → 905 (its content is not checked further);
* an element that comes after an element that must follow it → 901 (an element defined with
  ``also_after`` may stand in any of its places);
* an element occurring more often than allowed → 905 (once, at the first extra one);
* a required element absent → 902; a required leaf present but empty → 902;
* an empty optional leaf: allowed for strings, 903 for numbers and dates;
* a leaf with child elements → 903;
* numbers: ``N(d)`` — ASCII digits only (leading zeros allowed); ``N(d,f)`` — the
  unsigned ``xs:decimal`` lexical form (``12``, ``12.5``, ``12.``, ``.5``) with at most
  ``d - f`` digits before and ``f`` after the point (trailing zeros do not count);
  dates — ``ГГГГ-ММ-ДД`` that exists in the calendar.

Speed: each definition is compiled once into lookup tables (a dict per block from tag to
position and child table, required positions, maxima); the happy path per element is a
dict lookup, a counter and a type test.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Iterable, Optional

from app.controls.finding import Finding

from . import codes
from .definitions.dsl import Element, FormatDefinition
from .record import Node

VALUE_LIMIT = 250  # characters of a wrong value kept in a Finding

_DECIMAL = re.compile(r"^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")  # xs:decimal without a sign
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


# -- compiled tables ----------------------------------------------------------------------
class _Leaf:
    __slots__ = (
        "name",
        "kind",
        "length",
        "int_digits",
        "fraction",
        "regex",
        "pattern",
        "values",
        "type_text",
        "required",
    )

    def __init__(self, el: Element):
        t = el.type
        self.name = el.name
        self.kind = t.kind
        self.length = t.length
        self.fraction = t.fraction
        self.int_digits = (t.length or 0) - t.fraction
        self.pattern = el.pattern
        self.regex = re.compile(f"(?:{el.pattern})\\Z") if el.pattern else None
        self.type_text = t.describe()
        self.required = el.required
        if el.values is None:
            self.values = None
        elif t.kind == "integer":
            self.values = frozenset(int(v) for v in el.values)
        elif t.kind == "decimal":
            self.values = frozenset(Decimal(v) for v in el.values)
        else:
            self.values = frozenset(el.values)

    def check(self, text: str):
        """None if ``text`` is valid, else ``(code, message_key, extra)``."""
        kind = self.kind
        if kind == "string":
            if len(text) > self.length:
                return codes.FORMAT, "string_length", {"length": len(text), "max": self.length}
            key = text
        elif kind == "integer":
            if not (text.isdigit() and text.isascii()) or len(text.lstrip("0")) > self.length:
                return codes.FORMAT, "integer", {"type": self.type_text}
            if self.values is None and self.regex is None:
                return None
            key = int(text)
        elif kind == "date":
            if not _DATE.match(text):
                return codes.FORMAT, "date", {}
            try:
                date.fromisoformat(text)
            except ValueError:
                return codes.FORMAT, "date", {}
            key = text
        else:  # decimal
            if not _DECIMAL.match(text):
                return codes.FORMAT, "decimal", {"type": self.type_text}
            whole, _, frac = text.partition(".")
            frac = frac.rstrip("0")
            if len(frac) > self.fraction or len(whole.lstrip("0")) > self.int_digits:
                return codes.FORMAT, "decimal", {"type": self.type_text}
            if self.values is None and self.regex is None:
                return None
            try:
                key = Decimal(text)
            except InvalidOperation:  # pragma: no cover - the regex guarantees a number
                return codes.FORMAT, "decimal", {"type": self.type_text}
        if self.regex is not None and not self.regex.match(text):
            return codes.FORMAT, "pattern", {"pattern": self.pattern}
        if self.values is not None and key not in self.values:
            return (
                codes.VALUE,
                "value",
                {"allowed": ", ".join(sorted((str(v) for v in self.values), key=lambda s: (len(s), s)))},
            )
        return None


class _Block:
    __slots__ = ("name", "index", "required", "maxes", "names", "alts")

    def __init__(self, el: Element, skip: Optional[str] = None):
        self.name = el.name
        self.index = {}
        maxes, required, names = [], [], []
        for pos, c in enumerate(el.children):
            self.index[c.name] = (pos, _compile(c) if c.name != skip else None)
            maxes.append(c.max)
            names.append(c.name)
            if c.required and c.name != skip:
                required.append((pos, c.name))
        self.maxes = tuple(maxes)
        self.required = tuple(required)
        self.names = tuple(names)
        # order ranks: a child at position p has rank 2p; one also accepted right after the
        # sibling at position q has the extra rank 2q + 1 (None: no child has another place)
        alts = {}
        for pos, c in enumerate(el.children):
            if c.also_after:
                ranks = {2 * pos} | {2 * self.index[s][0] + 1 for s in c.also_after}
                alts[c.name] = tuple(sorted(ranks))
        self.alts = alts or None


def _compile(el: Element):
    return _Leaf(el) if el.is_leaf else _Block(el)


class _Compiled:
    __slots__ = ("definition", "record", "header", "file_kind", "record_tag")

    def __init__(self, d: FormatDefinition):
        self.definition = d
        self.record = _compile(d.record)
        self.header = _Block(d.root, skip=d.record_tag)
        self.file_kind = d.file_kind
        self.record_tag = d.record_tag


def compiled(definition: FormatDefinition) -> _Compiled:
    """Lookup tables of ``definition`` (built once, cached on the definition)."""
    c = definition._cache.get("structure")
    if c is None:
        c = definition._cache["structure"] = _Compiled(definition)
    return c


# -- places -----------------------------------------------------------------------------
def place_of(chain: Iterable[Node]) -> dict:
    """Identifiers of the place given the chain of enclosing nodes (record first).

    Returns a dict with ``n_zap``, ``id_pac``, ``idcase``, ``sl_id``, ``idserv``.
    """
    place = {"n_zap": None, "id_pac": None, "idcase": None, "sl_id": None, "idserv": None}
    for n in chain:
        tag = n.tag
        if tag == "ZAP":
            place["n_zap"] = n.get("N_ZAP")
            place["id_pac"] = n.get("PACIENT/ID_PAC")
        elif tag == "PERS":
            place["id_pac"] = n.get("ID_PAC")
        elif tag == "Z_SL":
            place["idcase"] = n.get("IDCASE")
        elif tag == "SL":
            place["sl_id"] = n.get("SL_ID")
        elif tag == "USL":
            place["idserv"] = n.get("IDSERV")
    return place


def _clip(value: Optional[str]) -> Optional[str]:
    if value is None or len(value) <= VALUE_LIMIT:
        return value
    return value[: VALUE_LIMIT - 1] + "…"


class _Sink:
    """Collects findings of one check; builds the place only when a finding occurs."""

    __slots__ = ("out", "file_kind")

    def __init__(self, file_kind: str):
        self.out: list[Finding] = []
        self.file_kind = file_kind

    def add(
        self, code: str, key: str, chain: list, element: str, line: Optional[int], value: Optional[str] = None, **extra
    ) -> None:
        parent = chain[-1].tag if chain else None
        comment = codes.message(key, element=element, parent=parent, value=_clip(value), **extra)
        self.out.append(
            Finding(
                code=code,
                comment=comment,
                element=element,
                base_element=parent,
                value=_clip(value),
                line=line,
                file_kind=self.file_kind,
                **place_of(chain),
            )
        )


# -- the walk ---------------------------------------------------------------------------
def _check_block(block: _Block, node: Node, chain: list, sink: _Sink) -> None:
    index = block.index
    maxes = block.maxes
    alts = block.alts
    counts = [0] * len(maxes)
    last = -1
    last_tag = None
    chain.append(node)
    for child in node.children:
        tag = child.tag
        entry = index.get(tag)
        if entry is None:
            sink.add(codes.EXTRA, "unknown", chain, tag, child.line)
            continue
        pos, sub = entry
        rank = pos + pos
        if alts is not None and tag in alts:  # the earliest of its places not before the last one
            rank = next((r for r in alts[tag] if r >= last), -2)
        if rank < last:
            sink.add(codes.ORDER, "order", chain, tag, child.line, previous=last_tag)
        else:
            last = rank
            last_tag = tag
        n = counts[pos] + 1
        counts[pos] = n
        mx = maxes[pos]
        if mx is not None and n > mx:
            if n == mx + 1:
                total = sum(1 for c in node.children if c.tag == tag)
                sink.add(codes.EXTRA, "too_many", chain, tag, child.line, count=total, max=mx)
            continue
        if sub is None:  # the record element met inside the header: checked elsewhere
            continue
        if sub.__class__ is _Leaf:
            if child.children:
                sink.add(codes.FORMAT, "not_leaf", chain, tag, child.line)
                continue
            text = child.text
            if text is None:
                if sub.required:
                    sink.add(codes.MISSING, "empty", chain, tag, child.line)
                elif sub.kind != "string":
                    sink.add(codes.FORMAT, "empty_typed", chain, tag, child.line, type=sub.type_text)
                continue
            problem = sub.check(text)
            if problem is not None:
                code, key, extra = problem
                sink.add(code, key, chain, tag, child.line, value=text, **extra)
        else:
            _check_block(sub, child, chain, sink)
    for pos, name in block.required:
        if not counts[pos]:
            sink.add(codes.MISSING, "missing", chain, name, node.line)
    chain.pop()


def check_record(definition: FormatDefinition, record: Node) -> list[Finding]:
    """Structural findings of one record (``ZAP`` or ``PERS``); empty list if it is valid."""
    c = compiled(definition)
    sink = _Sink(c.file_kind)
    if record.tag != c.record_tag:
        sink.add(codes.EXTRA, "unknown", [Node(definition.root_tag)], record.tag, record.line)
        return sink.out
    _check_block(c.record, record, [], sink)
    return sink.out


def check_header(definition: FormatDefinition, header: Node) -> list[Finding]:
    """Structural findings of the header: the root node holding ``ZGLV`` (and ``SCHET``).

    Record elements among the header's children are ignored (the reader does not put
    them there); the header blocks' order, presence and content are checked.
    """
    c = compiled(definition)
    sink = _Sink(c.file_kind)
    _check_block(c.header, header, [], sink)
    return sink.out


class StructureChecker:
    """Convenience wrapper bound to one definition: ``checker.record(node)``."""

    def __init__(self, definition: FormatDefinition):
        self.definition = definition
        self._compiled = compiled(definition)

    def record(self, node: Node) -> list[Finding]:
        return check_record(self.definition, node)

    def header(self, node: Node) -> list[Finding]:
        return check_header(self.definition, node)
