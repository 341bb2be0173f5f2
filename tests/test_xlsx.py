"""app/core/xlsx.py, the one XLSX writer of the lists and the protocol: typed cells, texts never
formulas, the header bold and frozen, the autofilter over exactly the rows."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from openpyxl import load_workbook

from app.core.xlsx import table_workbook, write_table


def test_streamed_table_keeps_types_and_never_writes_a_formula(tmp_path):
    path = tmp_path / "t.xlsx"
    rows = iter([("=HYPERLINK(\"x\")", dt.date(2025, 10, 3), Decimal("1234.5")), ("a\x01b", None, 7)])
    assert write_table(path, ["Текст", "Дата", "Сумма"], rows, widths=[10, 12, 12], sheet="Протокол") == 2
    ws = load_workbook(path).active
    assert ws.title == "Протокол" and ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:C3"
    assert [c.value for c in ws[1]] == ["Текст", "Дата", "Сумма"] and ws["A1"].font.bold
    assert ws["A2"].value == '=HYPERLINK("x")' and ws["A2"].data_type == "s"  # text, not a formula
    assert ws["B2"].is_date and ws["B2"].number_format == "DD.MM.YYYY"
    assert ws["C2"].value == 1234.5 and ws["C2"].number_format == "#,##0.00"
    assert ws["A3"].value == "ab"  # an illegal control character removed


def test_a_list_table_has_its_title_and_notes_above_the_header():
    data = table_workbook("Текущие реестры", ["Отбор: Статус равно Создан"], ["Номер"], [["140001-2510-001"]])
    ws = load_workbook(io.BytesIO(data)).active
    assert ws["A1"].value == "Текущие реестры" and ws["A2"].value.startswith("Отбор")
    assert ws["A4"].value == "Номер" and ws.freeze_panes == "A5" and ws.auto_filter.ref == "A4:A5"
