"""One official Q015 row → one ФЛК rule under its own code.

The kind of check follows from the columns the row fills:

=================  ================================================================================
NSI_OBJ/NSI_EL     the value must be a code of the book, valid on the date of care (look-up)
MIN_LEN/MAX_LEN/   the value's length and mask (004F), or its characters as COMMENT lists them
MASK_VAL
VAL_EL             the value must be one of a set (``{0, 1}``, ``1``), satisfy a comparison
                   (``<500.0``, ``TAL_D>=DR``, ``YEAR``: equal to SCHET/YEAR), or be absent (``нет``)
USL_TEST only      the element is required when the condition holds — or must be absent when the
                   row's COMMENT says «элемент должен отсутствовать»; no condition: always required
=================  ================================================================================

``USL_TEST`` narrows any kind to the parents where it holds (:mod:`.conditions`).  A row that does not
fit raises :class:`~app.controls.official.elements.NotCompiled` with the reason.

Each rule checks every occurrence of its element's parent (every SL, every USL …); the engine
visits a record once and runs at each node the rules whose element is its child
(:class:`Dispatch`), so a record pays only for the rules whose parent it has.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, ClassVar, Iterable, Optional

from app.controls.flk.registry import FlkRuleSpec, Hit
from app.controls.flk.rules_nsi import missing_code_detail
from app.controls.official.conditions import compile_condition
from app.controls.official.elements import PERSON_ROOT, RECORD_ROOT, NotCompiled, all_paths, is_element_name
from app.controls.official.masks import format_accept
from app.controls.rule_tables import MESSAGE_MAX
from app.controls.values import to_date, tx
from app.formats.record import Node

#: file types of МО files (Q015 TYPE_D letters)
MO_TYPES = "CHTXL"
#: the row's columns that say what it checks (stored as the catalogue's ``definition``)
DEFINITION_KEYS = ("nsi_obj", "nsi_el", "condition", "value", "min_len", "max_len", "mask", "comment")


@dataclass(frozen=True)
class OfficialSpec(FlkRuleSpec):
    """A rule compiled from an official row: ``check(chain, view, kids)`` runs it on one occurrence of
    the element's parent (``chain``: the nodes from the record root down to that parent; ``kids``: the
    parent's children by tag, :func:`children_by_tag`)."""

    dispatched: ClassVar[bool] = True
    parent: str = ""
    kind: str = ""
    check: Optional[Callable[[tuple, object, dict], list]] = field(default=None, compare=False, repr=False)
    #: a format rule with no condition: the test of one value (true: fine), so that the dispatch
    #: calls ``check`` only for a value that fails it
    accept: Optional[Callable[[str], object]] = field(default=None, compare=False, repr=False)


def definition_of(row: dict) -> str:
    """The row's check columns as the catalogue stores them (JSON, empty columns left out)."""
    return json.dumps({k: row[k].strip() for k in DEFINITION_KEYS if row.get(k) and row[k].strip()}, ensure_ascii=False)


