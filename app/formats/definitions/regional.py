"""Regional elements without code: a JSON file (setting ``FORMAT_REGIONAL_ELEMENTS``) lists
elements a region adds to the federal definitions; they are inserted when the definitions are
loaded, so a file carrying them passes the structural check and one without them too.

    {"elements": [
      {"kind": "H", "version": "*", "parent": "ZAP/Z_SL", "after": "LPU",
       "name": "EVENING_TIME", "occurs": "0..1", "type": "N(1)", "title": "Вечернее время"},
      {"kind": ["H", "C"], "version": ["5.0", "5.1"], "parent": "ZAP/Z_SL/SL",
       "after": "COMENTSL", "name": "LPU_LEVEL", "occurs": "0..1", "type": "T(2)"}
    ]}

(a bare list of entries is accepted too). Keys of an entry:

* ``kind`` — ``H``, ``C``, ``T``, ``X``, ``L``, a list of them or ``"*"``;
* ``version`` — a version, a list of versions or ``"*"`` (every registered version of the kind);
* ``parent`` — the block, ``/``-separated from the root's children (``ZAP/Z_SL/SL``);
* ``after`` — the sibling the element follows (it must exist in every matched definition);
* ``name``; ``occurs`` — ``"0..1"`` (default) or ``"0..n"``: a regional element is optional,
  so files without it stay valid;
* ``type`` — ``T(n)``, ``N(d)``, ``N(d,f)`` or ``D``; optional ``title``, ``values``
  (space-separated or a list), ``pattern``.

Any mistake raises :class:`RegionalElementsError` naming the file and the entry.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Optional

from .dsl import D, E, Element, FormatDefinition, N, T, ValueType, insert_after

OCCURS = ("0..1", "0..n")
KEYS = {"kind", "version", "parent", "after", "name", "occurs", "type", "title", "values", "pattern"}
REQUIRED = ("kind", "version", "parent", "after", "name", "type")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_TYPE = re.compile(r"^\s*(?:T\((\d+)\)|N\((\d+)\s*(?:,\s*(\d+))?\)|(D))\s*$")


class RegionalElementsError(ValueError):
    """The regional elements file cannot be used (the message names the entry)."""


@dataclass(frozen=True)
class RegionalElement:
    number: int  # 1-based position in the file
    kinds: Optional[tuple[str, ...]]  # None = every kind
    versions: Optional[tuple[str, ...]]  # None = every version
    parent: str
    after: str
    element: Element

    @property
    def label(self) -> str:
        return f"entry #{self.number} ({self.element.name})"

    def matches(self, kind: str, version: str) -> bool:
        return (self.kinds is None or kind in self.kinds) and (self.versions is None or version in self.versions)


def parse_type(text: str) -> ValueType:
    """``"T(10)"`` → ``T(10)``, ``"N(5,2)"`` → ``N(5, 2)``, ``"D"`` → ``D``."""
    m = _TYPE.match(text or "") if isinstance(text, str) else None
    if not m:
        raise ValueError(f"type {text!r}: one of T(n), N(d), N(d,f), D")
    if m.group(1):
        return T(int(m.group(1)))
    if m.group(2):
        digits, fraction = int(m.group(2)), int(m.group(3) or 0)
        if digits < 1 or fraction >= digits:
            raise ValueError(f"type {text!r}: N(d,f) needs d ≥ 1 and f < d")
        return N(digits, fraction)
    return D


def _names(value, what: str) -> Optional[tuple[str, ...]]:
    if value == "*":
        return None
    if isinstance(value, str) and value.strip():
        return (value.strip(),)
    if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
        return tuple(v.strip() for v in value)
    raise ValueError(f"{what}: a string, a list of strings or \"*\"")


def _entry(number: int, raw) -> RegionalElement:
    name = raw.get("name") if isinstance(raw, dict) else None
    label = f"entry #{number}" + (f" ({name})" if isinstance(name, str) else "")
    try:
        if not isinstance(raw, dict):
            raise ValueError("an entry is a JSON object")
        unknown = sorted(set(raw) - KEYS)
        if unknown:
            raise ValueError(f"unknown keys {', '.join(unknown)} (allowed: {', '.join(sorted(KEYS))})")
        missing = [k for k in REQUIRED if raw.get(k) in (None, "")]
        if missing:
            raise ValueError(f"missing {', '.join(missing)}")
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(f"name {name!r} is not an XML element name")
        occurs = raw.get("occurs", "0..1")
        if occurs not in OCCURS:
            raise ValueError(f"occurs {occurs!r}: one of {', '.join(OCCURS)} (a regional element is optional)")
        parent, after = raw["parent"], raw["after"]
        if not isinstance(parent, str) or not isinstance(after, str) or not _NAME.match(after):
            raise ValueError("parent and after are element paths/names")
        parts = [p for p in parent.strip().strip("/").split("/") if p]
        if not parts or not all(_NAME.match(p) for p in parts):
            raise ValueError(f"parent {parent!r} is not a path like ZAP/Z_SL/SL")
        values = raw.get("values")
        if values is not None and not isinstance(values, (str, list)):
            raise ValueError("values: a space-separated string or a list")
        pattern = raw.get("pattern")
        if pattern is not None:
            if not isinstance(pattern, str):
                raise ValueError("pattern: a string")
            re.compile(pattern)
        title = raw.get("title")
        element = E(
            name,
            occurs,
            parse_type(raw["type"]),
            values=values,
            pattern=pattern,
            title=str(title) if title is not None else None,
        )
        return RegionalElement(
            number,
            _names(raw["kind"], "kind"),
            _names(raw["version"], "version"),
            "/".join(parts),
            after,
            element,
        )
    except (ValueError, TypeError, re.error) as e:
        raise RegionalElementsError(f"{label}: {e}") from None


def load(path) -> list[RegionalElement]:
    """The entries of the JSON file ``path``."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except OSError as e:
        raise RegionalElementsError(f"FORMAT_REGIONAL_ELEMENTS: cannot read {path}: {e.strerror or e}") from None
    except ValueError as e:
        raise RegionalElementsError(f"FORMAT_REGIONAL_ELEMENTS: {path} is not valid JSON: {e}") from None
    if isinstance(data, dict) and set(data) == {"elements"}:
        data = data["elements"]
    if not isinstance(data, list):
        raise RegionalElementsError(f'FORMAT_REGIONAL_ELEMENTS: {path}: a list of entries or {{"elements": [...]}}')
    try:
        return [_entry(i, raw) for i, raw in enumerate(data, 1)]
    except RegionalElementsError as e:
        raise RegionalElementsError(f"FORMAT_REGIONAL_ELEMENTS: {path}: {e}") from None


