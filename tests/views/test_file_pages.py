"""«Загрузка файла» in the pages: upload of several archives, the row with its counts, the
drill-downs (cases by status, errors by code, the personalised list) and the protocols."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from lxml import etree

from app.demo.files import write_archive
from app.extensions import db
from app.models.intake import UploadedFile


@pytest.fixture(scope="module")
def two_archives(tmp_path_factory):
    out = tmp_path_factory.mktemp("pages")
    clean = write_archive(out / "a", cases=12, seed=21, number=7)
    broken = write_archive(
        out / "b", cases=40, seed=22, number=8, error_rate=0.3, codes=["003F.00.0080", "001F.00.0270"]
    )
    return clean, broken


@pytest.fixture(scope="module")
def uploaded(app, two_archives):
    from tests.conftest import Browser

    b = Browser(app)
    b.login("mo1_operator")
    clean, broken = two_archives
    data = {
        "csrf_token": b.csrf,
        "archives": [(open(clean.path, "rb"), clean.path.name), (open(broken.path, "rb"), broken.path.name)],
    }
    resp = b.client.post("/files/upload", data=data, content_type="multipart/form-data")
    assert resp.status_code == 302
    with app.app_context():
        rows = {
            r.h_name: r.id
            for r in db.session.query(UploadedFile)
            .filter(UploadedFile.h_name.in_([clean.h_name, broken.h_name]))
            .order_by(UploadedFile.id)
        }
    return b, rows


def test_two_archives_become_two_rows_with_final_status(app, uploaded, two_archives):
    b, rows = uploaded
    clean, broken = two_archives
    assert set(rows) == {clean.h_name, broken.h_name}
    html = b.get("/files/list/").get_data(as_text=True)
    assert clean.path.name in html and broken.path.name in html
    with app.app_context():
        c = db.session.get(UploadedFile, rows[clean.h_name])
        k = db.session.get(UploadedFile, rows[broken.h_name])
        assert c.records == 12 and c.flk_rejected == 0 and c.flk_errors == 0
        assert k.records == 40 and k.flk_rejected == len(broken.injected) > 0
        assert k.status == c.status and c.status in ("Процесс загрузки завершен",)
        assert k.year and k.month and k.uploaded_by_id
    assert f"{k.flk_rejected} / {k.flk_errors}" in html


def test_cases_by_status_and_case_list(app, uploaded, two_archives):
    b, rows = uploaded
    fid = rows[two_archives[1].h_name]
    html = b.get(f"/files/cases/{fid}").get_data(as_text=True)
    assert "Отклонен ФЛК" in html and "Принят" in html
    listing = b.get(f"/files/cases/{fid}/Отклонен ФЛК").get_data(as_text=True)
    first = two_archives[1].injected[0]
    assert f"<td>{first['n_zap']}</td>" in listing


def test_errors_by_code_then_personalised_list(app, uploaded, two_archives):
    b, rows = uploaded
    broken = two_archives[1]
    fid = rows[broken.h_name]
    html = b.get(f"/files/errors/{fid}/ФЛК").get_data(as_text=True)
    injected_codes = {i["code"] for i in broken.injected}
    for code in injected_codes:
        assert code in html
    code = sorted(injected_codes)[0]
    count = sum(1 for i in broken.injected if i["code"] == code)
    m = re.search(rf"{re.escape(code)}</td><td>(.*?)</td>\s*<td><a href=\"([^\"]+)\">(\d+)</a>", html, re.S)
    assert m and int(m.group(3)) == count
    # beside the official text, the hint for the operator (what to change in the МИС)
    assert 'class="text-info oms-hint"' in m.group(1) and "МИС" in m.group(1), m.group(1)
    lines = b.get(m.group(2).replace("&amp;", "&")).get_data(as_text=True)
    assert 'class="alert alert-info oms-hint"' in lines
    for inj in broken.injected:
        if inj["code"] == code:
            assert f"<td>{inj['n_zap']}</td>" in lines
    # the personalised list names the patient from the L file
    assert re.search(r"<td>[А-ЯЁ][а-яё]+(ов|ова|ев|ева)</td>", lines)


def test_flk_p_protocol_is_windows_1251_with_every_error(app, uploaded, two_archives):
    b, rows = uploaded
    broken = two_archives[1]
    fid = rows[broken.h_name]
    resp = b.get(f"/files/protocol/{fid}.xml")
    assert resp.status_code == 200
    assert f"V{broken.h_name}.xml" in resp.headers["Content-Disposition"]
    raw = resp.data
    assert raw.startswith(b'<?xml version="1.0" encoding="windows-1251"?>')
    root = etree.fromstring(raw)
    assert root.tag == "FLK_P"
    assert root.findtext("FNAME") == f"V{broken.h_name}" and root.findtext("FNAME_I") == broken.h_name
    with app.app_context():
        row = db.session.get(UploadedFile, fid)
        errors = row.flk_errors + row.mek_errors  # the protocol carries both stages
    prs = root.findall("PR")
    assert len(prs) == errors
    assert {pr.findtext("OSHIB") for pr in prs} >= {i["code"] for i in broken.injected}
    assert all(pr.findtext("N_ZAP") and pr.findtext("IDCASE") for pr in prs if pr.findtext("OSHIB") == "003F.00.0080")
    assert "Элемент" in raw.decode("cp1251") or "должен" in raw.decode("cp1251")


def test_xlsx_protocol_has_the_same_rows(app, uploaded, two_archives):
    b, rows = uploaded
    fid = rows[two_archives[1].h_name]
    resp = b.get(f"/files/protocol/{fid}.xlsx")
    assert resp.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(resp.data)).active
    with app.app_context():
        row = db.session.get(UploadedFile, fid)
        errors = row.flk_errors + row.mek_errors
    assert sheet.max_row == errors + 1


def test_smo_user_has_no_file_tab(app, browser_factory, uploaded):
    b = browser_factory("smo1_specialist")
    assert b.get("/files/list/").status_code == 403
    _b, rows = uploaded
    fid = next(iter(rows.values()))
    assert b.get(f"/files/protocol/{fid}.xml").status_code == 403


def test_subdivision_login_sees_only_its_subdivision(app, browser_factory, tmp_path, uploaded):
    sub = browser_factory("mo1_sub1_operator")
    archive = write_archive(tmp_path, cases=3, seed=31, sender="140011", number=9)
    with open(archive.path, "rb") as fh:
        resp = sub.client.post(
            "/files/upload",
            data={"csrf_token": sub.csrf, "archives": [(fh, archive.path.name)]},
            content_type="multipart/form-data",
        )
    assert resp.status_code == 302
    html = sub.get("/files/list/").get_data(as_text=True)
    assert archive.path.name in html
    _b, rows = uploaded  # whole-МО files of the operator are not the subdivision's
    for h_name in rows:
        assert f"{h_name}.zip" not in html
    with app.app_context():
        row = db.session.query(UploadedFile).filter_by(h_name=archive.h_name).one()
        assert row.subdivision.code == "140011" and row.status == "Процесс загрузки завершен"


def test_the_bar_of_a_loading_file_shows_its_progress(app, browser_factory, uploaded, two_archives):
    """The row of a file being loaded shows the stage and the percentage the database holds (the
    progress is no list column: the page reads it for the loading rows); another МО never sees it."""
    from app.models.organisation import Organisation
    from app.models.vocabulary import FileStatus

    b, _rows = uploaded
    with app.app_context():
        org = db.session.query(Organisation).filter_by(code="140001").one()
        row = UploadedFile(
            organisation_id=org.id, archive_name="HM140001T14_2609999.zip", status=FileStatus.MEK, progress=57
        )
        db.session.add(row)
        db.session.commit()
        row_id = row.id
    try:
        html = b.get("/files/list/").get_data(as_text=True)
        # the row's own cell (another test may leave a file of the МО «loading» at 0 %)
        start = html.index(f'data-pk="{row_id}"')
        cell = html[start : html.index("</td>", start)]
        assert "width:57%" in cell and ">57%<" in cell and "МЭК" in cell
        assert "width:0%" not in cell
        other = browser_factory("mo2_operator")
        assert "HM140001T14_2609999.zip" not in other.get("/files/list/").get_data(as_text=True)
    finally:
        with app.app_context():
            db.session.delete(db.session.get(UploadedFile, row_id))
            db.session.commit()