# -- where the rule runs ----------------------------------------------------------------------------
def _scope(parts: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    if parts[:2] == RECORD_ROOT and len(parts) > 2:
        return "record", RECORD_ROOT
    if parts[:2] == PERSON_ROOT and len(parts) > 2:
        return "person", PERSON_ROOT
    if parts[0] in ("ZL_LIST", "PERS_LIST") and len(parts) > 1 and parts[1] not in ("ZAP", "PERS"):
        return "header", parts[:1]
    raise NotCompiled("наличие записей ZAP/PERS проверяет чтение файла (902)")


def _locators(parent: tuple[str, ...], root: tuple[str, ...]):
    """Chain indices of the SL and USL of a parent (for SL_ID/IDSERV in the finding)."""
    rel = parent[len(root) :]
    sl = rel.index("SL") + 1 if "SL" in rel else None
    usl = rel.index("USL") + 1 if "USL" in rel else None
    return sl, usl


def _care_date(scope: str, chain: tuple, view, sl_at, usl_at):
    """The date a code must be valid on, as the hand-written look-ups take it
    (:mod:`app.controls.flk.rules_nsi`): DATE_OUT of the service, DATE_2 of the SL, DATE_Z_2 of the
    case; DSCHET for the header; none for the L file."""
    if scope == "header":
        return view.ctx.dschet
    if scope == "person":
        return None
    if usl_at is not None and usl_at < len(chain):
        d = to_date(tx(chain[usl_at], "DATE_OUT"))
        if d is not None:
            return d
    if sl_at is not None and sl_at < len(chain):
        d = to_date(tx(chain[sl_at], "DATE_2"))
        if d is not None:
            return d
    return view.date_z_2


# -- value tests -----------------------------------------------------------------------------------
_OP = re.compile(r"^(<=|>=|<>|<|>|=)\s*(-?[0-9]+(?:\.[0-9]+)?)$")
_SIMPLE = re.compile(r"^[0-9A-Za-z_.]+$")


def _value_test(row: dict, parts: tuple[str, ...], root: tuple[str, ...]):
    """``(test(text, chain, view) -> bool, detail, reads)`` of a VAL_EL."""
    raw = " ".join((row.get("value") or "").split())
    if raw.startswith("{") and raw.endswith("}"):
        allowed = frozenset(x.strip() for x in raw[1:-1].split(",") if x.strip())
        return (lambda v, chain, view: v in allowed), f"допустимо: {raw}", ()
    if (m := _OP.match(raw)) is not None:
        op, bound = m[1], Decimal(m[2])
        cmp = {
            "<": lambda a: a < bound,
            ">": lambda a: a > bound,
            "<=": lambda a: a <= bound,
            ">=": lambda a: a >= bound,
            "=": lambda a: a == bound,
            "<>": lambda a: a != bound,
        }[op]

        def numeric(v, chain, view):
            try:
                return cmp(Decimal(v))
            except ArithmeticError:
                return True  # not a number: the format rules (004F, 903) report it

        return numeric, f"допустимо: {raw}", ()
    if _SIMPLE.match(raw) and not is_element_name(raw):
        return (lambda v, chain, view: v == raw), f"допустимо: {raw}", ()
    text = f"{parts[-1]}={raw}" if _SIMPLE.match(raw) else raw
    compiled = compile_condition(text, parts, root, self_values=lambda chain, view: [chain[-1].text])
    test = compiled.test  # the checked value is put at the end of the chain: chain[-1].text
    return (lambda v, chain, view: test(chain, view)), f"должно быть: {raw}", compiled.reads


# -- the row → the rule ----------------------------------------------------------------------------
def compile_row(row: dict) -> OfficialSpec:
    """The rule of one row (a dict of :func:`app.controls.rule_tables.iter_rule_table`)."""
    from app.nsi.books import BOOKS

    code = row["code"]
    path = (row.get("element") or "").strip()
    if path not in all_paths():
        raise NotCompiled(f"элемента {path} нет в форматах системы")
    types = "".join(t for t in MO_TYPES if t in (row.get("file_types") or ""))
    if not types:
        raise NotCompiled("правило не для файлов МО")
    parts = tuple(path.split("/"))
    scope, root = _scope(parts)
    parent, tag = parts[:-1], parts[-1]
    sl_at, usl_at = _locators(parent, root) if scope == "record" else (None, None)

    cond = None
    reads: tuple[str, ...] = ()
    if (row.get("condition") or "").strip():
        compiled = compile_condition(row["condition"], parts, root)
        cond, reads = compiled.test, compiled.reads

    def where(chain):
        sl = chain[sl_at] if sl_at is not None and sl_at < len(chain) else None
        usl = chain[usl_at] if usl_at is not None and usl_at < len(chain) else None
        return sl, usl

    accept = None
    book = (row.get("nsi_obj") or "").strip()
    value = (row.get("value") or "").strip()
    has_format = any((row.get(k) or "").strip() for k in ("min_len", "max_len", "mask"))
    if book:
        if value or has_format:
            raise NotCompiled(f"сверка со справочником {book} по маске или значению его записи")
        bdef = BOOKS.get(book)
        if bdef is None:
            raise NotCompiled(f"справочник {book} система не загружает")
        key = (row.get("nsi_el") or "").strip()
        if key and key.lower() != bdef.key.lower():
            raise NotCompiled(f"сверка с полем {key} справочника {book}, а не с его кодом")
        kind = "lookup"

        def missing(v, chain, view, _book=book):
            nsi = view.ctx.nsi
            on = _care_date(scope, chain, view, sl_at, usl_at)
            return None if nsi.has(_book, v, on) else missing_code_detail(nsi, _book, v, on)

        def usable(view, _book=book):
            nsi = view.ctx.nsi
            return nsi is not None and nsi.knows(_book)

        value_check = _values_rule(tag, cond, missing, where, usable)
    elif has_format:
        ok, detail = format_accept(row.get("min_len"), row.get("max_len"), row.get("mask"), row.get("comment"))
        kind = "format"
        value_check = _values_rule(tag, cond, lambda v, chain, view: None if ok(v) else detail, where)
        accept = ok if cond is None else None
    elif value.lower() == "нет":
        kind = "absent"
        value_check = _absence_rule(tag, cond, where)
    elif value:
        test, detail, value_reads = _value_test(row, parts, root)
        reads = tuple(dict.fromkeys(reads + tuple(r for r in value_reads if r != path)))
        kind = "value"
        value_check = _values_rule(
            tag, cond, lambda v, chain, view: None if test(v, chain + (Node("", v),), view) else detail, where
        )
    else:
        if code[:4] not in ("003F",):
            raise NotCompiled("в строке нет ни справочника, ни значения, ни маски, ни условия наличия")
        text = " ".join(((row.get("comment") or "") + " " + (row.get("message") or "")).lower().split())
        if "должен отсутствовать" in text:
            kind = "absent"
            value_check = _absence_rule(tag, cond, where)
        else:
            kind = "required"
            value_check = _required_rule(tag, cond, where)

    message = (row.get("message") or "").strip() or f"Ошибка в {path}"
    spec = OfficialSpec(
        code=code,
        element_path=path,
        file_types=types,
        message=message[:MESSAGE_MAX],
        valid_from=row.get("valid_from"),
        valid_to=row.get("valid_to"),
        scope=scope,
        fatal=scope == "header",
        reads=reads,
        fn=None,
        parent="/".join(parent),
        kind=kind,
        check=value_check,
        accept=accept,
    )
    object.__setattr__(spec, "fn", _standalone(spec, root))
    return spec


def _values_rule(tag, cond, wrong, where, usable=None):
    """Each value of ``tag`` under the parent, where the condition holds: ``wrong(value, chain, view)``
    gives what is wrong with it (the finding's detail), or None."""

    def check(chain, view, kids):
        if usable is not None and not usable(view):
            return ()
        out = None
        holds = None
        for c in kids.get(tag, ()):
            if c.text:
                if holds is None:
                    holds = cond is None or cond(chain, view)
                    if not holds:
                        return ()
                detail = wrong(c.text, chain, view)
                if detail is not None:
                    sl, usl = where(chain)
                    (out := out or []).append(Hit(c, sl=sl, usl=usl, detail=detail))
        return out or ()

    return check


def _required_rule(tag, cond, where):
    def check(chain, view, kids):
        for c in kids.get(tag, ()):
            if c.text or c.children:
                return ()
        if cond is None or cond(chain, view):
            sl, usl = where(chain)
            return (Hit(at=chain[-1], sl=sl, usl=usl),)
        return ()

    return check


def _absence_rule(tag, cond, where):
    def check(chain, view, kids):
        found = [c for c in kids.get(tag, ()) if c.text or c.children]
        if found and (cond is None or cond(chain, view)):
            sl, usl = where(chain)
            return [Hit(c, sl=sl, usl=usl) for c in found]
        return ()

    return check


def children_by_tag(node: Node) -> dict[str, list[Node]]:
    """The children of a node by tag: the rules of one parent look their element up, not scan."""
    out: dict[str, list[Node]] = {}
    for c in node.children:
        out.setdefault(c.tag, []).append(c)
    return out


def _chains(root: Node, tags: tuple[str, ...]) -> list[tuple]:
    chains = [(root,)]
    for tag in tags:
        chains = [ch + (c,) for ch in chains for c in ch[-1].children if c.tag == tag]
    return chains


def _standalone(spec: OfficialSpec, root: tuple[str, ...]):
    """``fn(view)``: the rule run alone on a record, person or header view (header and person
    rules run so; record rules through :class:`Dispatch`)."""
    down = tuple(spec.parent.split("/"))[len(root) :]
    check = spec.check

    def fn(view):
        start = getattr(view, "zap", None) or getattr(view, "node", None)
        if start is None:
            return ()
        out = []
        for chain in _chains(start, down):
            out.extend(check(chain, view, children_by_tag(chain[-1])))
        return out

    return fn


class _ParentRules:
    """The rules of one parent path, split by what makes them worth a call: a format rule with no
    condition only for a value its test rejects, another value rule (look-up, value, absence) only
    where its element is present, a presence rule only where it is not."""

    __slots__ = ("quick", "valued", "valued_tags", "required", "required_tags")

    def __init__(self, specs: Iterable[OfficialSpec]):
        quick: dict[str, list[tuple[Callable[[str], object], OfficialSpec]]] = {}
        valued: dict[str, list[OfficialSpec]] = {}
        required: list[tuple[str, OfficialSpec]] = []
        for s in specs:
            tag = s.element_path.rpartition("/")[2]
            if s.kind == "required":
                required.append((tag, s))
            elif s.accept is not None:
                quick.setdefault(tag, []).append((s.accept, s))
            else:
                valued.setdefault(tag, []).append(s)
        self.quick = {k: tuple(v) for k, v in quick.items()}
        self.valued = {k: tuple(v) for k, v in valued.items()}
        self.valued_tags = frozenset(valued)
        self.required = tuple(required)
        self.required_tags = frozenset(tag for tag, _ in required)


class Dispatch:
    """The rules compiled from official rows, keyed by their element's parent path: one visit of the
    record (or person) runs, at each node, the rules of its children — of the children it has, and
    the presence rules of those it lacks."""

    def __init__(self, specs: Iterable[OfficialSpec], root: str = "ZL_LIST/ZAP"):
        by_parent: dict[str, list[OfficialSpec]] = {}
        below: dict[str, dict[str, str]] = {}  # path → {child tag: child path} on the way to a parent
        for s in specs:
            by_parent.setdefault(s.parent, []).append(s)
            parts = s.parent.split("/")
            for i in range(len(root.split("/")), len(parts)):
                below.setdefault("/".join(parts[:i]), {})[parts[i]] = "/".join(parts[: i + 1])
        self.by_parent = {k: _ParentRules(v) for k, v in by_parent.items()}
        self.below = below
        self.root = root

    def __bool__(self) -> bool:
        return bool(self.by_parent)

    def run(self, root: Node, view) -> list[tuple[OfficialSpec, Hit]]:
        """``(rule, hit)`` pairs of one record, in code order (then document order)."""
        # a loop with a stack, not a recursive closure: a closure that calls itself is a reference
        # cycle, and the load runs with the cyclic collector off (app/core/collector.py) — each record
        # would stay in memory
        out: list = []
        by_parent, below = self.by_parent, self.below
        stack = [(root, self.root, (root,))]
        while stack:
            node, path, chain = stack.pop()
            rules = by_parent.get(path)
            if rules is not None:
                present = set()  # the tags of the children that carry a value
                called: list[OfficialSpec] = []  # the rules to run on this node
                quick = rules.quick
                for c in node.children:  # the format rules: one test per value, a call only on failure
                    text = c.text
                    if text:
                        present.add(c.tag)
                        tests = quick.get(c.tag)
                        if tests is not None:
                            for accept, s in tests:
                                if not accept(text) and s not in called:
                                    called.append(s)
                    elif c.children:
                        present.add(c.tag)
                for tag in rules.valued_tags & present:
                    called.extend(rules.valued[tag])
                if not rules.required_tags <= present:
                    for tag, s in rules.required:
                        if tag not in present:
                            called.append(s)
                if called:
                    kids = children_by_tag(node)
                    for s in called:
                        hits = s.check(chain, view, kids)
                        if hits:
                            for h in hits:
                                out.append((s, h))
            sub = below.get(path)
            if sub:
                for c in reversed(node.children):  # popped in document order
                    p = sub.get(c.tag)
                    if p is not None:
                        stack.append((c, p, chain + (c,)))
        if len(out) > 1:
            out.sort(key=lambda pair: pair[0].code)
        return out
