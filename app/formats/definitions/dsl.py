"""A compact DSL for format definitions, so a definition reads like the tree of the federal format's tables.

    E("PACIENT", "1", [
        E("ID_PAC", "1",    T(36)),
        E("VPOLIS", "1",    N(1)),
        E("SPOLIS", "0..1", T(10)),
    ])

* ``E(name, occurs, type_or_children, pattern=..., values=..., title=...)`` — an element;
  ``occurs`` is ``"1"``, ``"0..1"``, ``"0..n"``, ``"1..n"`` or ``"a..b"``;
* value types: ``T(n)`` string up to n characters, ``N(d)`` integer up to d digits,
  ``N(d, f)`` decimal with up to d digits in total and f after the point, ``D`` date
  ``ГГГГ-ММ-ДД``;
* ``values`` — allowed values (a space-separated string or an iterable), compared as
  numbers for numeric types (``"01"`` equals ``"1"``);
* ``pattern`` — a regular expression the whole value must match;
* ``variant(element, "0..1")`` — the same element with another cardinality (or fields);
* ``also_after=("SIB",)`` — the element is accepted in its own place *or* right after the
  sibling ``SIB`` (for elements whose position the sources disagree on); the writer uses
  its own place.

Definitions are immutable; variants are made by *edits* applied to a copy:
``remove(path)``, ``insert_before(path, *els)``, ``insert_after(path, *els)``,
``replace(path, *els)``, ``append(path, *els)``, ``change(path, **fields)``,
``also_after(path, *siblings)``, where
``path`` is ``/``-separated from the root's children (``"ZAP/Z_SL/SL/KD"``).
:meth:`FormatDefinition.derive` applies a list of edits and gives a new definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from dataclasses import replace as _dc_replace
from typing import Any, Callable, Iterable, Optional, Sequence, Union


# -- value types --------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ValueType:
    kind: str  # "string" | "integer" | "decimal" | "date"
    length: Optional[int] = None  # max characters (string) or total digits (numbers)
    fraction: int = 0  # digits after the point (decimal)

    def describe(self) -> str:
        """Notation of the format's tables: ``T(36)``, ``N(3)``, ``N(15,2)``, ``D``."""
        if self.kind == "string":
            return f"T({self.length})"
        if self.kind == "integer":
            return f"N({self.length})"
        if self.kind == "decimal":
            return f"N({self.length},{self.fraction})"
        return "D"

    @property
    def numeric(self) -> bool:
        return self.kind in ("integer", "decimal")


def T(length: int) -> ValueType:
    """String of at most ``length`` characters."""
    return ValueType("string", length)


def N(digits: int, fraction: int = 0) -> ValueType:
    """Number: integer of at most ``digits`` digits, or decimal ``N(digits, fraction)``."""
    return ValueType("integer" if fraction == 0 else "decimal", digits, fraction)


D = ValueType("date")


# -- elements ---------------------------------------------------------------------------
UNBOUNDED = None


@dataclass(frozen=True, slots=True)
class Element:
    name: str
    min: int = 1
    max: Optional[int] = 1  # None = unbounded
    type: Optional[ValueType] = None  # None for an element with children
    children: tuple["Element", ...] = ()
    pattern: Optional[str] = None
    values: Optional[tuple[str, ...]] = None
    title: Optional[str] = None
    also_after: tuple[str, ...] = ()  # siblings right after which it is accepted as well

    @property
    def is_leaf(self) -> bool:
        return self.type is not None

    @property
    def required(self) -> bool:
        return self.min > 0

    @property
    def repeated(self) -> bool:
        return self.max is None or self.max > 1

    @property
    def occurs(self) -> str:
        hi = "n" if self.max is None else str(self.max)
        return str(self.min) if hi == str(self.min) else f"{self.min}..{hi}"

    def child(self, name: str) -> Optional["Element"]:
        for c in self.children:
            if c.name == name:
                return c
        return None

    def at(self, path: str) -> Optional["Element"]:
        """The descendant definition at a ``/``-separated path (None if absent)."""
        el: Optional[Element] = self
        for part in path.split("/"):
            if el is None:
                return None
            el = el.child(part)
        return el

    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.children)

    def walk(self, parents: tuple[str, ...] = ()):
        """Yield ``(path_of_parents, element)`` for this element and every descendant."""
        yield parents, self
        for c in self.children:
            yield from c.walk(parents + (self.name,))

    def tree(self, indent: int = 0) -> str:
        """The definition as a text tree, like the format's tables (handy for docs and reviews)."""
        kind = self.type.describe() if self.type else ""
        extra = f" {{{' '.join(self.values)}}}" if self.values else ""
        if self.also_after:
            extra += f" (also after {', '.join(self.also_after)})"
        lines = [f"{'  ' * indent}{self.name} [{self.occurs}] {kind}{extra}".rstrip()]
        for c in self.children:
            lines.append(c.tree(indent + 1))
        return "\n".join(lines)


