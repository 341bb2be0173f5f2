"""«Сводный реестр»: totals by registry type, by profile (V002) and by subdivision."""
from __future__ import annotations

from app.formatting import format_date, format_money

from .common import (cases_text, check_totals, core, mo_signatures, money_text, parties,
                     payer_signatures, registry_line)
from .data import RegistryDocData, TotalLine
from .docx_kit import B, new_document, par, save, small_table, text_width_mm, title


def _table(d, first: str, lines, *, with_code: bool, count: int, amount, code_title: str = "Код") -> None:
    width = text_width_mm(d)
    rows = []
    for i, line in enumerate(lines, start=1):
        row = [str(i)]
        if with_code:
            row.append(line.key or "—")
        row += [line.title, str(line.count), format_money(line.amount)]
        rows.append(row)
    total = [""] + ([""] if with_code else []) + ["Итого", str(count), format_money(amount)]
    rows.append(total)
    if with_code:
        headers = ("№", code_title, first, "Количество случаев", "Сумма, руб.")
        widths = (10, 18, width - 10 - 18 - 30 - 35, 30, 35)
        aligns = "cclcr"
    else:
        headers = ("№", first, "Количество случаев", "Сумма, руб.")
        widths = (10, width - 10 - 30 - 35, 30, 35)
        aligns = "clcr"
    small_table(d, headers, rows, widths, aligns, bold_last=True)


def _subdivision_lines(lines) -> list[TotalLine]:
    return [TotalLine(ln.key, ln.title if ln.key else "Без подразделения (медицинская организация)",
                      ln.count, ln.amount) for ln in lines]


def render_summary(doc: RegistryDocData) -> bytes:
    """The summary (DOCX bytes). Uses ``doc.summary`` or :func:`~app.documents.data.summarize`
    over ``doc.cases``; a given ``doc.case_count``/``doc.total`` must agree with it."""
    s = doc.get_summary()
    check_totals(doc, s.count, s.amount, "Сводный реестр")
    d = new_document()
    core(d, doc, "Сводный реестр")
    title(d, f"СВОДНЫЙ РЕЕСТР № {doc.number} от {format_date(doc.date)}",
          "счетов на оплату медицинской помощи, оказанной застрахованным лицам,",
          f"за {doc.period}")
    parties(d, doc, mo_label="Медицинская организация")
    registry_line(d, doc)
    par(d, B("1. По типам реестра"), before=8, after=2, keep_next=True)
    _table(d, "Тип реестра", s.by_type, with_code=False, count=s.count, amount=s.amount)
    par(d, B("2. По профилям медицинской помощи (V002)"), before=8, after=2, keep_next=True)
    _table(d, "Профиль", s.by_profile, with_code=True, count=s.count, amount=s.amount,
           code_title="Код V002")
    par(d, B("3. По подразделениям"), before=8, after=2, keep_next=True)
    _table(d, "Подразделение", _subdivision_lines(s.by_subdivision), with_code=True,
           count=s.count, amount=s.amount)
    par(d, B("Итого по реестру: "), f"{cases_text(s.count)} на сумму {money_text(s.amount)}",
        before=8, after=4)
    mo_signatures(d, doc)
    payer_signatures(d, doc, "Реестр принят")
    return save(d, when=doc.date)
