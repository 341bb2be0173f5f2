"""Re-uploads made visible: «Количество записей» is the records of the file (not only the cases it
keeps); the new / updated / unchanged / skipped counts in the row, the card, `oms load` and the API,
each a link to its cases; the replaced row says «заменен файлом от …» with a link to the newer file.
Period 2023-05 (no other test forms registries for it)."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.intake import MedicalCase, UploadedFile
from app.models.registry import CaseVersion, Registry
from app.models.vocabulary import CaseStatus, FileStatus
from app.services.intake import reports
from app.services.intake.file_data import delete_file_data
from app.services.registries.formation import form_registries
from app.services.registries.queries import delete_registry
from tests.api.helpers import FILES, Api
from tests.registries.helpers import demo, load, user

PERIOD = dict(year=2023, month=5)


def _stored(file_id: int) -> int:
    return db.session.execute(
        select(func.count()).select_from(MedicalCase).where(MedicalCase.file_id == file_id)
    ).scalar_one()


@pytest.fixture(scope="module")
def reupload(app, tmp_path_factory):
    """One file of 40 records, some of its cases put in a registry, then the same export again."""
    tmp = tmp_path_factory.mktemp("reupload")
    with app.app_context():
        first = load(demo(tmp / "1", seed=1705, cases=40, persons=20, **PERIOD).path)
        formed = form_registries(user("mo1_operator"), "2023-05", "Стационар")
        assert formed.ok, formed.message
        in_registry = db.session.execute(
            select(func.count())
            .select_from(MedicalCase)
            .where(MedicalCase.file_id == first.id, MedicalCase.status == CaseStatus.IN_REGISTRY)
        ).scalar_one()
        assert 0 < in_registry < 40
        again = load(demo(tmp / "2", seed=1705, cases=40, persons=20, **PERIOD).path, name="again_1705.zip")
        ids = {
            "first": first.id,
            "again": again.id,
            "in_registry": in_registry,
            "numbers": {r["number"] for r in formed.registries},
        }
    yield ids
    # leave no registry or file of the period behind for the tests that list every registry: every
    # registry of the period (another test may have formed the rest of its cases), then the files
    with app.app_context():
        for reg in formed.registries:
            assert delete_registry(user("mo1_operator"), reg["id"]).ok
        for (reg_id,) in db.session.execute(select(Registry.id).filter_by(**PERIOD)).all():
            delete_registry(user("mo1_operator"), reg_id)
        for (file_id,) in db.session.execute(select(UploadedFile.id).filter_by(**PERIOD)).all():
            delete_file_data(user("mo1_operator"), file_id)


def test_records_are_the_records_of_the_file(app_ctx, reupload):
    first = db.session.get(UploadedFile, reupload["first"])
    again = db.session.get(UploadedFile, reupload["again"])
    in_registry = reupload["in_registry"]
    assert again.status == FileStatus.DONE, again.note
    # the new file: 40 records read, the ones already in a registry skipped (not stored)
    assert again.records == 40
    assert _stored(again.id) == 40 - in_registry
    assert (again.new_count, again.updated_count, again.unchanged_count, again.skipped_count) == (
        0,
        0,
        40 - in_registry,
        in_registry,
    )
    # the old file keeps its 40 records; only its cases in the registry stay with it
    assert first.records == 40
    assert _stored(first.id) == in_registry
    assert first.replaced_by_id == again.id
    assert again.replaced_by_id is None


def test_the_rows_show_the_counts_and_the_replacement(app, reupload, browser_factory):
    with app.app_context():
        first = db.session.get(UploadedFile, reupload["first"])
        again = db.session.get(UploadedFile, reupload["again"])
        when = again.uploaded_at.strftime("%d.%m.%Y %H:%M")
    b = browser_factory("mo1_operator")
    html = b.get("/files/list/?psize_UploadedFileView=100").get_data(as_text=True)
    old_row = _row(html, reupload["first"])
    new_row = _row(html, reupload["again"])
    # «заменен файлом от ДД.ММ.ГГГГ ЧЧ:ММ», a link to the newer file
    assert f'<a href="/files/show/{again.id}">заменен файлом от {when}</a>' in old_row
    # the records of the file (→ its cases) and what the load did, each a link
    assert f'<a href="/files/cases/{first.id}">40</a>' in old_row
    assert f'<a href="/files/cases/{again.id}">40</a>' in new_row
    skipped, unchanged = reupload["in_registry"], 40 - reupload["in_registry"]
    assert f'пропущены (уже в реестре): <a href="/files/selection/{again.id}/skipped">{skipped}</a>' in new_row
    assert f'без изменений: <a href="/files/selection/{again.id}/unchanged">{unchanged}</a>' in new_row
    assert "обновлены" not in new_row  # no case was updated: no such line

    # the card of each file
    card = b.get(f"/files/show/{first.id}").get_data(as_text=True)
    assert f"заменен файлом от {when}" in card and f'href="/files/show/{again.id}"' in card
    card = b.get(f"/files/show/{again.id}").get_data(as_text=True)
    assert f'href="/files/selection/{again.id}/skipped">{skipped}</a>' in card
    assert f'href="/files/selection/{again.id}/unchanged">{unchanged}</a>' in card
    assert "заменен файлом" not in card


def test_each_count_links_to_its_cases(app, reupload, browser_factory):
    b = browser_factory("mo1_operator")
    again = reupload["again"]
    skipped = b.get(f"/files/selection/{again}/skipped").get_data(as_text=True)
    rows = _body_rows(skipped)
    assert len(rows) == reupload["in_registry"]
    # a skipped record names the registry its earlier version is in, and that case's patient
    assert all(any(f"<td>{n}</td>" in r for n in reupload["numbers"]) for r in rows)
    assert all("В реестре" in r for r in rows)
    unchanged = b.get(f"/files/selection/{again}/unchanged").get_data(as_text=True)
    assert len(_body_rows(unchanged)) == 40 - reupload["in_registry"]
    assert b.get(f"/files/selection/{again}/new").status_code == 200
    assert len(_body_rows(b.get(f"/files/selection/{again}/new").get_data(as_text=True))) == 0
    assert b.get(f"/files/selection/{again}/nonsense").status_code == 404


def test_another_mo_sees_none_of_it(app, reupload, browser_factory):
    b = browser_factory("mo2_operator")
    for url in (
        f"/files/selection/{reupload['again']}/skipped",
        f"/files/show/{reupload['first']}",
        f"/files/cases/{reupload['again']}",
    ):
        assert b.get(url).status_code == 404, url
    assert b.get(f"/files/progress?ids={reupload['again']}").get_json() == {}


def test_the_api_and_the_cli_name_the_same_four_counts(app, reupload, browser_factory, tmp_path):
    api = Api.with_key(app, browser_factory, "mo1_operator")
    body = api.get(f"{FILES}/{reupload['again']}").get_json()["result"]
    skipped = reupload["in_registry"]
    assert (body["records"], body["new"], body["updated"], body["unchanged"], body["skipped"]) == (
        40,
        0,
        0,
        40 - skipped,
        skipped,
    )
    old = api.get(f"{FILES}/{reupload['first']}").get_json()["result"]
    assert (old["records"], old["new"], old["replaced_by"]) == (40, 40, reupload["again"])

    # `oms load` of the same export a third time: the same keys, the same meaning
    with app.app_context():
        archive = demo(tmp_path, seed=1705, cases=40, persons=20, **PERIOD)
    result = app.test_cli_runner().invoke(args=["oms", "load", str(archive.path), "--user", "mo1_operator"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output.strip().splitlines()[-1])
    assert (out["records"], out["new"], out["updated"], out["unchanged"], out["skipped"]) == (
        40,
        0,
        0,
        40 - skipped,
        skipped,
    )
    with app.app_context():
        row = db.session.get(UploadedFile, out["file_id"])
        assert (row.unchanged_count, row.skipped_count) == (out["unchanged"], out["skipped"])
        # the second file's stored cases went to the third: it is replaced by it now
        assert db.session.get(UploadedFile, reupload["again"]).replaced_by_id == row.id
        assert db.session.get(UploadedFile, reupload["again"]).records == 40
        outcomes = {v.outcome for v in db.session.query(CaseVersion).filter_by(file_id=row.id)}
        assert "без изменений" in outcomes


def test_a_replacement_outside_the_scope_is_not_named(app_ctx, tmp_path):
    """A subdivision's login sees that its file was replaced, not the МО's file that did it."""
    mine = load(demo(tmp_path / "s", seed=1706, cases=3, sender="140011", year=2023, month=8).path)
    theirs = load(demo(tmp_path / "m", seed=1707, cases=3, year=2023, month=8).path)
    assert mine.subdivision_id is not None and theirs.subdivision_id is None
    mine.replaced_by_id = theirs.id
    db.session.commit()
    try:
        seen_by_sub = reports.replacements(user("mo1_sub1_operator"), [mine])[mine.id]
        assert (seen_by_sub.file_id, seen_by_sub.uploaded_at) == (None, None)
        assert seen_by_sub.text == "заменен более поздним файлом"
        seen_by_mo = reports.replacements(user("mo1_operator"), [mine])[mine.id]
        assert seen_by_mo.file_id == theirs.id
        assert seen_by_mo.text == f"заменен файлом от {theirs.uploaded_at:%d.%m.%Y %H:%M}"
    finally:
        mine.replaced_by_id = None
        db.session.commit()


def test_deleting_the_newer_file_clears_the_pointer(app_ctx, tmp_path):
    first = load(demo(tmp_path / "1", seed=1708, cases=6, year=2023, month=8).path)
    second = load(demo(tmp_path / "2", seed=1708, cases=6, year=2023, month=8).path, name="second_1708.zip")
    db.session.expire_all()
    assert db.session.get(UploadedFile, first.id).replaced_by_id == second.id
    assert delete_file_data(user("mo1_operator"), second.id).ok
    db.session.expire_all()
    assert db.session.get(UploadedFile, first.id).replaced_by_id is None
    assert db.session.get(UploadedFile, first.id).records == 6


def test_the_bar_of_a_loading_file_shows_its_stage_and_moves(app, browser_factory, tmp_path):
    with app.app_context():
        row = load(demo(tmp_path, seed=1709, cases=3, year=2023, month=8).path)
        file_id = row.id
        row.status, row.progress = FileStatus.FLK, 45
        db.session.commit()
    try:
        b = browser_factory("mo1_operator")
        html = b.get("/files/list/").get_data(as_text=True)
        cell = re.search(rf'<div class="oms-file-progress" data-pk="{file_id}">(.*?)</div></div></div>', html, re.S)
        assert cell, "no progress cell"
        assert '<span class="oms-stage">ФЛК</span>' in cell.group(1) and "width:45%" in cell.group(1)
        assert "/files/progress" in html  # the page polls while a file loads
        assert b.get(f"/files/progress?ids={file_id}").get_json() == {
            str(file_id): {"status": "ФЛК", "stage": "ФЛК", "progress": 45, "loading": True}
        }
        with app.app_context():
            moved = db.session.get(UploadedFile, file_id)
            moved.status, moved.progress = FileStatus.MEK, 91
            db.session.commit()
        assert b.get(f"/files/progress?ids={file_id}").get_json()[str(file_id)]["stage"] == "МЭК"
        assert b.get(f"/files/progress?ids={file_id}").get_json()[str(file_id)]["progress"] == 91
    finally:
        with app.app_context():
            done = db.session.get(UploadedFile, file_id)
            done.status, done.progress = FileStatus.DONE, 100
            db.session.commit()


def _row(html: str, file_id: int) -> str:
    """The list row of a file (its checkbox carries the id)."""
    start = html.index(f'id="{file_id}" class="action_check"')
    return html[html.rindex("<tr", 0, start) : html.index("</tr>", start)]


def _body_rows(html: str) -> list[str]:
    """The rows of the cases table (the last table of the page)."""
    table = html[html.rindex("<table") :]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    return re.findall(r"<tr>.*?</tr>", body, re.S)
