"""Printable pages of a registry's documents — «Счет», «Реестр счета», «Сводный реестр», «Акт МЭК» —
from the same data the DOCX documents are made of (:func:`app.services.registries.documents.doc_data`,
:func:`app.services.registries.mek_results.act_refusals`), inside the user's scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from app.documents import Refusal, RegistryDocData
from app.documents.money_words import rubles_in_words
from app.models.registry import Registry
from app.models.user import OmsUser
from app.security.request_scope import get_scoped
from app.services.registries import mek_results
from app.services.registries.documents import doc_data, documents_date, sent_file

#: the printable documents: kind → title (the kinds of the stored DOCX)
PRINTABLE = {
    "invoice": "Счет",
    "registry_list": "Реестр счета",
    "summary": "Сводный реестр",
    "mek_act": "Акт МЭК",
}


@dataclass
class PrintPage:
    """A document to print: the registry, the document's data, and for «Акт МЭК» its rows."""

    kind: str
    title: str
    registry: Registry
    data: RegistryDocData
    refusals: list[Refusal]

    @property
    def template(self) -> str:
        return f"oms/print_{self.kind}.html"

    def words(self, amount: Decimal) -> str:
        """A sum in words («Одна тысяча … рублей 00 копеек»)."""
        return rubles_in_words(Decimal(amount))


def printable_kinds(reg: Registry) -> list[tuple[str, str]]:
    """The printable documents the registry has now: the three once its documents are made, the
    act once the payer's МЭК results are loaded."""
    if sent_file(reg) is None:
        return []
    kinds = ["invoice", "registry_list", "summary"] + (["mek_act"] if reg.mek_loaded_at is not None else [])
    return [(k, PRINTABLE[k]) for k in kinds]


def print_page(user: OmsUser, registry_id: int, kind: str) -> Optional[PrintPage]:
    """The printable page of a document of the registry, or None (outside the scope, an unknown
    document, or a document the registry does not have yet)."""
    reg = get_scoped(user, Registry, registry_id)
    if reg is None or kind not in dict(printable_kinds(reg)):
        return None
    sent = sent_file(reg)
    date = documents_date(sent)
    if kind == "mek_act":
        when = reg.mek_loaded_at.date() if isinstance(reg.mek_loaded_at, dt.datetime) else date
        return PrintPage(kind, PRINTABLE[kind], reg, mek_results.act_data(reg, when), mek_results.act_refusals(reg.id))
    return PrintPage(kind, PRINTABLE[kind], reg, doc_data(reg, sent.file_name.rsplit(".", 1)[0], date), [])
