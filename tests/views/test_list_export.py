"""«Выгрузить в Excel» of every list, and the count and sum of the bulk confirmations.

The export holds every row the list's filters, search and order select (not one page), in the
user's scope — an МО user crafting a filter for another МО's rows gets none of them —, with the
list's Russian headers, a frozen bold header, an autofilter, real dates and numeric money."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.intake import UploadedFile
from app.models.organisation import Subdivision
from app.models.registry import Registry
from app.models.user import OmsUser
from app.models.vocabulary import RegistryStatus
from app.security.scope import Scope

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JS = Path(__file__).resolve().parents[2] / "app" / "static" / "oms-actions.js"


class Sheet:
    """The exported sheet: the lines above the table, the header row, the data rows."""

    def __init__(self, data: bytes):
        self.wb = openpyxl.load_workbook(io.BytesIO(data))
        self.ws = self.wb.active
        rows = list(self.ws.iter_rows())
        self.header_row = next(i for i, r in enumerate(rows, start=1) if i > 1 and r[0].value and r[0].font.b)
        self.top = [r[0].value for r in rows[: self.header_row - 1] if r[0].value]
        self.header_cells = [c for c in rows[self.header_row - 1] if c.value is not None]
        self.headers = [c.value for c in self.header_cells]
        self.cells = [r[: len(self.headers)] for r in rows[self.header_row :] if any(c.value is not None for c in r)]

    def column(self, header: str) -> list:
        i = self.headers.index(header)
        return [r[i].value for r in self.cells]

    def cells_of(self, header: str) -> list:
        i = self.headers.index(header)
        return [r[i] for r in self.cells]


def _label(app, view_name: str, column: str) -> str:
    """The list's header of a column, as the user reads it."""
    with app.test_request_context():
        return str(_view(app, view_name).label_columns[column])


def _title(app, view_name: str) -> str:
    with app.test_request_context():
        return str(_view(app, view_name).list_title)


def _export(b, url: str) -> Sheet:
    r = b.get(url)
    assert r.status_code == 200, (url, r.status_code, r.get_data(as_text=True)[:300])
    assert r.content_type == XLSX
    assert ".xlsx" in r.headers["Content-Disposition"]
    return Sheet(r.data)


def _scoped(model, login: str):
    user = db.session.query(OmsUser).filter_by(username=login).one()
    return db.session.execute(select(model).where(Scope.of(user).clause(model))).scalars().all()


def test_files_export_holds_every_row_of_the_users_scope_only(app, demo_month, browser_factory):
    with app.app_context():
        mine = [f.archive_name for f in _scoped(UploadedFile, "mo1_operator")]  # a re-upload: a name twice
        theirs = {f.archive_name for f in _scoped(UploadedFile, "mo2_operator")}
    assert mine and theirs and not set(mine) & theirs
    sheet = _export(browser_factory("mo1_operator"), "/files/export.xlsx")
    names = sheet.column(_label(app, "UploadedFileView", "archive_name"))
    assert sorted(names) == sorted(mine)  # every file of the МО, whatever the page size
    assert not set(names) & theirs
    # the list's order (uploaded_at desc) and real date-times
    uploaded = sheet.cells_of(_label(app, "UploadedFileView", "uploaded_at"))
    assert all(isinstance(c.value, dt.datetime) and c.is_date for c in uploaded)
    assert [c.value for c in uploaded] == sorted((c.value for c in uploaded), reverse=True)
    # a row-aware cell (the status with its progress bar / retry button) as its plain value
    assert set(sheet.column(_label(app, "UploadedFileView", "status"))) <= {str(f) for f in _statuses(app)}
    assert all(isinstance(v, int) for v in sheet.column(_label(app, "UploadedFileView", "records")))


def _statuses(app):
    with app.app_context():
        return set(db.session.execute(select(UploadedFile.status)).scalars())