def _occurs(spec: str) -> tuple[int, Optional[int]]:
    spec = spec.strip()
    if ".." not in spec:
        n = int(spec)
        return n, n
    lo, hi = spec.split("..", 1)
    return int(lo), (None if hi.strip() in ("n", "*", "") else int(hi))


def E(
    name: str,
    occurs: str = "1",
    content: Union[ValueType, Sequence[Element], None] = None,
    *,
    pattern: Optional[str] = None,
    values: Union[str, Iterable, None] = None,
    title: Optional[str] = None,
    also_after: Union[str, Iterable[str], None] = None,
) -> Element:
    """Define an element: a leaf (``content`` is a value type) or a block (a list of children)."""
    lo, hi = _occurs(occurs)
    if isinstance(content, ValueType):
        vtype, children = content, ()
    else:
        vtype, children = None, tuple(content or ())
        if not children:
            raise ValueError(f"{name}: element without type and without children")
        _check_unique(name, children)
    if isinstance(values, str):
        values = tuple(values.split())
    elif values is not None:
        values = tuple(str(v) for v in values)
    if (values or pattern) and vtype is None:
        raise ValueError(f"{name}: values/pattern need a value type")
    alt = (also_after,) if isinstance(also_after, str) else tuple(also_after or ())
    return Element(name, lo, hi, vtype, children, pattern, values, title, alt)


def _check_unique(name: str, children: Sequence[Element]) -> None:
    seen = set()
    for c in children:
        if c.name in seen:
            raise ValueError(f"{name}: child {c.name} defined twice")
        seen.add(c.name)
    for c in children:
        for sib in c.also_after:
            if sib not in seen or sib == c.name:
                raise ValueError(f"{name}: {c.name} is also accepted after {sib}, which is not another child")


def variant(element: Element, occurs: Optional[str] = None, **fields) -> Element:
    """A copy of ``element`` with another cardinality or other fields:
    ``variant(NPOLIS, "0..1")``, ``variant(DS2, type=T(20))``."""
    if occurs is not None:
        fields["min"], fields["max"] = _occurs(occurs)
    if isinstance(fields.get("values"), str):
        fields["values"] = tuple(fields["values"].split())
    return _dc_replace(element, **fields)


def span(lo: int, hi: int) -> str:
    """Allowed values ``lo..hi`` as a ``values`` string: ``span(1, 4)`` → ``"1 2 3 4"``."""
    return " ".join(str(i) for i in range(lo, hi + 1))


# -- edits ------------------------------------------------------------------------------
Edit = Callable[[Element], Element]


def _edit_parent(root: Element, path: str, fn: Callable[[list[Element], int], None]) -> Element:
    """Rebuild ``root`` with the children list of the parent of ``path`` changed by ``fn``."""
    parts = path.split("/")

    def rebuild(el: Element, depth: int) -> Element:
        kids = list(el.children)
        if depth == len(parts) - 1:
            idx = next((i for i, c in enumerate(kids) if c.name == parts[depth]), None)
            if idx is None:
                raise KeyError(f"{'/'.join(parts[: depth + 1])}: no such element under {el.name}")
            fn(kids, idx)
        else:
            idx = next((i for i, c in enumerate(kids) if c.name == parts[depth]), None)
            if idx is None:
                raise KeyError(f"{'/'.join(parts[: depth + 1])}: no such element under {el.name}")
            kids[idx] = rebuild(kids[idx], depth + 1)
        _check_unique(el.name, kids)
        return _dc_replace(el, children=tuple(kids))

    return rebuild(root, 0)


