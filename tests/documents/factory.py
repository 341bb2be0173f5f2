"""Factories of document data and helpers to read a rendered DOCX back with python-docx."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import docx

from app.documents import CaseRow, Party, Refusal, RegistryDocData

NBSP = "\u00a0"

MO = Party(
    name="ГБУ РС(Я) «Якутская городская клиническая больница»",
    short_name="ЯГКБ",
    code="140001",
    inn="1435028701",
    kpp="143501001",
    ogrn="1021401047799",
    address="677005, г. Якутск, ул. Стадухина, 81",
    bank_details="р/с 03224643980000001600 в Отделении-НБ Республика Саха (Якутия), БИК 019805001",
    head_name="Николаев Н. С.",
    accountant_name="Попова С. В.",
)
SMO = Party(
    name="АО «Страховая компания «Сахамедстрах»",
    short_name="Сахамедстрах",
    code="14001",
    inn="1435078433",
    kpp="143501001",
    ogrn="1021401061260",
    address="677000, г. Якутск, ул. Кирова, 18",
    head_name="Егоров А. П.",
)
TFOMS = Party(
    name="ТФОМС Республики Саха (Якутия)", code="14", inn="1435028420", kpp="143501001", head_name="Семенов С. Е."
)

CARE = ("АПП", "АПП", "СМП", "Стационар", "Дневной стационар")
PROFILES = {"97": "терапии", "29": "кардиологии", "84": "скорой медицинской помощи"}


def make_rows(n: int = 25) -> list[CaseRow]:
    rows = []
    for i in range(1, n + 1):
        profile = ("97", "29", "84")[i % 3]
        rows.append(
            CaseRow(
                n_zap=i,
                idcase=1000 + i,
                fam=("Иванов", "Петрова", "Сидоров")[i % 3],
                im=("Иван", "Анна", "Сергей")[i % 3],
                ot=("Иванович", "Сергеевна", "")[i % 3],
                birth_date=dt.date(1950 + i % 60, 1 + i % 12, 1 + i % 28),
                policy=f"98{i:014d}",
                date_1=dt.date(2026, 10, 1 + i % 20),
                date_2=dt.date(2026, 10, 1 + i % 20 + (i % 4)),
                ds1=("J06.9", "I11.9", "K29.7")[i % 3],
                profile=profile,
                services=("B01.047.001",) if i % 2 else ("st21.001", "A16.26.093"),
                amount=Decimal("1000.00") + Decimal(i) / 4,
                care_type=CARE[i % len(CARE)],
                subdivision=("", "1400011", "1400012")[i % 3],
                subdivision_name=("", "Поликлиника № 1", "Стационар")[i % 3],
            )
        )
    return rows


def make_doc(rows=None, **kw) -> RegistryDocData:
    rows = make_rows() if rows is None else rows
    args = dict(
        number="101",
        date=dt.date(2026, 11, 3),
        year=2026,
        month=10,
        mo=MO,
        payer=SMO,
        payer_kind="S",
        registry_type="АПП",
        registry_subtype="H — основной",
        file_name="HM140001S14001_26101",
        cases=rows,
        profile_names=PROFILES,
        executor_name="Кузьмина О. Н.",
        executor_phone="8 (4112) 42-00-00",
        payer_signer_name="Васильева Т. И.",
    )
    args.update(kw)
    return RegistryDocData(**args)


def make_refusals():
    return [
        Refusal(
            n_zap=3,
            idcase=1003,
            fam="Сидоров",
            im="Сергей",
            birth_date=dt.date(1953, 4, 4),
            code="5.2.1",
            reason="Полис ОМС недействителен на дату оказания помощи",
            withheld=Decimal("1000.75"),
            case_amount=Decimal("1000.75"),
            control="003K.00.0570",
        ),
        Refusal(
            n_zap=7,
            idcase=1007,
            fam="Петрова",
            im="Анна",
            ot="Сергеевна",
            code="5.7.1",
            reason="Дублирование случая",
            withheld=Decimal("500.00"),
            case_amount=Decimal("1001.75"),
        ),
    ]


def open_docx(data: bytes):
    return docx.Document(io.BytesIO(data))


def all_text(document) -> str:
    """Paragraphs and every table cell, one per line; NBSP kept."""
    lines = [p.text for p in document.paragraphs]
    for t in document.tables:
        for row in t.rows:
            for cell in row.cells:
                lines.append(cell.text)
    return "\n".join(lines)