def test_an_attackers_crafted_filter_gets_nothing_of_another_mo(app, demo_month, browser_factory):
    with app.app_context():
        victim_files = _scoped(UploadedFile, "mo1_operator")
        victim = victim_files[0]
        victim_sub = (
            db.session.execute(select(Subdivision).where(Subdivision.organisation_id == victim.organisation_id))
            .scalars()
            .first()
        )
        victim_names = {f.archive_name for f in victim_files}
    attacker = browser_factory("mo2_operator")
    sheet = _export(attacker, f"/files/export.xlsx?_flt_0_h_name={victim.h_name}")
    assert sheet.cells == []  # the filter names the victim's file: nothing of it
    assert victim.h_name in " ".join(sheet.top)  # the filter is stated (the attacker's own words)
    everything = _export(attacker, "/files/export.xlsx?_oc_UploadedFileView=archive_name&_od_UploadedFileView=asc")
    assert everything.cells
    assert not set(everything.column(_label(app, "UploadedFileView", "archive_name"))) & victim_names
    if victim_sub is not None:
        by_sub = _export(attacker, f"/files/export.xlsx?_flt_0_subdivision={victim_sub.id}")
        assert by_sub.cells == []
        assert victim_sub.name not in " ".join(by_sub.top)  # not even the subdivision's name
        assert f"№ {victim_sub.id}" in " ".join(by_sub.top)
    # the registries of another МО, by a crafted status filter of the attacker
    with app.app_context():
        victim_numbers = {r.number for r in _scoped(Registry, "mo1_operator")}
    regs = _export(attacker, f"/registries/export.xlsx?_flt_0_status={RegistryStatus.CREATED}")
    assert not set(regs.column(_label(app, "RegistryView", "number"))) & victim_numbers


def test_filters_search_and_order_are_the_lists(app, demo_month, browser_factory):
    b = browser_factory("mo1_operator")
    with app.app_context():
        files = sorted(_scoped(UploadedFile, "mo1_operator"), key=lambda f: f.uploaded_at)
        first = files[0]
        same_name = [f.archive_name for f in files if f.archive_name.startswith(first.archive_name)]
        same_prefix = [f.archive_name for f in files if f.archive_name.startswith(first.archive_name[:6])]
    one = _export(b, f"/files/export.xlsx?_flt_0_archive_name={first.archive_name}")  # «начинается с»
    assert one.column(_label(app, "UploadedFileView", "archive_name")) == same_name
    assert _label(app, "UploadedFileView", "archive_name") in one.top[1] and first.archive_name in one.top[1]
    several = _export(
        b,
        f"/files/export.xlsx?_flt_0_archive_name={first.archive_name[:6]}"
        "&_oc_UploadedFileView=archive_name&_od_UploadedFileView=asc",
    )
    assert several.column(_label(app, "UploadedFileView", "archive_name")) == sorted(same_prefix)
    # a list whose page is small: the export is not one page
    with app.app_context():
        user = db.session.query(OmsUser).filter_by(username="mo1_operator").one()
        regs = (
            db.session.execute(
                select(Registry).where(Scope.of(user).clause(Registry), Registry.status != RegistryStatus.CLOSED)
            )
            .scalars()
            .all()
        )
        created = [r for r in regs if r.status == RegistryStatus.CREATED]
    sheet = _export(b, "/registries/export.xlsx?psize_RegistryView=1")
    assert sorted(sheet.column(_label(app, "RegistryView", "number"))) == sorted(r.number for r in regs)
    only_created = _export(b, f"/registries/export.xlsx?_flt_0_status={RegistryStatus.CREATED}")
    assert sorted(only_created.column(_label(app, "RegistryView", "number"))) == sorted(r.number for r in created)


def test_headers_russian_frozen_autofiltered_money_numeric(app, demo_month, browser_factory):
    sheet = _export(browser_factory("tfoms_admin"), "/registries/export.xlsx")
    ws = sheet.ws
    assert sheet.top[0] == _title(app, "RegistryView")  # the list's name, then the filters and the moment
    assert sheet.top[1].startswith("Отбор:")
    assert ws.freeze_panes == f"A{sheet.header_row + 1}"
    last = ws.cell(sheet.header_row, len(sheet.headers)).column_letter
    assert ws.auto_filter.ref == f"A{sheet.header_row}:{last}{sheet.header_row + len(sheet.cells)}"
    assert all(c.font.b for c in sheet.header_cells)
    for header in sheet.headers:
        assert re.search("[А-Яа-яЁё]", header) and not re.search("[A-Za-z]{2,}", header), header
    for computed in ("actions_cell", "documents"):  # buttons and icons: no value behind them
        assert _label(app, "RegistryView", computed) not in sheet.headers
    assert ws.column_dimensions["A"].width >= len("Номер")
    money = sheet.cells_of(_label(app, "RegistryView", "sum_calc"))
    assert money and all(isinstance(c.value, (int, float)) and c.number_format == "#,##0.00" for c in money)
    with app.app_context():
        total = sum(
            (r.sum_calc or Decimal(0))
            for r in db.session.query(Registry).filter(Registry.status != RegistryStatus.CLOSED)
        )
    assert Decimal(str(sum(c.value for c in money))).quantize(Decimal("0.01")) == total


