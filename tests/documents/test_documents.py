"""The DOCX documents of a registry, opened again with python-docx: texts, tables, signature
blocks, page and font, determinism."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
import zipfile
from decimal import Decimal

import pytest
from docx.shared import Pt

from app.core.formatting import format_money
from app.documents import (
    CaseRow,
    DocumentDataError,
    Summary,
    TotalLine,
    case_row,
    case_row_xml,
    period_text,
    render_invoice,
    render_mek_act,
    render_registry_list,
    render_summary,
    rubles_in_words,
    summarize,
)
from tests.documents.factory import (
    MO,
    NBSP,
    PROFILES,
    SMO,
    TFOMS,
    all_text,
    make_doc,
    make_refusals,
    make_rows,
    open_docx,
)

RENDERERS = {
    "invoice": render_invoice,
    "registry_list": render_registry_list,
    "summary": render_summary,
    "mek_act": lambda d: render_mek_act(d, make_refusals(), act_number="7", act_date=dt.date(2026, 11, 20)),
}


def total_of(rows):
    return sum((r.amount for r in rows), Decimal("0"))


def test_period_text():
    assert period_text(2026, 10) == "октябрь 2026 г."
    assert period_text(2025, 1) == "январь 2025 г."
    with pytest.raises(ValueError):
        period_text(2025, 13)


# -- every document -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_same_input_same_bytes(name):
    render = RENDERERS[name]
    one, two = render(make_doc()), render(make_doc())
    assert hashlib.sha256(one).hexdigest() == hashlib.sha256(two).hexdigest()
    assert render(make_doc(number="102")) != one


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_common_parts(name):
    d = open_docx(RENDERERS[name](make_doc()))
    text = all_text(d)
    for expected in (
        "101",
        "03.11.2026",
        "за октябрь 2026 г.",
        MO.name,
        "ИНН/КПП: 1435028701/143501001",
        "ОГРН: 1021401047799",
        "Реестровый номер МО: 140001",
        MO.address,
        SMO.name,
        "Реестровый номер СМО: 14001",
        "HM140001S14001_26101",
    ):
        assert expected in text, expected
    # A4, Times New Roman 12, tables in 10
    section = d.sections[0]
    assert {round(section.page_width.mm), round(section.page_height.mm)} == {210, 297}
    normal = d.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size == Pt(12)
    assert d.styles["Table Cell"].font.size == Pt(10)
    assert d.styles["Table Head"].font.size == Pt(10)
    # «М.П.» of the МО and the payer's block
    assert "М.П." in text
    # fixed core properties: no clock, no library name
    cp = d.core_properties
    assert cp.created == cp.modified
    assert cp.created.date() in (dt.date(2026, 11, 3), dt.date(2026, 11, 20))
    assert cp.author == MO.short_name
    assert "python-docx" not in (cp.comments or "") + (cp.author or "") + (cp.last_modified_by or "")


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_zip_entries_have_the_document_date(name):
    with zipfile.ZipFile(io.BytesIO(RENDERERS[name](make_doc()))) as zf:
        stamps = {i.date_time for i in zf.infolist()}
        assert "word/document.xml" in zf.namelist()
    assert len(stamps) == 1 and stamps.pop()[:3] in ((2026, 11, 3), (2026, 11, 20))


def signature_rows(d):
    """{role: name} of every signature table (3 columns, «/ name /» in the last)."""
    out = {}
    for t in d.tables:
        if len(t.columns) != 3:
            continue
        for row in t.rows:
            role, line, name = (c.text for c in row.cells)
            if line.startswith("___"):
                out[role] = name
    return out


@pytest.mark.parametrize("name", ["invoice", "registry_list", "summary"])
def test_signature_blocks_of_the_mo_and_the_smo(name):
    d = open_docx(RENDERERS[name](make_doc()))
    signs = signature_rows(d)
    assert signs["Руководитель"] == f"/ {MO.head_name} /"
    assert signs["Главный бухгалтер"] == f"/ {MO.accountant_name} /"
    assert signs["Исполнитель"] == "/ Кузьмина О. Н. /"
    assert signs["Уполномоченное лицо СМО"] == "/ Васильева Т. И. /"
    text = all_text(d)
    assert "(подпись)" in text and "(расшифровка подписи)" in text
    assert "тел. 8 (4112) 42-00-00" in text
    assert f"Медицинская организация: {MO.short_name}" in text


def test_unnamed_signers_get_a_blank_line():
    d = open_docx(render_invoice(make_doc(executor_name="", payer_signer_name="")))
    signs = signature_rows(d)
    assert signs["Исполнитель"].startswith("/ ___") and signs["Уполномоченное лицо СМО"].startswith("/ ___")


# -- «Счет» -------------------------------------------------------------------------------------
def test_invoice_texts():
    rows = make_rows(25)
    total = total_of(rows)
    d = open_docx(render_invoice(make_doc(rows)))
    text = all_text(d)
    assert d.paragraphs[0].text == "СЧЕТ № 101 от 03.11.2026"
    assert "на оплату медицинской помощи, оказанной застрахованным лицам" in text
    assert "Поставщик (медицинская организация): " + MO.name in text
    assert "Плательщик (СМО): " + SMO.name in text
    assert "Банковские реквизиты: " + MO.bank_details in text
    assert "тип реестра: АПП; подтип: H — основной" in text
    money = format_money(total)
    assert NBSP in money
    assert f"Всего к оплате: {money} руб. ({rubles_in_words(total)})" in text
    assert "Снято по результатам" not in text  # nothing withheld
    table = d.tables[0]
    assert [c.text for c in table.rows[0].cells] == [
        "№",
        "Наименование",
        "Количество случаев",
        "Предъявлено, руб.",
        "К оплате, руб.",
    ]
    assert [c.text for c in table.rows[2].cells][1:] == ["Итого", "25", money, money]


def with_sanctions(rows):
    """Every third case partly refused by the МЭК (100 rub. withheld), the 5th refused in full."""
    out = []
    for r in rows:
        payable = None
        if r.n_zap % 3 == 0:
            payable = r.amount - 100
        if r.n_zap == 5:
            payable = Decimal("0.00")
        out.append(CaseRow(**{**{f: getattr(r, f) for f in r.__slots__}, "payable": payable}))
    return out


def test_invoice_demands_the_sum_payable_after_the_mek():
    rows = with_sanctions(make_rows(25))
    presented = total_of(rows)
    payable = sum((r.to_pay for r in rows), Decimal("0"))
    assert payable == presented - 8 * 100 - rows[4].amount
    for doc in (make_doc(rows), make_doc(cases=lambda: iter(rows), case_count=25, total=presented, payable=payable)):
        d = open_docx(render_invoice(doc))
        text = all_text(d)
        assert f"Всего к оплате: {format_money(payable)} руб. ({rubles_in_words(payable)})" in text
        assert f"Снято по результатам медико-экономического контроля: {format_money(presented - payable)} руб." in text
        assert [c.text for c in d.tables[0].rows[2].cells][1:] == [
            "Итого",
            "25",
            format_money(presented),
            format_money(payable),
        ]


def test_invoice_uses_the_given_totals_without_reading_the_rows():
    def never():
        raise AssertionError("the rows were read")

    d = open_docx(render_invoice(make_doc(cases=never, case_count=100000, total=Decimal("123456789.10"))))
    text = all_text(d)
    assert "100000" in text
    assert f"123{NBSP}456{NBSP}789,10" in text
    assert (
        "Сто двадцать три миллиона четыреста пятьдесят шесть тысяч семьсот восемьдесят девять рублей 10 копеек"
    ) in text


def test_invoice_to_the_tfoms_for_nonresidents():
    d = open_docx(
        render_invoice(
            make_doc(payer=TFOMS, payer_kind="T", registry_type="Иногородние", file_name="HM140001T14_26101")
        )
    )
    text = all_text(d)
    assert "Плательщик (ТФОМС): " + TFOMS.name in text
    assert "Код ТФОМС: 14" in text
    assert "Иногородние" in text and "HM140001T14_26101" in text
    assert signature_rows(d)["Уполномоченное лицо ТФОМС"] == "/ Васильева Т. И. /"


# -- «Реестр счета» ---------------------------------------------------------------------------
def test_registry_list_has_a_row_per_case():
    rows = make_rows(25)
    total = total_of(rows)
    d = open_docx(render_registry_list(make_doc(rows)))
    table = d.tables[0]
    assert len(table.rows) == 1 + 25 + 1
    assert [c.text for c in table.rows[0].cells] == [
        "№ п/п",
        "N_ZAP / IDCASE",
        "Фамилия, имя, отчество",
        "Дата рождения",
        "Полис ОМС",
        "Даты лечения",
        "Диагноз",
        "Профиль (V002)",
        "Услуги (коды)",
        "Предъявлено, руб.",
        "К оплате, руб.",
    ]
    r = rows[0]
    cells = [c.text for c in table.rows[1].cells]
    assert cells == [
        "1",
        "1 / 1001",
        "Петрова Анна Сергеевна",
        r.birth_date.strftime("%d.%m.%Y"),
        "9800000000000001",
        "02.10.2026–\n03.10.2026",
        "I11.9",
        "29 кардиологии",
        "B01.047.001",
        f"1{NBSP}000,25",
        f"1{NBSP}000,25",
    ]
    cells = [c.text for c in table.rows[2].cells]
    assert cells[2] == "Сидоров Сергей" and cells[8] == "st21.001, A16.26.093"
    one_day = [c.text for c in table.rows[4].cells]  # case 4: DATE_Z_1 = DATE_Z_2
    assert one_day[5] == "05.10.2026"
    last = [c.text for c in table.rows[-1].cells]
    assert last[0] == "Итого: 25 случаев" and last[-2:] == [format_money(total)] * 2
    text = all_text(d)
    assert (
        f"Всего по реестру: 25 случаев; предъявлено {format_money(total)} руб.; к оплате {format_money(total)} "
        f"руб. ({rubles_in_words(total)})"
    ) in text
    assert d.paragraphs[0].text == "РЕЕСТР СЧЕТА № 101 от 03.11.2026"
    assert round(d.sections[0].page_width.mm) == 297  # landscape


def test_registry_list_reads_a_callable_once_per_document():
    calls = []

    def rows():
        calls.append(1)
        return iter(make_rows(5))

    render_summary(make_doc(cases=rows))
    render_registry_list(make_doc(cases=rows))
    assert len(calls) == 2


def test_the_list_fills_the_summary_so_the_rows_are_read_once():
    calls = []

    def rows():
        calls.append(1)
        return iter(make_rows(25))

    doc = make_doc(cases=rows)
    listing = render_registry_list(doc)
    assert doc.summary == summarize(make_rows(25), PROFILES)
    render_invoice(doc)
    render_summary(doc)
    assert len(calls) == 1
    assert render_summary(make_doc()) == render_summary(doc)
    assert render_invoice(make_doc()) == render_invoice(doc)
    assert listing == render_registry_list(make_doc())


def test_a_one_shot_iterator_serves_one_document_only():
    doc = make_doc(cases=iter(make_rows(5)))
    render_registry_list(doc)
    with pytest.raises(ValueError, match="one-shot"):
        render_registry_list(doc)


def test_given_totals_must_match_the_rows():
    rows = make_rows(5)
    with pytest.raises(DocumentDataError):
        render_registry_list(make_doc(rows, case_count=6))
    with pytest.raises(DocumentDataError):
        render_registry_list(make_doc(rows, total=total_of(rows) + 1))
    with pytest.raises(DocumentDataError):
        render_summary(make_doc(rows, total=total_of(rows) + 1))
    with pytest.raises(DocumentDataError):
        render_registry_list(make_doc(rows, payable=total_of(rows) - 1))
    render_registry_list(make_doc(rows, case_count=5, total=total_of(rows), payable=total_of(rows)))


def test_registry_list_and_summary_show_presented_and_payable():
    rows = with_sanctions(make_rows(25))
    presented = total_of(rows)
    payable = sum((r.to_pay for r in rows), Decimal("0"))
    doc = make_doc(rows, case_count=25, total=presented, payable=payable)
    d = open_docx(render_registry_list(doc))
    table = d.tables[0]
    third = [c.text for c in table.rows[3].cells]  # case 3: 100 rub. withheld
    assert third[-2:] == [format_money(rows[2].amount), format_money(rows[2].amount - 100)]
    assert [c.text for c in table.rows[5].cells][-1] == "0,00"  # case 5: refused in full
    assert [c.text for c in table.rows[-1].cells][-2:] == [format_money(presented), format_money(payable)]
    assert (
        f"предъявлено {format_money(presented)} руб.; к оплате {format_money(payable)} руб. "
        f"({rubles_in_words(payable)})"
    ) in all_text(d)
    # the summary the list filled: payable per group too
    s = doc.summary
    assert s.payable == payable and s.amount == presented
    for lines in (s.by_type, s.by_profile, s.by_subdivision):
        assert sum(ln.to_pay for ln in lines) == payable
    text = all_text(open_docx(render_summary(doc)))
    assert (
        f"Итого по реестру: 25 случаев; предъявлено {format_money(presented)} руб.; к оплате "
        f"{format_money(payable)} руб. ({rubles_in_words(payable)})"
    ) in text
    summary = open_docx(render_summary(make_doc(rows)))
    assert [c.text for c in summary.tables[0].rows[-1].cells][-4:] == [
        "Итого",
        "25",
        format_money(presented),
        format_money(payable),
    ]


def test_texts_are_escaped_and_cleaned():
    row = CaseRow(
        n_zap=1,
        idcase=1,
        fam="O'Brien <&> \"Тест\"",
        im="Имя\x07",
        ot="Tab\tOt",
        amount=Decimal("1.00"),
        services=("A<1>",),
    )
    bad_mo = MO.__class__(**{**MO.__dict__, "name": "МО «А&Б» <тест>\x01"})
    d = open_docx(render_registry_list(make_doc([row], mo=bad_mo)))
    cells = [c.text for c in d.tables[0].rows[1].cells]
    assert cells[2] == "O'Brien <&> \"Тест\" Имя Tab Ot"
    assert cells[8] == "A<1>"
    assert "МО «А&Б» <тест>" in all_text(d)


def test_an_empty_registry_list_still_opens():
    d = open_docx(render_registry_list(make_doc([])))
    assert len(d.tables[0].rows) == 2
    assert "Всего по реестру: 0 случаев; предъявлено 0,00 руб.; к оплате 0,00 руб. (Ноль рублей 00 копеек)" in all_text(
        d
    )


def test_a_thousand_rows():
    rows = make_rows(1000)
    d = open_docx(render_registry_list(make_doc(rows)))
    assert len(d.tables[0].rows) == 1002
    assert d.tables[0].rows[1000].cells[0].text == "1000"


# -- «Сводный реестр» ---------------------------------------------------------------------------
def test_summarize_groups_by_type_profile_and_subdivision():
    rows = make_rows(25)
    s = summarize(rows, PROFILES)
    assert s.count == 25 and s.amount == total_of(rows)
    assert [ln.key for ln in s.by_type] == ["АПП", "Стационар", "Дневной стационар", "СМП"]
    assert [ln.key for ln in s.by_profile] == ["29", "84", "97"]
    assert [ln.title for ln in s.by_profile] == ["кардиологии", "скорой медицинской помощи", "терапии"]
    assert [ln.key for ln in s.by_subdivision] == ["1400011", "1400012", ""]
    for lines in (s.by_type, s.by_profile, s.by_subdivision):
        assert sum(ln.count for ln in lines) == 25
        assert sum(ln.amount for ln in lines) == total_of(rows)
    apps = [r for r in rows if r.care_type == "АПП"]
    assert s.by_type[0].count == len(apps) and s.by_type[0].amount == total_of(apps)


def test_summary_tables():
    rows = make_rows(25)
    s = summarize(rows, PROFILES)
    d = open_docx(render_summary(make_doc(rows)))
    text = all_text(d)
    assert d.paragraphs[0].text == "СВОДНЫЙ РЕЕСТР № 101 от 03.11.2026"
    for heading in ("1. По типам реестра", "2. По профилям медицинской помощи (V002)", "3. По подразделениям"):
        assert heading in text
    by_type, by_profile, by_sub = d.tables[0], d.tables[1], d.tables[2]
    assert len(by_type.rows) == 1 + len(s.by_type) + 1
    assert [c.text for c in by_type.rows[0].cells][-3:] == ["Количество случаев", "Предъявлено, руб.", "К оплате, руб."]
    assert [c.text for c in by_type.rows[1].cells] == [
        "1",
        "АПП",
        str(s.by_type[0].count),
        format_money(s.by_type[0].amount),
        format_money(s.by_type[0].amount),
    ]
    assert [c.text for c in by_profile.rows[1].cells] == [
        "1",
        "29",
        "кардиологии",
        str(s.by_profile[0].count),
        format_money(s.by_profile[0].amount),
        format_money(s.by_profile[0].amount),
    ]
    assert [c.text for c in by_sub.rows[1].cells][1:3] == ["1400011", "Поликлиника № 1"]
    assert [c.text for c in by_sub.rows[3].cells][1:3] == ["—", "Без подразделения (медицинская организация)"]
    for t in (by_type, by_profile, by_sub):
        assert [c.text for c in t.rows[-1].cells][-4:] == [
            "Итого",
            "25",
            format_money(s.amount),
            format_money(s.amount),
        ]
    assert (
        f"Итого по реестру: 25 случаев; предъявлено {format_money(s.amount)} руб.; к оплате "
        f"{format_money(s.amount)} руб. ({rubles_in_words(s.amount)})"
    ) in text


def test_summary_from_given_totals():
    given = Summary(
        by_type=(TotalLine("СМП", "СМП", 2, Decimal("3000.00")),),
        by_profile=(TotalLine("84", "скорой медицинской помощи", 2, Decimal("3000.00")),),
        by_subdivision=(TotalLine("", "", 2, Decimal("3000.00")),),
        count=2,
        amount=Decimal("3000.00"),
    )

    def never():
        raise AssertionError("the rows were read")

    d = open_docx(render_summary(make_doc(cases=never, summary=given)))
    text = all_text(d)
    assert (
        f"Итого по реестру: 2 случая; предъявлено 3{NBSP}000,00 руб.; к оплате 3{NBSP}000,00 руб. "
        "(Три тысячи рублей 00 копеек)"
    ) in text


# -- «Акт МЭК» ----------------------------------------------------------------------------------
def test_mek_act():
    rows = make_rows(25)
    total = total_of(rows)
    refusals = make_refusals()
    withheld = sum((r.withheld for r in refusals), Decimal("0"))
    d = open_docx(
        render_mek_act(
            make_doc(rows), refusals, act_number="7", act_date=dt.date(2026, 11, 20), specialist_name="Иванова Е. Е."
        )
    )
    text = all_text(d)
    assert d.paragraphs[0].text == "АКТ № 7 от 20.11.2026"
    assert "медико-экономического контроля" in text
    assert "реестра счета № 101 от 03.11.2026 за октябрь 2026 г." in text
    assert f"Предъявлено к оплате: 25 случаев на сумму {format_money(total)} руб." in text
    assert (
        f"Отказано в оплате (снято по МЭК): 2 случая на сумму {format_money(withheld)} руб. "
        f"({rubles_in_words(withheld)})"
    ) in text
    assert f"Принято к оплате: {format_money(total - withheld)} руб. ({rubles_in_words(total - withheld)})" in text
    table = d.tables[0]
    assert len(table.rows) == 1 + 2 + 1
    assert [c.text for c in table.rows[1].cells] == [
        "1",
        "3 / 1003",
        "Сидоров Сергей",
        "04.04.1953",
        "5.2.1",
        "Полис ОМС недействителен на дату оказания помощи [003K.00.0570]",
        f"1{NBSP}000,75",
        f"1{NBSP}000,75",
    ]
    assert [c.text for c in table.rows[-1].cells][-1] == format_money(withheld)
    signs = signature_rows(d)
    assert signs["Специалист СМО"] == "/ Иванова Е. Е. /"
    assert signs["Руководитель СМО"] == f"/ {SMO.head_name} /"
    assert signs["Руководитель медицинской организации"] == f"/ {MO.head_name} /"
    assert "С актом ознакомлен: " + MO.short_name in text


def test_mek_act_without_refusals():
    d = open_docx(render_mek_act(make_doc(case_count=25, total=Decimal("100.00")), iter(())))
    text = all_text(d)
    assert "Отказано в оплате (снято по МЭК): 0 случаев на сумму 0,00 руб." in text
    assert "Принято к оплате: 100,00 руб. (Сто рублей 00 копеек)" in text
    assert d.paragraphs[0].text == "АКТ № 101 от 03.11.2026"


# -- rows from the stored fragments -------------------------------------------------------------
def test_case_row_from_demo_fragments():
    from app.demo import files as df
    from app.demo.people import demo_person
    from app.formats.fragments import from_xml, to_xml

    specs = df.plan_cases(40, random.Random(2), 2026, 10, dt.date(2026, 11, 10), 20, 0.0)
    hosp = next(s for s in specs if s.kind == "hosp")
    amb = next(s for s in specs if s.kind == "amb")
    for spec, care in ((hosp, "Стационар"), (amb, "АПП")):
        zap = from_xml(to_xml(df.zap_node(spec, "140001", "1400011")))
        person = demo_person(spec.person)
        pers = from_xml(to_xml(df.pers_node(person, dt.date(2026, 11, 3))))
        row = case_row(zap, pers, n_zap=5, profile_names={"97": "терапии"})
        assert row.n_zap == 5 and row.idcase == str(spec.n)
        assert (row.fam, row.im, row.ot) == (person.fam, person.im, person.ot)
        assert row.birth_date == person.dr and row.policy == person.enp
        assert (row.date_1, row.date_2) == (spec.date_1, spec.date_2)
        assert row.ds1 == spec.ds1 and row.amount == spec.price
        assert row.care_type == care and row.subdivision == "1400011"
        assert row.services == ((spec.item.code,))
        assert (
            case_row_xml(
                to_xml(df.zap_node(spec, "140001", "1400011")),
                to_xml(df.pers_node(person, dt.date(2026, 11, 3))),
                n_zap=5,
                profile_names={"97": "терапии"},
            )
            == row
        )


def test_case_row_xml_reads_any_xml_form_alike():
    from lxml import etree

    from app.demo import files as df
    from app.demo.people import demo_person
    from app.formats.fragments import from_xml, to_xml

    spec = df.plan_cases(5, random.Random(4), 2026, 10, dt.date(2026, 11, 10), 5, 0.0)[0]
    zap = df.zap_node(spec, "140001", None)
    zap.find("Z_SL/SL").child("DS1").text = "A&B<1>"  # escaped in the fragment
    pers = df.pers_node(demo_person(spec.person), dt.date(2026, 11, 3))
    pers.child("FAM").text = "Иванов-Петров & Ко"
    compact_zap, compact_pers = to_xml(zap), to_xml(pers)
    expected = case_row(from_xml(compact_zap), from_xml(compact_pers))
    assert expected.ds1 == "A&B<1>" and expected.fam == "Иванов-Петров & Ко"
    assert case_row_xml(compact_zap, compact_pers) == expected
    pretty = etree.tostring(etree.fromstring(compact_zap.encode()), pretty_print=True, encoding=str)
    with_attr = compact_pers.replace("<PERS>", '<PERS kind="x">')  # not the compact form
    assert case_row_xml(pretty, with_attr) == expected
    refs = compact_pers.replace("Ко", "&#1050;&#x43e;")  # character references
    assert case_row_xml(compact_zap, refs) == expected
