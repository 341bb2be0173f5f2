"""Format definitions as data, per (file kind, VERSION), and their registry.

Kinds are the Q015 letters: ``H``, ``C``, ``T``, ``X`` (the D-series: DP, DV, DO, DS,
DU, DF, DA, DB) and ``L`` (personal data). Each module ``vN_M.py`` of this package
(found automatically) builds its definitions with the DSL of :mod:`.dsl` and calls
:func:`register`; supporting a new version means adding one such module.

Two settings of the Flask configuration act here (read from ``current_app`` when there is
an application context; without one both are off):

* a definition with ``enabled_by`` (6.0: ``FORMAT_6_0_ENABLED``) is handed out and listed
  only while that setting is true — otherwise its files are refused as of an unsupported
  version;
* ``FORMAT_REGIONAL_ELEMENTS`` — a JSON file of regional elements inserted into the
  definitions (:mod:`.regional`); a bad file raises :class:`RegionalElementsError`.

    from app.formats.definitions import get_definition
    d = get_definition("H", "3.2")
    d.record            # Element of ZAP
    d.header_tags       # ("ZGLV", "SCHET")
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import threading
from typing import Optional

from .dsl import Element, FormatDefinition, ValueType  # noqa: F401 - re-exported
from .regional import RegionalElementsError  # noqa: F401 - re-exported

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
        _regional_cache.clear()


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


REGIONAL_SETTING = "FORMAT_REGIONAL_ELEMENTS"
_regional_cache: dict[tuple, dict[tuple[str, str], FormatDefinition]] = {}


def _setting(name: str):
    """``current_app.config[name]`` inside an application context, else None."""
    try:
        from flask import current_app, has_app_context
    except ImportError:  # pragma: no cover - flask is a dependency
        return None
    return current_app.config.get(name) if has_app_context() else None


def _enabled(d: FormatDefinition) -> bool:
    return not d.enabled_by or bool(_setting(d.enabled_by))


def _regional(path) -> dict[tuple[str, str], FormatDefinition]:
    """The registered definitions with the regional elements of the file ``path`` inserted
    (built once per file state)."""
    from . import regional

    try:
        st = os.stat(path)
        key = (str(path), st.st_mtime_ns, st.st_size)
    except OSError:
        key = (str(path), None, None)  # regional.load reports the missing file
    with _lock:
        out = _regional_cache.get(key)
        if out is None:
            out = regional.apply(regional.load(path), dict(_REGISTRY))
            _regional_cache.clear()
            _regional_cache[key] = out
    return out


def effective(d: FormatDefinition) -> FormatDefinition:
    """``d`` with the regional elements of the current configuration (``d`` itself if none)."""
    path = _setting(REGIONAL_SETTING)
    if not path:
        return d
    return _regional(path).get((d.kind, d.version), d)


def check_regional_elements(config) -> None:
    """Read and apply ``config["FORMAT_REGIONAL_ELEMENTS"]`` once (for a start-up check);
    raises :class:`RegionalElementsError` naming the bad entry."""
    path = config.get(REGIONAL_SETTING)
    if path:
        _load()
        _regional(path)


def get_definition(kind: str, version: str) -> Optional[FormatDefinition]:
    """The definition of ``kind`` (or a file type such as ``"DP"``) in ``version``, or None
    (also for a version whose ``enabled_by`` setting is off)."""
    _load()
    try:
        k = kind_of(kind)
    except ValueError:
        return None
    d = _REGISTRY.get((k, (version or "").strip()))
    if d is None or not _enabled(d):
        return None
    return effective(d)


def _version_key(v: str):
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.]", v))


def version_number(version: Optional[str]) -> tuple[int, ...]:
    """The numbers of a VERSION text for comparisons: ``"5.1"`` → ``(5, 1)`` (parts that are not
    digits are left out; ``None`` → ``()``)."""
    return tuple(int(part) for part in (version or "").strip().split(".") if part.isdigit())


def supported_versions(kind: str) -> list[str]:
    """Versions registered (and switched on) for ``kind`` (or a file type), ascending."""
    _load()
    try:
        k = kind_of(kind)
    except ValueError:
        return []
    return sorted((v for (kk, v), d in _REGISTRY.items() if kk == k and _enabled(d)), key=_version_key)


def all_definitions(include_disabled: bool = False) -> list[FormatDefinition]:
    """Every registered definition (switched-off ones only with ``include_disabled``)."""
    _load()
    keys = sorted(_REGISTRY, key=lambda kv: (KINDS.index(kv[0]), _version_key(kv[1])))
    return [effective(_REGISTRY[k]) for k in keys if include_disabled or _enabled(_REGISTRY[k])]