def remove(*paths: str) -> Edit:
    """Remove the elements at ``paths``."""

    def edit(root: Element) -> Element:
        for p in paths:
            root = _edit_parent(root, p, lambda kids, i: kids.pop(i))
        return root

    return edit


def insert_before(path: str, *elements: Element) -> Edit:
    def edit(root: Element) -> Element:
        return _edit_parent(root, path, lambda kids, i: kids.__setitem__(slice(i, i), elements))

    return edit


def insert_after(path: str, *elements: Element) -> Edit:
    def edit(root: Element) -> Element:
        return _edit_parent(root, path, lambda kids, i: kids.__setitem__(slice(i + 1, i + 1), elements))

    return edit


def replace(path: str, *elements: Element) -> Edit:
    """Replace the element at ``path`` by ``elements`` (zero or more)."""

    def edit(root: Element) -> Element:
        return _edit_parent(root, path, lambda kids, i: kids.__setitem__(slice(i, i + 1), elements))

    return edit


def append(path: str, *elements: Element) -> Edit:
    """Append ``elements`` as the last children of the block at ``path``."""

    def edit(root: Element) -> Element:
        def fn(kids, i):
            kids[i] = _dc_replace(kids[i], children=kids[i].children + tuple(elements))

        return _edit_parent(root, path, fn)

    return edit


def change(path: str, *, occurs: Optional[str] = None, **fields) -> Edit:
    """Change fields of the element at ``path`` (``occurs="0..1"``, ``type=T(16)`` …)."""

    def edit(root: Element) -> Element:
        def fn(kids, i):
            kids[i] = variant(kids[i], occurs, **fields)

        return _edit_parent(root, path, fn)

    return edit


def also_after(path: str, *siblings: str) -> Edit:
    """Accept the element at ``path`` also right after each of ``siblings`` (its own place stays
    the one the writer uses): ``also_after("ZAP/Z_SL/SL/PROFIL_M", "C_ZAB")``."""

    def edit(root: Element) -> Element:
        def fn(kids, i):
            kids[i] = _dc_replace(kids[i], also_after=tuple(dict.fromkeys(kids[i].also_after + siblings)))

        return _edit_parent(root, path, fn)

    return edit


# -- a whole file format ----------------------------------------------------------------
_KEEP: Any = object()  # derive(): keep the setting of the definition derived from


@dataclass(frozen=True, eq=False)
class FormatDefinition:
    """One file kind in one format version.

    ``kind`` is the Q015 letter: ``H``, ``C``, ``T``, ``X`` (D-series) or ``L``.
    ``root`` is the root element (``ZL_LIST`` / ``PERS_LIST``); ``record_tag`` names the
    repeated record under it (``ZAP`` / ``PERS``); every other child of the root is a
    header block (``ZGLV``, ``SCHET``).
    """

    kind: str
    version: str
    root: Element
    record_tag: str
    title: str = ""
    notes: str = ""
    enabled_by: Optional[str] = None
    _cache: dict = field(default_factory=dict, compare=False, repr=False, hash=False)

    @property
    def root_tag(self) -> str:
        return self.root.name

    @property
    def file_kind(self) -> str:
        """``"L"`` for personal data files, ``"H"`` for every cases file (Finding.file_kind)."""
        return "L" if self.kind == "L" else "H"

    @property
    def record(self) -> Element:
        el = self.root.child(self.record_tag)
        assert el is not None
        return el

    @property
    def header_tags(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.root.children if c.name != self.record_tag)

    def header(self, tag: str) -> Optional[Element]:
        return self.root.child(tag) if tag != self.record_tag else None

    def derive(
        self,
        *edits: Edit,
        version: Optional[str] = None,
        kind: Optional[str] = None,
        title: Optional[str] = None,
        notes: Optional[str] = None,
        enabled_by: Optional[str] = _KEEP,
    ) -> "FormatDefinition":
        """A new definition: this one with ``edits`` applied (version/kind/title may change;
        ``enabled_by`` is kept unless given — ``None`` removes it)."""
        root = self.root
        for e in edits:
            root = e(root)
        return FormatDefinition(
            kind=kind or self.kind,
            version=version or self.version,
            root=root,
            record_tag=self.record_tag,
            title=self.title if title is None else title,
            notes=self.notes if notes is None else notes,
            enabled_by=self.enabled_by if enabled_by is _KEEP else enabled_by,
        )
