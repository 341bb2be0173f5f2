"""«Проверить без загрузки» through ``oms check`` and the service: the whole load — archive, ФЛК,
ЕРЗ, МЭК against the current database, recalculation, re-upload counts — whose protocol equals a
load's, and which stores nothing but its own row and its errors; a later load of the same archive
finds every case new.  Failures end as a load's; old checks go when a new one is accepted.

The files are generated here (demo archives, tmp_path); their persons (29401…) are nobody else's,
so that the МЭК duplicates other tests' files would add are not in play."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import openpyxl
from sqlalchemy import func, select

from app.controls.finding import STAGE_MEK
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.intake import CasePayload, ControlError, MedicalCase, Patient, UploadedFile
from app.models.registry import CaseVersion, Registry
from app.models.vocabulary import FileChannel, FileStatus
from app.services.intake import dry_run
from app.services.intake.file_data import check_folder, delete_file_data
from app.services.intake.recovery import end_interrupted_load
from app.services.intake.uploads import retry_load
from app.services.registries import formation
from tests.intake.helpers import MO2, Pair, config, demo_pair, set_text, snapshot, status_trail, user

COUNTED = (MedicalCase, Patient, CasePayload, CaseVersion, Registry)
#: what ``oms check`` and ``oms load`` of one archive must both say
SAME = ("file", "records", "flk_rejected", "flk_errors", "mek_rejected", "new", "updated", "unchanged", "skipped")


def run_cli(app, command, *args):
    """``flask oms <command> …`` outside any app context; the JSON lines it printed."""
    result = app.test_cli_runner().invoke(args=["oms", command, *map(str, args)])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def rows_of_everything(login="mo1_operator") -> dict:
    """How many rows the tables a load writes hold, and the cases «Формирование» offers."""
    counts = {m.__tablename__: db.session.execute(select(func.count()).select_from(m)).scalar_one() for m in COUNTED}
    counts["formation"] = sum(g.cases for g in formation.groups(user(login)))
    counts["uploaded_file"] = db.session.execute(select(func.count()).select_from(UploadedFile)).scalar_one()
    counts["control_error"] = db.session.execute(select(func.count()).select_from(ControlError)).scalar_one()
    return counts


def protocol_rows(data: bytes) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    return [tuple(c.value for c in row) for row in sheet.iter_rows()]


def test_oms_check_stores_nothing_but_its_protocol(app, tmp_path):
    pair = demo_pair(tmp_path, cases=40, error_rate=0.35, seed=1801, first_person=29401, persons=30)
    assert {i["stage"] for i in pair.demo.injected} == {"ФЛК", STAGE_MEK}
    with app.app_context():
        before, files_before = rows_of_everything(), snapshot()
    [out] = run_cli(app, "check", pair.zip(tmp_path), "--user", "mo1_operator")
    assert out["dry_run"] is True and out["status"] == FileStatus.CHECKED, out
    assert out["records"] == 40 and out["flk_rejected"] > 0 and out["mek_rejected"] > 0
    assert out["new"] == 40 - out["skipped"] == 40
    with app.app_context():
        after, files_after = rows_of_everything(), snapshot()
        row = db.session.get(UploadedFile, out["file_id"])
        errors = db.session.execute(select(ControlError).where(ControlError.file_id == row.id)).scalars().all()
        # nothing changed but the check's own row and its errors (the protocol of the session)
        assert after == before | {
            "uploaded_file": before["uploaded_file"] + 1,
            "control_error": before["control_error"] + len(errors),
        }
        assert files_after.pop(row.id) == {
            "file": [FileStatus.CHECKED, None, 40, row.flk_rejected, row.flk_errors],
            "control_error": len(errors),
        }
        assert files_after == files_before
        assert len(errors) == row.flk_errors + row.mek_errors == len(out["errors"]) > 0
        assert all(e.case_id is None for e in errors)
        assert (row.dry_run, row.channel, row.progress, row.replaced_by_id) == (True, FileChannel.CLI, 100, None)
        assert row.finished_at is not None
        # the protocol is kept, the archive (nothing runs a finished check again) is not
        assert sorted(p.name for p in check_folder(row.id).iterdir()) == ["protocol.xlsx", "protocol.xml"]
        assert row.archive_path is None
        events = db.session.execute(
            select(AuditEvent.event).where(
                AuditEvent.object_type == "UploadedFile", AuditEvent.object_id == str(row.id)
            )
        ).scalars()
        assert list(events) == ["file_check_started"]


def test_the_check_protocol_is_the_load_protocol_and_a_later_load_finds_every_case_new(app, tmp_path, browser_factory):
    pair = demo_pair(tmp_path, cases=40, error_rate=0.35, seed=1802, first_person=29451, persons=30)
    archive = pair.zip(tmp_path)
    [checked] = run_cli(app, "check", archive, "--user", "mo1_operator")
    [loaded] = run_cli(app, "load", archive, "--user", "mo1_operator")
    assert (checked["dry_run"], loaded["dry_run"]) == (True, False)
    assert (checked["status"], loaded["status"]) == (FileStatus.CHECKED, FileStatus.DONE)
    assert {k: checked[k] for k in SAME} == {k: loaded[k] for k in SAME}
    assert checked["errors"] == loaded["errors"] and len(checked["errors"]) > 10
    assert {e["stage"] for e in checked["errors"]} == {"ФЛК", STAGE_MEK}
    with app.app_context():
        stored = db.session.execute(
            select(func.count()).select_from(MedicalCase).where(MedicalCase.file_id == loaded["file_id"])
        ).scalar_one()
        check_row = db.session.get(UploadedFile, checked["file_id"])
        load_row = db.session.get(UploadedFile, loaded["file_id"])
        assert check_row.mek_errors == load_row.mek_errors
    # the load found every case new: the check left no version behind
    assert loaded["new"] == stored == 40 and (loaded["updated"], loaded["unchanged"], loaded["skipped"]) == (0, 0, 0)

    # the downloads of the page: FLK_P byte for byte, the XLSX cell by cell (ФИО included)
    b = browser_factory("mo1_operator")
    xml = [b.get(f"/files/protocol/{i}.xml") for i in (checked["file_id"], loaded["file_id"])]
    assert [r.status_code for r in xml] == [200, 200]
    assert xml[0].data == xml[1].data and xml[0].data.count(b"<PR>") == len(checked["errors"])
    assert xml[0].headers["Content-Disposition"] == xml[1].headers["Content-Disposition"]
    sheets = [protocol_rows(b.get(f"/files/protocol/{i}.xlsx").data) for i in (checked["file_id"], loaded["file_id"])]
    assert sheets[0] == sheets[1] and len(sheets[0]) == len(checked["errors"]) + 1
    assert all(r[2] for r in sheets[0][1:] if r[4])  # a case's error names its patient

    # the drill-down by code works from the kept errors
    code = checked["errors"][0]["code"]
    page = b.get(f"/files/errors/{checked['file_id']}/ФЛК").get_data(as_text=True)
    assert code in page
    lines = b.get(f"/files/errors/{checked['file_id']}/ФЛК/{code}").get_data(as_text=True)
    first = next(e for e in checked["errors"] if e["code"] == code)
    assert f"<td>{first['n_zap']}</td>" in lines


def _in_period(pair: Pair, year: int, month: int, number: int) -> Pair:
    """The same care reported again in the file of another period (package ``number``), under
    other case histories: twins of the earlier cases, not new versions of them."""
    old_h, old_l = pair.h_stem, pair.l_stem
    new_h = re.sub(r"_\d{4}\d+$", f"_{year % 100:02d}{month:02d}{number}", old_h)
    new_l = "L" + new_h[1:]
    h = pair.h.replace(old_h.encode(), new_h.encode())
    h = set_text(set_text(h, "YEAR", str(year)), "MONTH", str(month))
    h = re.sub(rb"<NHISTORY>([^<]*)</NHISTORY>", rb"<NHISTORY>\1-2</NHISTORY>", h)
    l_xml = pair.l.replace(old_l.encode(), new_l.encode()).replace(old_h.encode(), new_h.encode())
    return Pair(f"{new_h}.xml", f"{new_l}.xml", h, l_xml, pair.demo)


def test_a_check_finds_the_duplicates_of_an_earlier_period(app, tmp_path):
    earlier = demo_pair(
        tmp_path, mo=MO2, cases=8, seed=1803, first_person=29501, persons=40, year=2026, month=9, number=1803
    )
    [first] = run_cli(app, "load", earlier.zip(tmp_path), "--user", "mo2_operator")
    assert first["status"] == FileStatus.DONE and first["errors"] == [], first
    again = _in_period(earlier, 2026, 10, 1804)
    with app.app_context():
        files_before = snapshot()
    [out] = run_cli(app, "check", again.zip(tmp_path), "--user", "mo2_operator")
    assert out["status"] == FileStatus.CHECKED, out
    assert out["new"] == 8 and out["flk_errors"] == 0, out["errors"]
    duplicates = [e for e in out["errors"] if e["code"] == "003K.00.0420"]
    with app.app_context():
        smp = db.session.execute(
            select(func.count())
            .select_from(MedicalCase)
            .where(MedicalCase.file_id == first["file_id"], MedicalCase.usl_ok == 4)
        ).scalar_one()
        refusals = db.session.execute(
            select(ControlError.refusal_code).where(
                ControlError.file_id == out["file_id"], ControlError.code == "003K.00.0420"
            )
        ).scalars()
        assert set(refusals) == {"1.10.1"}  # paid / presented earlier: the earlier file's
        assert 0 < len(duplicates) == out["mek_rejected"] == 8 - smp  # USL_OK=4 is not checked
        assert all(earlier.archive_name in e["comment"] for e in duplicates)
        files_after = snapshot()
        files_after.pop(out["file_id"])
        assert files_after == files_before  # the earlier file as it was
        assert delete_file_data(user("mo2_operator"), first["file_id"]).ok


def test_a_failing_check_ends_as_a_failing_load(app, tmp_path):
    broken = tmp_path / "HM140001T14_26111801.zip"
    broken.write_bytes(b"this is not a zip archive")
    [checked] = run_cli(app, "check", broken, "--user", "mo1_operator")
    [loaded] = run_cli(app, "load", broken, "--user", "mo1_operator")
    assert checked["status"] == loaded["status"] == FileStatus.ERR_UPLOAD
    assert checked["note"] == loaded["note"] and checked["note"]
    # no case passed the ФЛК: the load keeps its rejected cases for the protocol, the check its protocol only
    rejected = demo_pair(tmp_path, cases=4, error_rate=1.0, codes=["003F.00.0080"], seed=1805, first_person=29561)
    archive = rejected.zip(tmp_path)
    [checked] = run_cli(app, "check", archive, "--user", "mo1_operator")
    [loaded] = run_cli(app, "load", archive, "--user", "mo1_operator")
    assert checked["status"] == loaded["status"] == FileStatus.ERR_ERZ
    assert {k: checked[k] for k in (*SAME, "note", "errors")} == {k: loaded[k] for k in (*SAME, "note", "errors")}
    assert checked["flk_rejected"] == 4
    with app.app_context():
        kept = db.session.execute(
            select(func.count()).select_from(MedicalCase).where(MedicalCase.file_id == checked["file_id"])
        ).scalar_one()
        assert kept == 0 and (check_folder(checked["file_id"]) / "protocol.xml").is_file()
        for file_id in (checked["file_id"], loaded["file_id"]):
            assert delete_file_data(user("mo1_operator"), file_id).ok


def test_a_check_counts_reuploads_and_leaves_the_earlier_files_alone(app, tmp_path):
    """Some cases of a file in a registry, then the same export checked and loaded again: the
    check counts what the load does — skipped (in a registry), unchanged — and touches nothing."""
    period = dict(year=2024, month=9)
    first = demo_pair(tmp_path / "1", mo=MO2, cases=30, seed=1806, first_person=29601, persons=30, **period)
    [loaded] = run_cli(app, "load", first.zip(tmp_path), "--user", "mo2_operator")
    assert loaded["status"] == FileStatus.DONE, loaded
    with app.app_context():
        formed = formation.form_registries(user("mo2_operator"), "2024-09", "Стационар")
        assert formed.ok, formed.message
    again = first.zip(tmp_path, name="again_1806.zip")
    try:
        with app.app_context():
            files_before = snapshot()
        [checked] = run_cli(app, "check", again, "--user", "mo2_operator")
        with app.app_context():
            files_after = snapshot()
            files_after.pop(checked["file_id"])
            assert files_after == files_before
            assert db.session.get(UploadedFile, loaded["file_id"]).replaced_by_id is None
        [reloaded] = run_cli(app, "load", again, "--user", "mo2_operator")
        assert checked["skipped"] > 0 and checked["unchanged"] > 0, checked
        assert {k: checked[k] for k in SAME[1:]} == {k: reloaded[k] for k in SAME[1:]}
        assert checked["errors"] == reloaded["errors"]
        with app.app_context():
            assert db.session.get(UploadedFile, loaded["file_id"]).replaced_by_id == reloaded["file_id"]
    finally:
        from app.services.registries.queries import delete_registry

        with app.app_context():
            for reg in formed.registries:
                assert delete_registry(user("mo2_operator"), reg["id"]).ok
            for file_id in (loaded["file_id"], checked["file_id"], reloaded["file_id"]):
                delete_file_data(user("mo2_operator"), file_id)


def test_old_checks_go_when_a_new_check_is_accepted(app, tmp_path):
    pairs = [demo_pair(tmp_path, cases=3, seed=1807 + n, first_person=29701 + 10 * n, persons=5) for n in range(4)]
    old_check, young_check, old_load = (
        run_cli(app, "check", pairs[0].zip(tmp_path), "--user", "mo1_operator")[0],
        run_cli(app, "check", pairs[1].zip(tmp_path), "--user", "mo1_operator")[0],
        run_cli(app, "load", pairs[2].zip(tmp_path), "--user", "mo1_operator")[0],
    )
    with app.app_context():
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        for file_id, days in ((old_check["file_id"], 8), (young_check["file_id"], 6), (old_load["file_id"], 30)):
            db.session.get(UploadedFile, file_id).uploaded_at = now - dt.timedelta(days=days)
        db.session.commit()
        assert check_folder(old_check["file_id"]).is_dir()
    with app.app_context(), config(CHECK_KEEP_DAYS=7):
        [fresh] = run_cli(app, "check", pairs[3].zip(tmp_path), "--user", "mo1_operator")
    with app.app_context():
        assert db.session.get(UploadedFile, old_check["file_id"]) is None
        assert not check_folder(old_check["file_id"]).exists()
        assert (
            db.session.execute(
                select(func.count()).select_from(ControlError).where(ControlError.file_id == old_check["file_id"])
            ).scalar_one()
            == 0
        )
        for kept in (young_check, old_load, fresh):
            assert db.session.get(UploadedFile, kept["file_id"]) is not None
        # one query when there is nothing to remove
        assert dry_run.purge_old_checks() == 0
        for file_id in (young_check["file_id"], old_load["file_id"], fresh["file_id"]):
            assert delete_file_data(user("mo1_operator"), file_id).ok
        assert not check_folder(young_check["file_id"]).exists()  # «Удалить данные файла» takes the protocol


def test_the_case_pages_of_a_check_say_it_stored_none(app, tmp_path, browser_factory):
    pair = demo_pair(tmp_path, cases=5, seed=1811, first_person=29801, persons=5)
    [out] = run_cli(app, "check", pair.zip(tmp_path), "--user", "mo1_operator")
    b = browser_factory("mo1_operator")
    for url in (
        f"/files/cases/{out['file_id']}",
        f"/files/cases/{out['file_id']}/Принят",
        f"/files/selection/{out['file_id']}/new",
    ):
        resp = b.get(url, follow_redirects=True)
        assert resp.status_code == 200 and dry_run.NO_CASES in resp.get_data(as_text=True), url
    with app.app_context():
        assert delete_file_data(user("mo1_operator"), out["file_id"]).ok


def test_no_check_ever_shows_the_end_of_a_load(app, tmp_path, monkeypatch):
    pair = demo_pair(tmp_path, cases=5, seed=1812, first_person=29811, persons=5)
    with app.app_context(), status_trail(monkeypatch) as trail:
        [out] = run_cli(app, "check", pair.zip(tmp_path), "--user", "mo1_operator")
    # the stages of a load, then «Проверка завершена» — never «Процесс загрузки завершен»
    assert trail == [
        FileStatus.ARCHIVE,
        FileStatus.FLK,
        FileStatus.ERZ,
        FileStatus.MEK,
        FileStatus.RECALC,
        FileStatus.CHECKED,
    ]
    assert out["status"] == FileStatus.CHECKED and out["new"] == 5
    with app.app_context():
        assert delete_file_data(user("mo1_operator"), out["file_id"]).ok


def test_a_failed_check_is_retried_as_a_check(app, tmp_path):
    pair = demo_pair(tmp_path, cases=4, seed=1813, first_person=29821, persons=4)
    broken = tmp_path / pair.archive_name
    broken.write_bytes(b"this is not a zip archive")
    [out] = run_cli(app, "check", broken, "--user", "mo1_operator")
    assert out["status"] == FileStatus.ERR_UPLOAD
    with app.app_context():
        row = db.session.get(UploadedFile, out["file_id"])
        Path(row.archive_path).write_bytes(pair.zip(tmp_path / "good").read_bytes())  # the stored archive, mended
        assert retry_load(user("mo1_operator"), row.id).ok
        db.session.expire_all()
        row = db.session.get(UploadedFile, out["file_id"])
        assert (row.status, row.dry_run, row.records, row.new_count) == (FileStatus.CHECKED, True, 4, 4)
        assert (
            db.session.execute(
                select(func.count()).select_from(MedicalCase).where(MedicalCase.file_id == row.id)
            ).scalar_one()
            == 0
        )
        assert delete_file_data(user("mo1_operator"), row.id).ok


def test_a_check_whose_process_died_leaves_nothing(app, tmp_path):
    pair = demo_pair(tmp_path, cases=4, error_rate=0.5, seed=1814, first_person=29831, persons=4)
    [out] = run_cli(app, "check", pair.zip(tmp_path), "--user", "mo1_operator")
    with app.app_context():
        # as if it had died while keeping its protocol: the row still «МЭК», the protocol half written
        db.session.get(UploadedFile, out["file_id"]).status = FileStatus.MEK
        db.session.commit()
        assert check_folder(out["file_id"]).is_dir()
        assert end_interrupted_load(out["file_id"], "тест")
        row = db.session.get(UploadedFile, out["file_id"])
        assert (row.status, row.flk_errors, row.records) == (FileStatus.ERR_DB, 0, 0)
        assert (
            db.session.execute(
                select(func.count()).select_from(ControlError).where(ControlError.file_id == row.id)
            ).scalar_one()
            == 0
        )
        assert not check_folder(row.id).exists()
        assert delete_file_data(user("mo1_operator"), row.id).ok
