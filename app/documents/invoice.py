"""«Счет на оплату медицинской помощи, оказанной застрахованным лицам»."""

from __future__ import annotations

from app.core.formatting import format_date, format_money

from .common import core, mo_signatures, money_text, parties, payer_signatures, registry_line
from .data import RegistryDocData
from .docx_kit import B, new_document, par, save, small_table, text_width_mm, title

TITLE = "Счет на оплату медицинской помощи, оказанной застрахованным лицам"
PURPOSE = "на оплату медицинской помощи, оказанной застрахованным лицам"


def render_invoice(doc: RegistryDocData) -> bytes:
    """The invoice of a registry (DOCX bytes): the sum presented (Σ SUMV) and the sum payable
    (Σ SUMP: after the МЭК sanctions), «Всего к оплате» the payable. Count and sums:
    ``doc.case_count``/``doc.total``/``doc.payable``, else counted over ``doc.cases``."""
    count, amount, payable = doc.amounts()
    d = new_document()
    core(d, doc, "Счет")
    title(d, f"СЧЕТ № {doc.number} от {format_date(doc.date)}", PURPOSE, f"за {doc.period}")
    parties(d, doc)
    registry_line(d, doc)
    what = "Медицинская помощь, оказанная застрахованным лицам"
    if doc.registry_type:
        what += f" ({doc.registry_type}"
        what += f", {doc.registry_subtype})" if doc.registry_subtype else ")"
    what += f", за {doc.period}"
    width = text_width_mm(d)
    small_table(
        d,
        ("№", "Наименование", "Количество случаев", "Предъявлено, руб.", "К оплате, руб."),
        [
            ("1", what, str(count), format_money(amount), format_money(payable)),
            ("", "Итого", str(count), format_money(amount), format_money(payable)),
        ],
        (10, width - 10 - 25 - 30 - 30, 25, 30, 30),
        "clcrr",
        bold_last=True,
    )
    if payable != amount:
        par(
            d,
            B("Снято по результатам медико-экономического контроля: "),
            f"{format_money(amount - payable)} руб.",
            before=8,
        )
    par(d, B("Всего к оплате: "), money_text(payable), before=8 if payable == amount else 2)
    par(d, "НДС не облагается.", after=4)
    mo_signatures(d, doc)
    payer_signatures(d, doc, "Счет принят")
    return save(d, when=doc.date)
