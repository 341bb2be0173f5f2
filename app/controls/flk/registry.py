"""Rule registry: one registered function per rule code.

A rule is declared with :func:`rule`::

    @rule("003F.00.0080", "ZL_LIST/ZAP/PACIENT/SPOLIS", "CHTX",
          "Элемент должен отсутствовать при VPOLIS<>1")
    def spolis_only_old_policy(r):          # r: RecordView
        if r.vpolis != 1 and (n := r.pac.child("SPOLIS")) is not None:
            yield Hit(n)

and yields :class:`Hit` objects; the engine turns them into :class:`~app.controls.finding.Finding`
(code, message, IM_POL/BAS_EL from the element path, N_ZAP/IDCASE/SL_ID/IDSERV, value, line).

Codes
-----
* Federal rules use the Q015 ``ID_TEST`` exactly (``NNNF.00.SSSS``); a test checks that each of
  them exists in the official Q015.xml with the same element path, compatible file types and the
  same validity dates.
* Rules Q015 does not have are regional, family ``002F.14.SSSS`` (region 14, Республика Саха
  (Якутия)); the middle segment is the region code as in the official regional tables (Q022 uses
  ``002F.36.xxxx``):

  ============  ==========================================================================
  002F.14.0010  ZL_LIST/ZGLV/FILENAME равно имени XML-файла в архиве
  002F.14.0011  PERS_LIST/ZGLV/FILENAME равно имени L-файла в архиве
  002F.14.0020  PERS_LIST/ZGLV/FILENAME1 равно имени основного файла (ZL_LIST/ZGLV/FILENAME)
  002F.14.0030  SCHET/CODE_MO равно коду МО, загрузившей файл
  002F.14.0040  N_ZAP уникален в файле
  002F.14.0050  Z_SL/IDCASE уникален в файле
  002F.14.0060  SL/SL_ID уникален в файле
  002F.14.0070  USL/IDSERV уникален в пределах случая (SL)
  002F.14.0080  PACIENT/ID_PAC найден в L-файле (PERS/ID_PAC)
  002F.14.0090  PERS/ID_PAC уникален в L-файле
  ============  ==========================================================================

Scopes: ``header`` (``fn(HeaderView)``, runs on ZL_LIST or PERS_LIST header by the path root),
``record`` (``fn(RecordView)``; rules on ``PERS_LIST/PERS/…`` paths in this scope need the
record's NOVOR/VPOLIS/dates and run only when the person was found), ``person``
(``fn(PersonView)``) and ``file`` (implemented by :class:`~app.controls.flk.totals.FileTotals`,
registered without a function so that the catalogue lists them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar, NamedTuple, Optional

from app.controls.catalogue import MESSAGE_MAX, RuleRegistry, RuleSpec
from app.controls.finding import STAGE_FLK
from app.formats.record import Node

__all__ = ["MESSAGE_MAX", "Hit", "FlkRuleSpec", "REGISTRY", "rule", "declare", "get", "all_specs"]

FILE_LETTERS = frozenset("CHTXL")
SCOPES = ("header", "record", "person", "file")

_Q015_START = date(2019, 11, 1)  # DATEBEG of the 001F–005F rules in Q015 v2.2
_Q015_006F_START = date(2020, 4, 1)  # DATEBEG of the 006F rules
_DEFAULT = object()


class Hit(NamedTuple):
    """What a rule found.  ``node`` is the wrong element (its text is the value, its line the
    place); for a missing element give ``at`` (the parent, for the line).  ``sl``/``usl`` locate
    the case/service (SL_ID, IDSERV)."""

    node: Optional[Node] = None
    at: Optional[Node] = None
    sl: Optional[Node] = None
    usl: Optional[Node] = None
    value: Optional[str] = None
    detail: Optional[str] = None


@dataclass(frozen=True)
class FlkRuleSpec(RuleSpec):
    """A ФЛК rule: a Q015 (or regional) code; ``fatal`` rules reject every case of the file."""

    #: run through the per-element dispatch of the official rows (app/controls/official), not one by one
    dispatched: ClassVar[bool] = False
    fatal: bool = False
    #: the elements a conditional rule's condition reads (full paths): when a value rule finds one
    #: of them wrong in a record, this rule does not report on that record (no cascade)
    reads: tuple[str, ...] = ()
    #: file the element belongs to: ``"L"`` (PERS_LIST) or ``"H"`` (ZL_LIST, any type)
    target: str = field(init=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "target", "L" if self.element_path.startswith("PERS_LIST") else "H")

    def applies_to(self, file_kind: str) -> bool:
        """Rules on the L file (``PERS_LIST/…``, TYPE_D "L") accompany every main file type."""
        return file_kind in self.file_types or (self.target == "L" and "L" in self.file_types)


def _check(spec: FlkRuleSpec) -> None:
    if spec.scope != "file" and spec.fn is None:
        raise ValueError(f"rule {spec.code}: no function")


REGISTRY: RuleRegistry[FlkRuleSpec] = RuleRegistry(STAGE_FLK, SCOPES, FILE_LETTERS, _check)


def default_valid_from(code: str) -> Optional[date]:
    """The DATEBEG of Q015 v2.2 for a federal code of its families (None for a regional code)."""
    if code[5:7] != "00":
        return None
    return _Q015_006F_START if code.startswith("006F") else _Q015_START


def _infer_scope(path: str) -> str:
    if path.startswith(("ZL_LIST/ZGLV", "ZL_LIST/SCHET", "PERS_LIST/ZGLV")):
        return "header"
    if path.startswith("PERS_LIST/PERS"):
        return "person"
    return "record"


def rule(
    code: str,
    element_path: str,
    file_types: str,
    message: str,
    *,
    scope: Optional[str] = None,
    valid_from=_DEFAULT,
    valid_to: Optional[date] = None,
    fatal: Optional[bool] = None,
    reads: tuple[str, ...] = (),
):
    """Register the decorated function as rule ``code`` (see the module docstring)."""

    def deco(fn):
        sc = scope or _infer_scope(element_path)
        REGISTRY.register(
            FlkRuleSpec(
                code=code,
                element_path=element_path,
                file_types=file_types,
                message=message,
                valid_from=default_valid_from(code) if valid_from is _DEFAULT else valid_from,
                valid_to=valid_to,
                scope=sc,
                fatal=(sc == "header") if fatal is None else fatal,
                reads=tuple(reads),
                fn=fn,
            )
        )
        return fn

    return deco


def declare(
    code: str,
    element_path: str,
    file_types: str,
    message: str,
    *,
    scope: str = "file",
    valid_from=_DEFAULT,
    valid_to: Optional[date] = None,
    fatal: bool = False,
) -> FlkRuleSpec:
    """Register a rule whose logic lives outside the registry (file-level accumulator)."""
    return REGISTRY.register(
        FlkRuleSpec(
            code=code,
            element_path=element_path,
            file_types=file_types,
            message=message,
            valid_from=default_valid_from(code) if valid_from is _DEFAULT else valid_from,
            valid_to=valid_to,
            scope=scope,
            fatal=fatal,
            fn=None,
        )
    )


def get(code: str) -> FlkRuleSpec:
    return REGISTRY.get(code)


def all_specs() -> list[FlkRuleSpec]:
    return REGISTRY.all()
