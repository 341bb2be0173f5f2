"""The Q016 sums: of a case (003K.00.0240–0280: SUMP, SANK_IT, OPLATA) and of the account
(003K.00.0120–0180: SUMMAV, SUMMAP, SANK_MEK / SANK_MEE / SANK_EKMP against its cases).

An МО's file usually leaves these sums empty (the payer fills them): each rule checks only what
the file gives.  The arithmetic of a case is one function per rule (:func:`sump_error`,
:func:`sank_it_error`, :func:`oplata_error`), used by the rules here and by the check of the
payer's МЭК results file (:mod:`app.services.registries.mek_results`).

The account-level rules are ``set`` rules: the header of the file (``MekContext.header``) against
the cases of the file — Σ SUMV in SQL, the other sums (SUMP, SANK, SANK_IT: not columns of the
case) from the loaded ZAPs, read only when the header declares SUMMAP or a SANK_* sum.  Their
finding belongs to the account, not to a case: it is stored without a case and withholds nothing
(``share=None``, amount 0) — no case is refused for the account's arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterator, Optional

from sqlalchemy import func, select

from app.controls.mek.engine import SetCase
from app.controls.mek.registry import MekHit, mek_rule
from app.controls.values import present, to_dec, tx
from app.extensions import db
from app.formats.fast_fragments import parse_fragment
from app.formats.record import Node
from app.models.intake import CasePayload, MedicalCase

ZERO = Decimal("0.00")
_INCORRECT = "1.1.4"  # некорректное заполнение полей реестра счетов
_OPLATA_TEXT = (
    "Взаимное несоответствие типа оплаты, суммы, выставленной к оплате, суммы санкций и суммы, принятой к оплате"
)
OPLATA_RULES = {"1": "003K.00.0280", "2": "003K.00.0270", "3": "003K.00.0260"}


# -- the arithmetic of one case (shared with the payer's results file) -------------------------------------
@dataclass(frozen=True)
class CaseSums:
    """The sums of one Z_SL as the file gives them (None: absent or not a number)."""

    sumv: Optional[Decimal]
    sump: Optional[Decimal]
    sank_it: Optional[Decimal]
    oplata: Optional[str]
    sanks: tuple[tuple[Optional[str], Decimal], ...]  # (S_TIP, S_SUM) of each SANK; S_SUM absent → 0

    @classmethod
    def of(cls, z_sl: Node) -> "CaseSums":
        return cls(
            sumv=_money(tx(z_sl, "SUMV")),
            sump=_money(tx(z_sl, "SUMP")),
            sank_it=_money(tx(z_sl, "SANK_IT")),
            oplata=tx(z_sl, "OPLATA"),
            sanks=tuple((tx(s, "S_TIP"), _money(tx(s, "S_SUM")) or ZERO) for s in z_sl.children if s.tag == "SANK"),
        )

    @property
    def withheld(self) -> Decimal:
        return self.sank_it if self.sank_it is not None else ZERO


def _money(text: Optional[str]) -> Optional[Decimal]:
    value = to_dec(text)
    return value.quantize(Decimal("0.01")) if value is not None and value.is_finite() else None


def sump_error(s: CaseSums, *, required: bool = False) -> Optional[str]:
    """003K.00.0240: SUMP = SUMV − SANK_IT.  Without SUMP (or SUMV) an error only if ``required``."""
    if s.sump is None or s.sumv is None:
        return "SUMP должна быть равна SUMV − SANK_IT" if required else None
    if s.sump != s.sumv - s.withheld:
        return f"SUMP {s.sump} ≠ SUMV {s.sumv} − SANK_IT {s.withheld}"
    return None


def sank_it_error(s: CaseSums) -> Optional[str]:
    """003K.00.0250: SANK_IT = the largest S_SUM of the case's SANK (when it has any)."""
    if not s.sanks:
        return None
    top = max(amount for _, amount in s.sanks)
    if s.withheld != top:
        return f"SANK_IT {s.withheld} ≠ наибольшей S_SUM {top}"
    return None


def oplata_error(s: CaseSums) -> Optional[tuple[str, str]]:
    """003K.00.0260–0280: (code, what is wrong) of OPLATA 3 / 2 / 1 against SUMP, SUMV, SANK_IT."""
    code = OPLATA_RULES.get(s.oplata or "")
    if code is None:
        return None
    sumv, sump, sank = s.sumv, s.sump, s.withheld
    if s.oplata == "1":
        ok = sump is not None and sump == sumv and sank == ZERO
        text = "при OPLATA=1 SUMP = SUMV и SANK_IT = 0"
    elif s.oplata == "2":
        ok = sump == ZERO and sank == sumv
        text = "при OPLATA=2 SUMP = 0 и SANK_IT = SUMV"
    else:
        ok = sump is not None and sumv is not None and sump > ZERO and sank > ZERO and sump == sumv - sank
        text = "при OPLATA=3 SUMP = SUMV − SANK_IT, SUMP > 0 и SANK_IT > 0"
    return None if ok else (code, f"{text} (SUMV {sumv}, SUMP {sump}, SANK_IT {sank})")