def test_closed_registries_and_users_export_too(app, demo_month, browser_factory):
    admin = browser_factory("tfoms_admin")
    since = (dt.date.today() - dt.timedelta(days=3650)).isoformat()
    closed = _export(admin, f"/closed-registries/export.xlsx?_flt_1_changed_at={since}")
    assert closed.top[0] == _title(app, "ClosedRegistryView")
    with app.app_context():
        numbers = db.session.execute(select(Registry.number).where(Registry.status == RegistryStatus.CLOSED))
        assert sorted(closed.column(_label(app, "ClosedRegistryView", "number"))) == sorted(numbers.scalars())
    assert all(c.is_date for c in closed.cells_of(_label(app, "ClosedRegistryView", "changed_at")))
    assert re.search(r"\d\d\.\d\d\.\d{4}", closed.top[1]) and since not in closed.top[1]  # the date as people read it
    users = _export(admin, "/users/export.xlsx")
    assert "mo1_operator" in users.column(_label(app, "OmsUserView", "username"))


@pytest.mark.parametrize(
    "query",
    [
        "_flt_0_year=abc",
        "_flt_0_year=" + "9" * 60,
        "_flt_0_subdivision=" + "9" * 40,
        "_flt_9_archive_name=x",
        "_oc_UploadedFileView=nosuchcolumn&_od_UploadedFileView=asc",
        "_flt_0_uploaded_at=garbage",
    ],
)
def test_hand_made_arguments_answer_400_not_500(app, demo_month, browser_factory, query):
    """The export's arguments are checked as the list's (app.errors.guard_request): a value the
    database cannot compare answers 400, never 500."""
    b = browser_factory("tfoms_admin")
    listed = b.get(f"/files/list/?{query}").status_code
    exported = b.get(f"/files/export.xlsx?{query}")
    assert exported.status_code in (200, 400)
    if "_oc_" in query:  # an unknown order: answered as the list answers it (app.errors.guard_request)
        assert exported.status_code == listed
    elif exported.status_code != listed:
        assert exported.status_code == 200 and Sheet(exported.data).cells == []


def test_export_needs_the_lists_read_permission(app, demo_month, browser_factory):
    assert browser_factory("smo1_specialist").get("/files/export.xlsx").status_code == 403
    assert browser_factory("mo1_operator").get("/users/export.xlsx").status_code == 403
    anonymous = browser_factory().get("/files/export.xlsx")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_a_cut_export_says_so(app, demo_month, browser_factory, monkeypatch):
    from app.views import export

    monkeypatch.setattr(export, "EXPORT_ROW_LIMIT", 1)
    sheet = _export(browser_factory("mo1_operator"), "/files/export.xlsx")
    assert len(sheet.cells) == 1
    assert any("Выгружены не все строки: 1 из" in line for line in sheet.top)


def test_a_formula_stays_text():
    from app.core.xlsx import table_workbook

    rows = [['=HYPERLINK("http://x")'], [Decimal("1234.5")], [dt.date(2025, 10, 1)]]
    data = table_workbook("Список", [], ["Имя"], rows)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws["A4"].data_type == "s" and ws["A4"].value.startswith("=")
    assert ws["A5"].number_format == "#,##0.00" and ws["A6"].is_date


# -- the list page: the button, data-sum, the confirmation's text ---------------------------------
def _view(app, name):
    return next(v for v in app.appbuilder.baseviews if type(v).__name__ == name)


def test_the_list_offers_the_export_with_its_query_and_the_sums(app, demo_month, browser_factory, monkeypatch):
    view = _view(app, "RegistryView")
    monkeypatch.setattr(view, "confirm_sum_column", "sum_declared")
    html = browser_factory("mo1_operator").get("/registries/list/?_flt_0_year=2025").get_data(as_text=True)
    button = r'href="/registries/export\.xlsx\?_flt_0_year=2025"[^>]*>\s*<i class="fa fa-file-excel-o"></i>'
    button += r"\s*Выгрузить в Excel"
    assert re.search(button, html)
    assert 'data-count-sum="Выбрано: {n} на сумму {sum}"' in html and 'data-count="Выбрано: {n}"' in html
    assert "/static/oms-actions.js" in html
    box = r'<input id="(\d+)" class="action_check" name="rowid" value="\1" type="checkbox" data-sum="([^"]*)">'
    boxes = re.findall(box, html)
    assert boxes
    with app.app_context():
        for pk, raw in boxes:
            assert Decimal(raw) == db.session.get(Registry, int(pk)).sum_declared


