"""МЭК rule registry: one registered function per rule code, with the rule's data.

A rule is declared with :func:`mek_rule`::

    @mek_rule("003K.00.0620", "ZL_LIST/ZAP/Z_SL/SL/DS1", "CHT", "Несоответствие диагноза полу пациента",
              refusal="1.1.4")
    def chapter_o_for_men(c, ctx):         # c: MekCase (app.controls.mek.views)
        ...
        yield MekHit(node, sl=sl)

and yields :class:`MekHit`; the engine turns each into a :class:`~app.controls.finding.Finding` of
stage «МЭК» with its sanction (F014 reason, withheld sum).

Data of a rule (the catalogue row seeded from it; the fund may change on/off, the reason and the
share in the database):

* ``refusal`` — the reason of refusal as the F014 «Основание» of the order of the Ministry of
  Health 231н (section 1, МЭК), put into SANK/S_OSN.  **Check against the current F014 of the
  region**: the classifier is not published as a data file, the numbers here
  follow the order's list;
* ``share`` — the share of SUMV the sanction withholds: 1 refuses the whole case («Отклонен
  МЭК»); 0 < share < 1 keeps the case with that sum withheld; ``None`` means the rule computes the
  sum itself (``MekHit.amount``: the overcharge above the tariff);
* ``twin`` — the Q015 rule of the ФЛК that checks the same condition (a case rejected by it never
  reaches the МЭК; switch the twin off to check the condition at the МЭК with a sanction).

Codes: federal rules use the Q016 ``ID_TEST`` exactly (a test compares them with the official
Q016.xml); the checks Q016 does not have are regional, family ``003K.14.SSSS`` (region 14):

  ============  ==============================================================================
  003K.14.0010  Застрахованное лицо не найдено в ЕРЗ (residents; non-residents go to the ТФОМС)
  003K.14.0020  Дата окончания лечения вне отчетного периода (older than MEK_PERIOD_MONTHS_BACK)
  003K.14.0040  Нет тарифа на услугу / КСГ на дату оказания
  003K.14.0050  Сумма, выставленная к оплате, отличается от рассчитанной по тарифам
  003K.14.0060  Профиль медицинской помощи не предусмотрен лицензией МО (USL_OK + PROFIL)
  003K.14.0070  Пересечение сроков лечения в круглосуточном стационаре (SQL over the file and earlier files)
  003K.14.0080  Амбулаторное посещение в период лечения в круглосуточном стационаре
  ============  ==============================================================================

Scopes: ``case`` (``fn(c, ctx)`` at the stage «МЭК»), ``tariff`` (``fn(c, ctx)`` with
``c.calc`` set, at the stage «Перерасчет стоимости»), ``set`` (``fn(ctx, file_id) → [(case_id,
MekHit)]``: SQL over the whole file, e.g. duplicates).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple, Optional

from app.controls.catalogue import MESSAGE_MAX, RuleRegistry, RuleSpec
from app.controls.finding import STAGE_MEK
from app.formats.record import Node

__all__ = ["MESSAGE_MAX", "MekHit", "MekRuleSpec", "REGISTRY", "mek_rule", "get", "all_specs"]

FILE_LETTERS = frozenset("CHTXL")  # L: a rule on the patient of the L file, run with every case file
SCOPES = ("case", "tariff", "set")
ONE = Decimal(1)
Q016_START = date(2019, 11, 1)  # DATEBEG of the Q016 v1.9 rules
Q016_2020 = date(2020, 4, 1)  # DATEBEG of the re-numbered rules (…1 instead of …0)
_DEFAULT = object()


class MekHit(NamedTuple):
    node: Optional[Node] = None  # the element with the error (its text is the value)
    sl: Optional[Node] = None  # the SL (SL_ID) and USL (IDSERV) it is in
    usl: Optional[Node] = None
    value: Optional[str] = None  # the value when there is no node
    detail: Optional[str] = None  # added to the message in brackets
    amount: Optional[Decimal] = None  # the sum to withhold, for rules whose share is None
    refusal: Optional[str] = None  # another F014 reason than the rule's (a variant of the rule)


@dataclass(frozen=True)
class MekRuleSpec(RuleSpec):
    """A МЭК rule with its sanction: the F014 reason and the share of SUMV it withholds."""

    refusal: str = ""
    share: Optional[Decimal] = ONE
    twin: Optional[str] = None


def _check(spec: MekRuleSpec) -> None:
    if not spec.refusal:
        raise ValueError(f"rule {spec.code}: no F014 reason")
    if spec.share is not None and not (0 < spec.share <= 1):
        raise ValueError(f"rule {spec.code}: share must be in (0, 1]")
    if spec.fn is None:
        raise ValueError(f"rule {spec.code}: no function")


REGISTRY: RuleRegistry[MekRuleSpec] = RuleRegistry(STAGE_MEK, SCOPES, FILE_LETTERS, _check)


def mek_rule(
    code: str,
    element_path: str,
    file_types: str,
    message: str,
    *,
    refusal: str,
    share: Optional[Decimal] = ONE,
    scope: str = "case",
    valid_from=_DEFAULT,
    valid_to: Optional[date] = None,
    twin: Optional[str] = None,
):
    def deco(fn):
        start = valid_from
        if start is _DEFAULT:
            start = Q016_START if code[5:7] == "00" else None
        REGISTRY.register(
            MekRuleSpec(
                code=code,
                element_path=element_path,
                file_types=file_types,
                message=message,
                refusal=refusal,
                share=share,
                scope=scope,
                valid_from=start,
                valid_to=valid_to,
                twin=twin,
                fn=fn,
            )
        )
        return fn

    return deco


def get(code: str) -> MekRuleSpec:
    return REGISTRY.get(code)


def all_specs() -> list[MekRuleSpec]:
    return REGISTRY.all()
