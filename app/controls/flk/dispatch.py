"""Rules run element by element: a visit of a record (or PERS) runs, at each node, the rules of its
children (:class:`Dispatch`).  The rules compiled from official Q015 rows
(:mod:`app.controls.official`) and the reference-book look-ups of :mod:`app.controls.flk.rules_nsi`
are such rules (:class:`DispatchedSpec`); the builders of their checks are here, one for each kind.

A check is ``check(chain, view, kids)``: ``chain`` the nodes from the record root down to the
element's parent, ``kids`` the parent's children by tag.  The dispatch calls it only where it can
find something: a value rule where its element has a value, a presence rule where it has none; a
format rule with no condition (``accept``) and a look-up with no condition (``book``) are tested by
the dispatch itself, value by value, and called only for a value that fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, ClassVar, Iterable, Optional

from app.controls.catalogue import RuleError
from app.controls.finding import STAGE_FLK
from app.controls.flk.registry import FlkRuleSpec, Hit
from app.controls.values import to_date, tx
from app.formats.record import Node

#: the chain's root of each scope (a header rule's chain starts at the file's root element)
ROOTS = {"record": ("ZL_LIST", "ZAP"), "person": ("PERS_LIST", "PERS")}
_UNSET = object()


@dataclass(frozen=True)
class DispatchedSpec(FlkRuleSpec):
    """A rule run through :class:`Dispatch`: ``check(chain, view, kids)`` runs it on one occurrence
    of the element's parent (``parent``, a path); ``kind`` is lookup, format, value, absent or
    required."""

    dispatched: ClassVar[bool] = True
    parent: str = ""
    kind: str = ""
    check: Optional[Callable[[tuple, object, dict], list]] = field(default=None, compare=False, repr=False)
    #: a format rule with no condition: the test of one value (true: fine)
    accept: Optional[Callable[[str], object]] = field(default=None, compare=False, repr=False)
    #: a look-up with no condition: its book, and (scope, SL index, USL index) of the chain for the
    #: date of care
    book: str = ""
    locate: tuple = ()


def locators(parent: tuple[str, ...], root: tuple[str, ...]):
    """Chain indices of the SL and USL of a parent (for SL_ID/IDSERV in the finding)."""
    rel = parent[len(root) :]
    sl = rel.index("SL") + 1 if "SL" in rel else None
    usl = rel.index("USL") + 1 if "USL" in rel else None
    return sl, usl


def care_date(scope: str, chain: tuple, view, sl_at, usl_at):
    """The date a code must be valid on: DATE_OUT of the service, DATE_2 of the SL, DATE_Z_2 of the
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


def missing_code_detail(nsi, book: str, code: str, on) -> str:
    """What a finding adds to the rule's message: the book, the code, the date, and what is
    loaded of the book — «V009: код 312 не действует на 15.01.2025; версия 3.1 от 30.03.2018,
    ФФОМС» or «M001: код L42 не найден; загружена демонстрационная выборка», so a wrong book is
    told from a wrong file."""
    day = f" на {on:%d.%m.%Y}" if on else ""
    if on is not None and nsi.has(book, code):
        text = f"{book}: код {code} не действует{day}"
    else:
        text = f"{book}: код {code} не найден{day}"
    loaded = nsi.loaded(book) if hasattr(nsi, "loaded") else None
    return f"{text}; {loaded}" if loaded else text


def lookup_check(book: str, tag: str, scope: str, sl_at, usl_at, cond=None):
    """A look-up: each value of ``tag`` must be a code of ``book`` valid on the date of care
    (:func:`care_date`); a book not loaded is not checked."""

    def missing(v, chain, view):
        nsi = view.ctx.nsi
        on = care_date(scope, chain, view, sl_at, usl_at)
        return None if nsi.has(book, v, on) else missing_code_detail(nsi, book, v, on)

    def usable(view):
        nsi = view.ctx.nsi
        return nsi is not None and nsi.knows(book)

    return values_rule(tag, cond, missing, where_of(sl_at, usl_at), usable)


def where_of(sl_at, usl_at):
    """``where(chain) -> (sl, usl)``: the SL and USL of a chain, for SL_ID/IDSERV in a finding."""

    def where(chain):
        sl = chain[sl_at] if sl_at is not None and sl_at < len(chain) else None
        usl = chain[usl_at] if usl_at is not None and usl_at < len(chain) else None
        return sl, usl

    return where


def lookup_spec(code: str, path: str, book: str, file_types: str, message: str, **dates) -> DispatchedSpec:
    """The look-up rule of ``path`` in ``book`` with no condition (a record or PERS element)."""
    parts = tuple(path.split("/"))
    scope = "person" if parts[:2] == ROOTS["person"] else "record"
    root = ROOTS[scope]
    parent, tag = parts[:-1], parts[-1]
    sl_at, usl_at = locators(parent, root) if scope == "record" else (None, None)
    spec = DispatchedSpec(
        code=code,
        element_path=path,
        file_types=file_types,
        message=message,
        scope=scope,
        parent="/".join(parent),
        kind="lookup",
        check=lookup_check(book, tag, scope, sl_at, usl_at),
        book=book,
        locate=(scope, sl_at, usl_at),
        **dates,
    )
    object.__setattr__(spec, "fn", standalone(spec, root))
    return spec


