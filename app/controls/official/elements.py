"""Where a name of a Q015 condition points: the element paths of the format definitions, and the
resolution of a name (``DS1``, ``SANK.S_TIP``, ``SL.USL``, ``ZL_LIST/ZAP/Z_SL/P_OTK``) relative to
the element a rule checks.

A name is the element of that name nearest to the rule's element: the candidate path sharing the
longest prefix with the rule's path, then the shortest way down from that prefix.  Two candidates
equally near are ambiguous and the row does not compile.  The result, a :class:`Locator`, says from
which ancestor of the checked element to go down, and along which tags — worked out once per rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from app.controls.flk.dispatch import ROOTS

#: letters of Cyrillic look-alikes that the official table writes in Latin names (SMO_ОК, Pi=Т)
LOOKALIKES = str.maketrans("АВЕКМНОРСТХаеорсх", "ABEKMHOPCTXaeopcx")

#: the record roots: ancestors of every path of a scope (one place: the dispatch's)
RECORD_ROOT = ROOTS["record"]
PERSON_ROOT = ROOTS["person"]

#: header values a record rule may read (ZL_LIST/SCHET, ZL_LIST/ZGLV) → the FlkContext field
HEADER_FIELDS = {
    "ZL_LIST/SCHET/YEAR": "year",
    "ZL_LIST/SCHET/MONTH": "month",
    "ZL_LIST/SCHET/CODE_MO": "code_mo",
    "ZL_LIST/SCHET/PLAT": "plat",
    "ZL_LIST/SCHET/DSCHET": "dschet",
    "ZL_LIST/ZGLV/VERSION": "version",
    "ZL_LIST/ZGLV/DATA": "data",
}


class NotCompiled(ValueError):
    """A row the interpreter cannot turn into a check; the message says why (in Russian, shown by
    ``oms import-rules`` and in «Правила контроля»)."""


@lru_cache(maxsize=1)
def all_paths() -> frozenset[str]:
    """Every element path of every registered format definition (all versions, all kinds)."""
    from app.formats.definitions import all_definitions

    paths = set()
    for d in all_definitions(include_disabled=True):
        for parents, el in d.root.walk():
            paths.add("/".join(parents + (el.name,)))
    return frozenset(paths)


@lru_cache(maxsize=64)
def definition_paths(kind: str, version: Optional[str]) -> Optional[frozenset[str]]:
    """The element paths of one file definition (None: no such definition — nothing to narrow)."""
    from app.formats.definitions import get_definition

    d = get_definition(kind, version) if version else None
    if d is None:
        return None
    return frozenset("/".join(parents + (el.name,)) for parents, el in d.root.walk())


@lru_cache(maxsize=1)
def _by_name() -> dict[str, tuple[tuple[str, ...], ...]]:
    out: dict[str, list[tuple[str, ...]]] = {}
    for p in all_paths():
        parts = tuple(p.split("/"))
        out.setdefault(parts[-1], []).append(parts)
    return {k: tuple(sorted(v)) for k, v in out.items()}


@lru_cache(maxsize=1)
def _blocks() -> frozenset[str]:
    return frozenset(p.rsplit("/", 1)[0] for p in all_paths() if "/" in p)


def is_block(path: tuple[str, ...]) -> bool:
    """The element has children in some format (a block such as B_DIAG, not a leaf)."""
    return "/".join(path) in _blocks()


def normal_name(word: str) -> str:
    """``SL.USL`` → ``SL/USL``; Cyrillic look-alikes in a Latin name → Latin."""
    return word.translate(LOOKALIKES).replace(".", "/").strip("/")


def is_element_name(word: str) -> bool:
    name = normal_name(word)
    if name in all_paths():
        return True
    parts = tuple(name.split("/"))
    return any(c[-len(parts) :] == parts for c in _by_name().get(parts[-1], ()))


def _common(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def target_path(word: str, rule_path: tuple[str, ...]) -> tuple[str, ...]:
    """The full path ``word`` names, seen from the element ``rule_path``."""
    name = normal_name(word)
    parts = tuple(name.split("/"))
    if parts[0] in ("ZL_LIST", "PERS_LIST"):
        if name not in all_paths():
            raise NotCompiled(f"нет элемента {name} в форматах")
        return parts
    candidates = [c for c in _by_name().get(parts[-1], ()) if c[-len(parts) :] == parts]
    if not candidates:
        raise NotCompiled(f"нет элемента {word} в форматах")

    # the same side of the file first (ZL_LIST for a rule on ZL_LIST), then the nearest
    def rank(c):  # the same side of the file, outside the checked element, the nearest
        common = _common(c, rule_path)
        return (c[0] != rule_path[0], c[: len(rule_path)] == rule_path, -common, len(c) - common)

    ranked = sorted(candidates, key=rank)
    best = ranked[0]
    if len(ranked) > 1 and rank(ranked[1]) == rank(best):
        raise NotCompiled(f"имя {word} неоднозначно: {'/'.join(best)} или {'/'.join(ranked[1])}")
    return best


@dataclass(frozen=True)
class Locator:
    """How to reach the nodes of a name from the chain of nodes of the checked element's parent.

    ``kind``: ``chain`` — go down ``down`` from ``chain[up]``; ``person`` — go down from the
    record's PERS; ``header`` — the FlkContext field ``field``."""

    path: str
    kind: str
    up: int = 0
    down: tuple[str, ...] = ()
    field: Optional[str] = None


def locate(word: str, rule_path: tuple[str, ...], root: tuple[str, ...]) -> Locator:
    """The :class:`Locator` of ``word`` for a rule on ``rule_path`` whose chain starts at ``root``
    (``ZL_LIST/ZAP``, ``PERS_LIST/PERS`` or a header root ``ZL_LIST``/``PERS_LIST``)."""
    target = target_path(word, rule_path)
    full = "/".join(target)
    if len(root) == 1 and target[1:2] not in (("ZGLV",), ("SCHET",)):
        raise NotCompiled(f"условие читает {full} во всех записях файла — это проверка файла целиком")
    common = _common(target, rule_path[:-1])  # the chain ends at the checked element's parent
    if common >= len(root) and target[: len(root)] == root:
        return Locator(full, "chain", up=common - len(root), down=target[common:])
    if root == RECORD_ROOT and target[: len(PERSON_ROOT)] == PERSON_ROOT:
        return Locator(full, "person", down=target[len(PERSON_ROOT) :])
    if full in HEADER_FIELDS and root != PERSON_ROOT:
        return Locator(full, "header", field=HEADER_FIELDS[full])
    raise NotCompiled(f"условие читает {full} — вне проверяемой записи")