def case_sum_errors(s: CaseSums, *, sump_required: bool = False) -> list[tuple[str, str]]:
    """Every (code, what is wrong) of 003K.00.0240–0280 on one case."""
    out = []
    if (e := sank_it_error(s)) is not None:
        out.append(("003K.00.0250", e))
    if (e := sump_error(s, required=sump_required)) is not None:
        out.append(("003K.00.0240", e))
    if (o := oplata_error(s)) is not None:
        out.append(o)
    return out


# -- the rules of a case -----------------------------------------------------------------------------------
_SUMP = "ZL_LIST/ZAP/Z_SL/SUMP"


@mek_rule(
    "003K.00.0240",
    _SUMP,
    "CHTX",
    "Сумма, принятая к оплате по законченному случаю, не соответствует сумме, выставленной к оплате по "
    "законченному случаю, с учетом санкций",
    refusal=_INCORRECT,
)
def sump_is_sumv_less_sank_it(c, ctx):
    node = present(c.z_sl, "SUMP")
    if node is not None and (e := sump_error(CaseSums.of(c.z_sl))) is not None:
        yield MekHit(node, detail=e)


@mek_rule(
    "003K.00.0250",
    "ZL_LIST/ZAP/Z_SL/SANK_IT",
    "CHTX",
    "Значение итоговой суммы санкций не равно наибольшему значению суммы санкции из числа санкций, "
    "относящихся к данному законченному случаю",
    refusal=_INCORRECT,
)
def sank_it_is_largest_s_sum(c, ctx):
    if c.z_sl.child("SANK") is not None and (e := sank_it_error(CaseSums.of(c.z_sl))) is not None:
        yield MekHit(present(c.z_sl, "SANK_IT"), detail=e)


def _oplata_rule(code: str):
    def fn(c, ctx):
        oplata = tx(c.z_sl, "OPLATA")
        if OPLATA_RULES.get(oplata or "") != code:
            return
        found = oplata_error(CaseSums.of(c.z_sl))
        if found is not None:
            yield MekHit(present(c.z_sl, "SUMP"), detail=found[1])

    fn.__name__ = f"oplata_{code[-4:]}"
    return fn


for _code in sorted(OPLATA_RULES.values()):
    mek_rule(_code, _SUMP, "CHTX", _OPLATA_TEXT, refusal=_INCORRECT)(_oplata_rule(_code))


# -- the rules of the account (set rules: the header against the file's cases) -----------------------------
S_TIP_RANGES = {  # SCHET element: the S_TIP of the sanctions it sums (Q016 0150 / 0160 / 0170)
    "SANK_MEK": lambda t: t in (1, 10, 11, 12),
    "SANK_MEE": lambda t: 20 <= t < 30,
    "SANK_EKMP": lambda t: 30 <= t < 50,
}
_ACCOUNT = SetCase(None, None, None, None, None)  # an account-level finding has no case


@dataclass
class _Totals:
    """Σ of the cases of the file as they declare them."""

    sump: Decimal = ZERO
    sank_it: Decimal = ZERO
    by_kind: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(S_TIP_RANGES, ZERO))

    def add(self, s: CaseSums) -> None:
        self.sump += s.sump or ZERO
        self.sank_it += s.withheld
        for tip, amount in s.sanks:
            try:
                t = int(tip) if tip is not None else None
            except ValueError:
                t = None
            if t is None:
                continue
            for kind, belongs in S_TIP_RANGES.items():
                if belongs(t):
                    self.by_kind[kind] += amount


def _schet(ctx) -> Optional[Node]:
    return ctx.header.child("SCHET") if ctx.header is not None else None


def _declared(schet: Optional[Node], tag: str) -> tuple[Optional[Node], Optional[Decimal]]:
    node = present(schet, tag)
    return node, (_money(node.text) if node is not None else None)


def _totals(ctx, file_id: int) -> _Totals:
    """Σ SUMP, Σ SANK_IT, Σ S_SUM by S_TIP over every case of the file (its loaded ZAPs; once per file)."""
    key = ("account totals", file_id)
    if key not in ctx._cache:
        totals = _Totals()
        rows = db.session.execute(
            select(CasePayload.zap_xml)
            .join(MedicalCase, MedicalCase.id == CasePayload.case_id)
            .where(MedicalCase.file_id == file_id)
            .execution_options(yield_per=2000)
        )
        for (xml,) in rows:
            z_sl = parse_fragment(xml).child("Z_SL")
            if z_sl is not None:
                totals.add(CaseSums.of(z_sl))
        ctx._cache[key] = totals
    return ctx._cache[key]


