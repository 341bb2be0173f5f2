"""Format definitions as data, per (file kind, VERSION), and their registry.

Kinds are the Q015 letters: ``H``, ``C``, ``T``, ``X`` (the D-series: DP, DV, DO, DS,
DU, DF, DA, DB) and ``L`` (personal data). Each module ``vN_M.py`` of this package
(found automatically) builds its definitions with the DSL of :mod:`.dsl` and calls
:func:`register`; supporting a new version (5.x, 6.0) means adding one such module.

    from app.formats.definitions import get_definition
    d = get_definition("H", "3.2")
    d.record            # Element of ZAP
    d.header_tags       # ("ZGLV", "SCHET")
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import threading
from typing import Optional

from .dsl import Element, FormatDefinition, ValueType  # noqa: F401 - re-exported

KINDS = ("H", "C", "T", "X", "L")
KIND_TITLES = {
    "H": "H (медицинская помощь)",
    "C": "C (ЗНО)",
    "T": "T (ВМП)",
    "X": "D* (диспансеризация, профосмотры)",
    "L": "L (персональные данные)",
}

_REGISTRY: dict[tuple[str, str], FormatDefinition] = {}
_loaded = False
_lock = threading.RLock()
_MODULE = re.compile(r"^v\d+(_\d+)*$")


def register(*definitions: FormatDefinition) -> None:
    """Register definitions (called by the version modules at import)."""
    with _lock:
        for d in definitions:
            if d.kind not in KINDS:
                raise ValueError(f"unknown file kind {d.kind!r}")
            _REGISTRY[(d.kind, d.version)] = d


def _load() -> None:
    global _loaded
    if _loaded:
        return
    with _lock:
        if _loaded:
            return
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
            if _MODULE.match(info.name):
                importlib.import_module(f"{__name__}.{info.name}")
        _loaded = True


def kind_of(file_type: str) -> str:
    """Q015 kind of a file type or kind: ``"DP"`` → ``"X"``, ``"H"`` → ``"H"``.

    Raises ``ValueError`` for an unknown letter.
    """
    t = (file_type or "").strip()
    if t in KINDS:
        return t
    if len(t) == 2 and t[0] == "D" and t[1] in "PVOSUFAB":
        return "X"
    raise ValueError(f"Неизвестный тип файла «{file_type}»")


def get_definition(kind: str, version: str) -> Optional[FormatDefinition]:
    """The definition of ``kind`` (or a file type such as ``"DP"``) in ``version``, or None."""
    _load()
    try:
        k = kind_of(kind)
    except ValueError:
        return None
    return _REGISTRY.get((k, (version or "").strip()))


def _version_key(v: str):
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.]", v))


def supported_versions(kind: str) -> list[str]:
    """Versions registered for ``kind`` (or a file type), in ascending order."""
    _load()
    try:
        k = kind_of(kind)
    except ValueError:
        return []
    return sorted((v for (kk, v) in _REGISTRY if kk == k), key=_version_key)


def all_definitions() -> list[FormatDefinition]:
    _load()
    return [_REGISTRY[key] for key in sorted(_REGISTRY, key=lambda kv: (KINDS.index(kv[0]), _version_key(kv[1])))]