def values_rule(tag, cond, wrong, where, usable=None):
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


def required_rule(tag, cond, where):
    def check(chain, view, kids):
        for c in kids.get(tag, ()):
            if c.text or c.children:
                return ()
        if cond is None or cond(chain, view):
            sl, usl = where(chain)
            return (Hit(at=chain[-1], sl=sl, usl=usl),)
        return ()

    return check


def absence_rule(tag, cond, where):
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


def chains(root: Node, tags: tuple[str, ...]) -> list[tuple]:
    chains = [(root,)]
    for tag in tags:
        chains = [ch + (c,) for ch in chains for c in ch[-1].children if c.tag == tag]
    return chains


def standalone(spec: "DispatchedSpec", root: tuple[str, ...]):
    """``fn(view)``: the rule run alone on a record, person or header view (header and person
    rules run so; record rules through :class:`Dispatch`)."""
    down = tuple(spec.parent.split("/"))[len(root) :]
    check = spec.check

    def fn(view):
        start = getattr(view, "zap", None) or getattr(view, "node", None)
        if start is None:
            return ()
        out = []
        for chain in chains(start, down):
            out.extend(check(chain, view, children_by_tag(chain[-1])))
        return out

    return fn


class _ParentRules:
    """The rules of one parent path, split by what makes them worth a call: a format rule or a
    look-up with no condition only for a value its test rejects, another value rule (value, absence,
    a conditional look-up or format) only where its element is present, a presence rule only where it
    is not."""

    __slots__ = ("quick", "lookups", "locate", "valued", "valued_tags", "required", "required_tags")

    def __init__(self, specs: Iterable[DispatchedSpec]):
        quick: dict[str, list[tuple[Callable[[str], object], DispatchedSpec]]] = {}
        lookups: dict[str, list[tuple[str, DispatchedSpec]]] = {}
        valued: dict[str, list[DispatchedSpec]] = {}
        required: list[tuple[str, DispatchedSpec]] = []
        self.locate: tuple = ()
        for s in specs:
            tag = s.element_path.rpartition("/")[2]
            if s.kind == "required":
                required.append((tag, s))
            elif s.accept is not None:
                quick.setdefault(tag, []).append((s.accept, s))
            elif s.book:
                lookups.setdefault(tag, []).append((s.book, s))
                self.locate = s.locate  # one parent: one place in the record, one date of care
            else:
                valued.setdefault(tag, []).append(s)
        self.quick = {k: tuple(v) for k, v in quick.items()}
        self.lookups = {k: tuple(v) for k, v in lookups.items()}
        self.valued = {k: tuple(v) for k, v in valued.items()}
        self.valued_tags = frozenset(valued)
        self.required = tuple(required)
        self.required_tags = frozenset(tag for tag, _ in required)


class Dispatch:
    """The rules of a scope run element by element (:class:`DispatchedSpec`), keyed by their
    element's parent path: one visit of the record (or person) runs, at each node, the rules of its
    children — of the children it has, and the presence rules of those it lacks."""

    def __init__(self, specs: Iterable[DispatchedSpec], root: str = "/".join(ROOTS["record"])):
        by_parent: dict[str, list[DispatchedSpec]] = {}
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

    def run(self, root: Node, view) -> list[tuple[DispatchedSpec, Hit]]:
        """``(rule, hit)`` pairs of one record, in code order (then document order)."""
        # a loop with a stack, not a recursive closure: a closure that calls itself is a reference
        # cycle, and the load runs with the cyclic collector off (app/core/collector.py) — each record
        # would stay in memory
        out: list = []
        by_parent, below = self.by_parent, self.below
        nsi = view.ctx.nsi
        stack = [(root, self.root, (root,))]
        while stack:
            node, path, chain = stack.pop()
            rules = by_parent.get(path)
            if rules is not None:
                present = set()  # the tags of the children that carry a value
                called: list[DispatchedSpec] = []  # the rules to run on this node
                quick = rules.quick
                lookups = rules.lookups if nsi is not None else None
                on = _UNSET
                for c in node.children:  # one test per value; a rule is called only on a failure
                    text = c.text
                    if text:
                        tag = c.tag
                        present.add(tag)
                        tests = quick.get(tag)
                        if tests is not None:
                            for accept, s in tests:
                                if not accept(text) and all(x is not s for x in called):
                                    called.append(s)
                        if lookups:
                            books = lookups.get(tag)
                            if books is not None:
                                if on is _UNSET:  # once per node: the date of care of its place
                                    scope, sl_at, usl_at = rules.locate
                                    on = care_date(scope, chain, view, sl_at, usl_at)
                                for book, s in books:
                                    if (
                                        not nsi.has(book, text, on)
                                        and nsi.knows(book)
                                        and all(x is not s for x in called)
                                    ):
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
                        try:
                            hits = s.check(chain, view, kids)
                        except Exception as exc:  # noqa: BLE001 — re-raised with the rule's code
                            raise RuleError(STAGE_FLK, s.code, exc) from exc
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
