"""Registry documents as DOCX (python-docx), from plain data — no database, no web framework.

    from app.documents import RegistryDocData, Party, CaseRow, render_invoice
    data = render_invoice(RegistryDocData(...))          # bytes of a .docx

* :func:`render_invoice` — «Счет на оплату медицинской помощи, оказанной застрахованным лицам»;
* :func:`render_registry_list` — «Реестр счета», a row per case (streamed: 100,000 rows in seconds);
* :func:`render_summary` — «Сводный реестр», totals by registry type, profile and subdivision;
* :func:`render_mek_act` — «Акт медико-экономического контроля» with the refused cases.

Every document: A4, Times New Roman 12 (10 in tables), the period («за октябрь 2026 г.»), the
registry number and date, the МО and payer requisites, sums «1 234,56» and in words, dates
ДД.ММ.ГГГГ, and the signature blocks (руководитель, главный бухгалтер, исполнитель with «М.П.»;
the СМО / ТФОМС). Equal input gives equal bytes (no clock in the file).

The data classes are in :mod:`app.documents.data`; :func:`case_row` builds a row from a stored
ZAP/PERS fragment (:func:`case_row_xml` from its XML text, faster).
"""

from .common import DocumentDataError
from .data import (
    CARE_TYPES,
    PAYER_SMO,
    PAYER_TFOMS,
    CaseRow,
    Party,
    Refusal,
    RegistryDocData,
    Summarizer,
    Summary,
    TotalLine,
    period_text,
    summarize,
)
from .invoice import render_invoice
from .mek_act import render_mek_act
from .money_words import number_in_words, rubles_in_words
from .registry_list import render_registry_list
from .rows import case_row, case_row_xml
from .summary import render_summary

__all__ = [
    "RegistryDocData",
    "Party",
    "CaseRow",
    "Refusal",
    "Summary",
    "TotalLine",
    "CARE_TYPES",
    "PAYER_SMO",
    "PAYER_TFOMS",
    "period_text",
    "summarize",
    "Summarizer",
    "case_row",
    "case_row_xml",
    "DocumentDataError",
    "render_invoice",
    "render_registry_list",
    "render_summary",
    "render_mek_act",
    "rubles_in_words",
    "number_in_words",
]