def test_without_a_sum_column_the_count_only(app, demo_month, browser_factory, monkeypatch):
    view = _view(app, "RegistryView")
    monkeypatch.setattr(view, "confirm_sum_column", None)
    html = browser_factory("mo1_operator").get("/registries/list/").get_data(as_text=True)
    assert 'data-count="Выбрано: {n}"' in html and "data-count-sum" not in html
    boxes = re.findall(r'<input id="\d+" class="action_check" name="rowid"[^>]*>', html)
    assert boxes and not [b for b in boxes if "data-sum" in b]


def test_a_sum_column_outside_the_list_columns(app, demo_month, browser_factory, monkeypatch):
    """The sum of a column the list does not show is read from the page's rows."""
    view = _view(app, "UploadedFileView")
    monkeypatch.setattr(view, "confirm_sum_column", "sumv_declared")
    assert view.actions  # «Удалить данные файла»: the rows have checkboxes to carry the sum
    html = browser_factory("mo1_operator").get("/files/list/").get_data(as_text=True)
    boxes = re.findall(r'<input id="(\d+)" class="action_check"[^>]*data-sum="([^"]*)"', html)
    assert boxes
    with app.app_context():
        for pk, raw in boxes:
            value = db.session.get(UploadedFile, int(pk)).sumv_declared
            assert raw == ("" if value is None else str(value))


def test_the_confirmation_text_in_numbers():
    """The script's arithmetic (Node.js; .ci/run installs it): kopecks exact, Russian digits."""
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node is not installed (apt-get install nodejs)")
        pytest.skip("Node.js is not installed: this check of oms-actions.js runs in CI (.ci/run)")
    script = (
        f"const a = require({json.dumps(str(JS))});"
        "console.log(JSON.stringify(["
        "a.formatCents(123456), a.formatCents(-100), a.formatCents(123456789012),"
        "a.summaryText(['1234.50', '0.06', ''], 'Выбрано: {n}', 'Выбрано: {n} на сумму {sum}'),"
        "a.summaryText(['1', '2'], 'Выбрано: {n}', undefined),"
        "a.summaryText(Array(10).fill('0.10'), 'Выбрано: {n}', 'Выбрано: {n} на сумму {sum}')]))"
    )
    out = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=30, check=True).stdout
    assert json.loads(out) == [
        "1\u00a0234,56",
        "-1,00",
        "1\u00a0234\u00a0567\u00a0890,12",
        "Выбрано: 3 на сумму 1\u00a0234,56",
        "Выбрано: 2",
        "Выбрано: 10 на сумму 1,00",
    ]


def test_a_cells_plain_value():
    """Codes keep their names, numbers stay numbers, links their text, row-aware pairs «a / b»."""
    from markupsafe import Markup

    from app.views.export import plain_value
    from app.views.formatting import link, row_aware

    assert plain_value(lambda v: f"{v} — амбулаторно", 3) == "3 — амбулаторно"
    assert plain_value(lambda v: f"{v:,}".replace(",", "\u00a0"), 12345) == 12345
    assert plain_value(lambda v: link("/cases/7", v), 7) == 7
    assert plain_value(lambda v: Markup("<b>{}</b> зап.").format(v), "Иванов") == "Иванов зап."
    assert plain_value(lambda v: "не деньги", Decimal("1.50")) == Decimal("1.50")
    assert plain_value(row_aware(lambda item, pk: "кнопка"), (3, 5)) == "3 / 5"
    assert plain_value(row_aware(lambda item, pk: "кнопка"), 4) == 4
    assert (plain_value(None, True), plain_value(None, None), plain_value(None, ["a", "b"])) == ("Да", None, "a, b")


def test_registry_export_gives_the_withheld_sum_the_page_shows(app, demo_month, browser_factory):
    """«Снято по МЭК» in the file is the sum («выставленная» − «к оплате»), as on the page, not the
    count of refused cases the column holds."""
    from app.services.registries.overview import row_actions

    b = browser_factory("mo1_operator")
    current = _export(b, "/registries/export.xlsx")
    header = _label(app, "RegistryView", "mek_refused")
    numbers = current.column(_label(app, "RegistryView", "number"))
    with app.app_context():
        regs = {r.number: r for r in _scoped(Registry, "mo1_operator") if r.number in numbers}
        mo1 = db.session.query(OmsUser).filter_by(username="mo1_operator").one()
        withheld = {n: row_actions(mo1, [r.id])[r.id].withheld.sum for n, r in regs.items()}
    assert any(withheld.values())  # the demo month's returned registry: a refused case
    assert dict(zip(numbers, current.column(header), strict=True)) == {n: float(v) for n, v in withheld.items()}