def _account_hit(node: Node, detail: str):
    yield _ACCOUNT, MekHit(node, detail=detail)


@mek_rule(
    "003K.00.0120",
    "ZL_LIST/SCHET/SUMMAP",
    "CHTX",
    "Сумма, принятая к оплате по счету, не соответствует сумме, выставленной к оплате по счету, с учетом санкций",
    refusal=_INCORRECT,
    share=None,
    scope="set",
)
def summap_is_summav_less_sanctions(ctx, file_id):
    schet = _schet(ctx)
    node, summap = _declared(schet, "SUMMAP")
    _, summav = _declared(schet, "SUMMAV")
    if summap is None or summav is None:
        return
    sanctions = sum((_declared(schet, tag)[1] or ZERO for tag in S_TIP_RANGES), ZERO)
    if summap != summav - sanctions:
        yield from _account_hit(node, f"SUMMAV {summav} − санкции {sanctions} = {summav - sanctions}")


@mek_rule(
    "003K.00.0130",
    "ZL_LIST/SCHET/SUMMAV",
    "CHTX",
    "Сумма, выставленная к оплате по счету, не равна сумме выставленных к оплате сумм по всем законченным случаям",
    refusal=_INCORRECT,
    share=None,
    scope="set",
    twin="006F.00.1040",
)
def summav_is_sum_of_sumv(ctx, file_id):
    node, summav = _declared(_schet(ctx), "SUMMAV")
    if summav is None:
        return
    total, cases, with_sum = db.session.execute(
        select(func.sum(MedicalCase.sumv), func.count(), func.count(MedicalCase.sumv)).where(
            MedicalCase.file_id == file_id
        )
    ).one()
    if cases and cases == with_sum and summav != Decimal(total).quantize(Decimal("0.01")):
        yield from _account_hit(node, f"Σ SUMV = {Decimal(total):.2f}")


@mek_rule(
    "003K.00.0140",
    "ZL_LIST/SCHET/SUMMAP",
    "CHTX",
    "Сумма, принятая к оплате по счету, не равна сумме принятых к оплате сумм по всем законченным случаям",
    refusal=_INCORRECT,
    share=None,
    scope="set",
)
def summap_is_sum_of_sump(ctx, file_id):
    node, summap = _declared(_schet(ctx), "SUMMAP")
    if summap is not None and summap != (total := _totals(ctx, file_id).sump):
        yield from _account_hit(node, f"Σ SUMP = {total}")


def _sank_rule(tag: str):
    def fn(ctx, file_id) -> Iterator:
        node, declared = _declared(_schet(ctx), tag)
        if declared is not None and declared != (total := _totals(ctx, file_id).by_kind[tag]):
            yield from _account_hit(node, f"Σ S_SUM = {total}")

    fn.__name__ = f"{tag.lower()}_is_sum_of_s_sum"
    return fn


_SANK_TEXT = "Сумма финансовых санкций ({0}) по счету не равняется сумме {1}санкций по {0} по всем законченным случаям"
for _code, _tag, _text in (
    ("003K.00.0150", "SANK_MEK", _SANK_TEXT.format("МЭК", "")),
    ("003K.00.0160", "SANK_MEE", _SANK_TEXT.format("МЭЭ", "")),
    ("003K.00.0170", "SANK_EKMP", _SANK_TEXT.format("ЭКМП", "всех ")),
):
    mek_rule(
        _code,
        f"ZL_LIST/SCHET/{_tag}",
        "CHTX",
        _text,
        refusal=_INCORRECT,
        share=None,
        scope="set",
    )(_sank_rule(_tag))


@mek_rule(
    "003K.00.0180",
    "ZL_LIST/ZAP/Z_SL/SANK_IT",
    "CHTX",
    "Сумма всех финансовых санкций по счету не равняется сумме санкций по всем законченным случаям",
    refusal=_INCORRECT,
    share=None,
    scope="set",
)
def sanctions_are_sum_of_sank_it(ctx, file_id):
    schet = _schet(ctx)
    declared = [_declared(schet, tag) for tag in S_TIP_RANGES]
    given = [(n, v) for n, v in declared if v is not None]
    if not given:
        return
    sanctions = sum((v for _, v in given), ZERO)
    if sanctions != (total := _totals(ctx, file_id).sank_it):
        yield from _account_hit(given[0][0], f"SANK_MEK + SANK_MEE + SANK_EKMP = {sanctions}, Σ SANK_IT = {total}")