def apply(
    entries: list[RegionalElement], definitions: dict[tuple[str, str], FormatDefinition]
) -> dict[tuple[str, str], FormatDefinition]:
    """``definitions`` with the entries inserted (file order); every entry must match at least
    one definition and fit every definition it matches."""
    out = dict(definitions)
    for entry in entries:
        keys = [k for k in sorted(out) if entry.matches(*k)]
        if not keys:
            raise RegionalElementsError(
                f"FORMAT_REGIONAL_ELEMENTS: {entry.label}: no registered definition of kind "
                f"{'/'.join(entry.kinds or ('*',))} and version {'/'.join(entry.versions or ('*',))}"
            )
        for key in keys:
            d = out[key]
            path = f"{entry.parent}/{entry.after}"
            parts = entry.parent.split("/")
            if parts[0] == d.root_tag:  # a path from the root itself is accepted too
                path = "/".join(parts[1:] + [entry.after])
            try:
                if d.root.at(path) is None:
                    raise KeyError(f"{entry.parent}/{entry.after}: no such element")
                out[key] = d.derive(insert_after(path, entry.element))
            except (KeyError, ValueError) as e:
                msg = e.args[0] if e.args else str(e)
                raise RegionalElementsError(
                    f"FORMAT_REGIONAL_ELEMENTS: {entry.label}: cannot insert into {d.kind} {d.version}: {msg}"
                ) from None
    return out
