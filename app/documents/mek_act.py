"""«Акт медико-экономического контроля» of a registry: the refused cases with the F014 reason
and the sum withheld, the totals, the signatures of the СМО and of the МО head."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Iterable, Optional

from app.core.formatting import format_date, format_money

from .common import cases_text, core, parties, registry_line
from .data import ZERO, Refusal, RegistryDocData
from .docx_kit import B, Column, StreamTable, fast_date, fast_money, new_document, par, save, signatures, title, token
from .money_words import rubles_in_words

TITLE = "Акт медико-экономического контроля"
ROLE_SPECIALIST = "Специалист"  # «Специалист СМО»
ROLE_MO_HEAD = "Руководитель медицинской организации"

COLUMNS = (
    Column("№ п/п", 10, "c"),
    Column("N_ZAP / IDCASE", 24, "c"),
    Column("Фамилия, имя, отчество", 48, "l"),
    Column("Дата рождения", 20, "c"),
    Column("Код отказа (F014)", 22, "c"),
    Column("Причина отказа", 87, "l"),
    Column("Предъявлено, руб.", 28, "r"),
    Column("Снято (S_SUM), руб.", 28, "r"),
)


def render_mek_act(
    doc: RegistryDocData,
    refusals: Iterable[Refusal],
    *,
    act_number: str = "",
    act_date: Optional[dt.date] = None,
    specialist_name: str = "",
) -> bytes:
    """The МЭК act (DOCX bytes, A4 landscape). ``refusals``: one :class:`Refusal` per refused
    case, read once (a generator is fine). ``act_number``/``act_date`` are NUM_ACT/DATE_ACT
    (default: the registry number and date); ``specialist_name`` defaults to
    ``doc.payer_signer_name``. Presented = ``doc.totals()``; accepted = presented − withheld."""
    when = act_date or doc.date
    number = act_number or doc.number
    presented_count, presented = doc.totals()
    who = doc.payer_title
    d = new_document(landscape=True)
    core(d, doc, TITLE)
    d.core_properties.title = f"{TITLE} № {number} от {format_date(when)}"
    title(
        d,
        f"АКТ № {number} от {format_date(when)}",
        "медико-экономического контроля",
        f"реестра счета № {doc.number} от {format_date(doc.date)} за {doc.period}",
    )
    parties(d, doc, mo_label="Медицинская организация")
    registry_line(d, doc)
    par(
        d,
        B("Предъявлено к оплате: "),
        f"{cases_text(presented_count)} на сумму {format_money(presented)} руб.",
        before=4,
    )
    par(
        d,
        "По результатам медико-экономического контроля отказано в оплате (полностью или частично) следующих случаев:",
        after=4,
    )
    table = StreamTable(d, "refusals", COLUMNS)
    late: dict[str, str] = {}

    def rows():
        count, withheld = 0, ZERO
        for r in refusals:
            count += 1
            w = Decimal(r.withheld)
            withheld += w
            reason = r.reason or ""
            if r.control:
                reason = f"{reason} [{r.control}]" if reason else r.control
            yield table.row(
                (
                    str(count),
                    f"{r.n_zap} / {r.idcase}" if r.idcase not in ("", None) else str(r.n_zap),
                    r.patient,
                    fast_date(r.birth_date),
                    r.code,
                    reason,
                    fast_money(r.case_amount) if r.case_amount is not None else "",
                    fast_money(w),
                )
            )
        yield table.total_row(f"Итого: {cases_text(count)}", len(COLUMNS) - 1, [fast_money(withheld)])
        accepted = Decimal(presented) - withheld
        late.update(
            refused=cases_text(count),
            withheld=fast_money(withheld),
            withheld_words=rubles_in_words(withheld),
            accepted=fast_money(accepted),
            accepted_words=rubles_in_words(accepted),
        )

    par(
        d,
        B("Отказано в оплате (снято по МЭК): "),
        token("refused"),
        " на сумму ",
        token("withheld"),
        " руб. (",
        token("withheld_words"),
        ")",
        before=8,
    )
    par(d, B("Принято к оплате: "), token("accepted"), " руб. (", token("accepted_words"), ")", after=4)
    signatures(
        d,
        f"{who}: {doc.payer.short_name or doc.payer.name}",
        [
            (f"{ROLE_SPECIALIST} {who}", specialist_name or doc.payer_signer_name),
            (f"Руководитель {who}", doc.payer.head_name),
        ],
        stamp=True,
        date_line=True,
    )
    signatures(
        d,
        f"С актом ознакомлен: {doc.mo.short_name or doc.mo.name}",
        [
            (ROLE_MO_HEAD, doc.mo.head_name),
        ],
        stamp=True,
        date_line=True,
    )
    return save(d, when=when, streams={"refusals": rows}, late=late)
