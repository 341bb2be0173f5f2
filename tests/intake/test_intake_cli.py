"""``flask oms load FILE.zip … --user LOGIN [--max-errors N]``: one JSON object per archive, one
per line, with the documented keys; exit code 0 whenever it ran, whatever the status.

The CLI runner is invoked outside any app context; the database is looked at afterwards."""

from __future__ import annotations

import json

import pytest

from app.demo.files import INJECTIONS, MEK_INJECTIONS
from app.extensions import db
from app.models.intake import UploadedFile
from app.models.vocabulary import NOTE_NO_CASES_FOR_ERZ, FileStatus
from tests.factories import org_by_code
from tests.intake.helpers import MO1, demo_pair, set_text, user

KEYS = {
    "file",
    "file_id",
    "dry_run",
    "status",
    "note",
    "records",
    "flk_rejected",
    "flk_errors",
    "mek_rejected",
    "new",
    "updated",
    "unchanged",
    "skipped",
    "errors",
}
ERROR_KEYS = {"stage", "code", "element", "n_zap", "idcase", "sl_id", "value", "comment"}
FLK_CODES = sorted(c for c in INJECTIONS if c not in MEK_INJECTIONS)


@pytest.fixture()
def cli(app):
    def run(*args):
        result = app.test_cli_runner().invoke(args=["oms", "load", *map(str, args)])
        lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
        return result, lines

    return run


def test_one_json_object_per_archive_and_exit_code_0(app, cli, tmp_path):
    good = demo_pair(tmp_path, cases=40, error_rate=0.3, seed=8, codes=FLK_CODES)
    fatal = demo_pair(tmp_path, cases=3)
    fatal = fatal.with_h(set_text(fatal.h, "SD_Z", "4"))
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"this is not a zip archive")
    paths = [good.zip(tmp_path), broken, fatal.zip(tmp_path)]

    result, out = cli(*paths, "--user", "mo1_operator")
    assert result.exit_code == 0, result.output
    assert len(out) == 3 == len(result.stdout.strip().splitlines())
    for obj in out:
        assert set(obj) == KEYS
        for err in obj["errors"]:
            assert set(err) == ERROR_KEYS
    first, second, third = out
    assert (first["file"], first["status"], first["note"]) == (good.archive_name, FileStatus.DONE, None)
    flk_injected = [i for i in good.demo.injected if i.get("stage", "ФЛК") == "ФЛК"]
    assert (first["records"], first["flk_rejected"]) == (40, len(flk_injected))
    flk = [e for e in first["errors"] if e["stage"] == "ФЛК"]
    assert first["flk_errors"] == len(flk) > 0
    assert isinstance(first["mek_rejected"], int)
    assert {(e["idcase"], e["code"]) for e in flk} >= {(i["idcase"], i["code"]) for i in flk_injected}
    assert {e["stage"] for e in first["errors"]} <= {"ФЛК", "МЭК"}

    assert (second["file"], second["status"]) == ("broken.zip", FileStatus.ERR_UPLOAD)
    assert second["note"] == "Файл не является ZIP-архивом или поврежден"
    assert (second["records"], second["errors"]) == (0, [])
    assert (second["new"], second["updated"], second["unchanged"], second["skipped"]) == (0, 0, 0, 0)

    assert (third["status"], third["note"]) == (FileStatus.ERR_ERZ, NOTE_NO_CASES_FOR_ERZ)
    assert third["records"] == third["flk_rejected"] == 3
    assert "006F.00.0110" in {e["code"] for e in third["errors"]}

    with app.app_context():  # the JSON is what the rows say
        for obj in out:
            row = db.session.get(UploadedFile, obj["file_id"])
            assert (row.status, row.note, row.records, row.flk_rejected, row.flk_errors) == (
                obj["status"],
                obj["note"],
                obj["records"],
                obj["flk_rejected"],
                obj["flk_errors"],
            )


@pytest.mark.parametrize("limit", [0, 1, 3])
def test_max_errors_limits_the_errors_list(cli, tmp_path, limit):
    pair = demo_pair(tmp_path, cases=30, error_rate=0.5, seed=4, codes=FLK_CODES)
    result, [obj] = cli(pair.zip(tmp_path), "--user", "mo1_operator", "--max-errors", limit)
    assert result.exit_code == 0, result.output
    assert obj["flk_errors"] > 3
    assert len(obj["errors"]) == limit


def test_without_max_errors_every_error_is_listed(cli, tmp_path):
    pair = demo_pair(tmp_path, cases=30, error_rate=0.5, seed=4, codes=FLK_CODES)
    result, [obj] = cli(pair.zip(tmp_path), "--user", "mo1_operator")
    assert len([e for e in obj["errors"] if e["stage"] == "ФЛК"]) == obj["flk_errors"] > 3


def test_refused_while_loading_is_reported_with_exit_code_0(app, cli, tmp_path):
    pair = demo_pair(tmp_path)
    archive = pair.zip(tmp_path)
    with app.app_context():
        running = UploadedFile(
            organisation_id=org_by_code(MO1).id,
            uploaded_by_id=user("mo1_operator").id,
            archive_name=pair.archive_name,
            status=FileStatus.FLK,
        )
        db.session.add(running)
        db.session.commit()
        running_id = running.id
    try:
        result, [obj] = cli(archive, "--user", "mo1_operator")
        assert result.exit_code == 0, result.output
        assert set(obj) == KEYS
        assert (obj["status"], obj["file_id"]) == (None, None)
        assert obj["note"] == (
            f"Архив «{pair.archive_name}» еще загружается. Дождитесь окончания загрузки и повторите попытку"
        )
        with app.app_context():
            assert db.session.query(UploadedFile).filter_by(archive_name=pair.archive_name).count() == 1
    finally:
        with app.app_context():
            db.session.query(UploadedFile).filter_by(id=running_id).delete()
            db.session.commit()
    result, [obj] = cli(archive, "--user", "mo1_operator")  # finished: loads normally
    assert obj["status"] == FileStatus.DONE


def test_a_login_of_no_mo_is_refused_with_exit_code_0(cli, tmp_path):
    result, [obj] = cli(demo_pair(tmp_path).zip(tmp_path), "--user", "tfoms_admin")
    assert result.exit_code == 0, result.output
    assert obj["note"] == "Загружать файлы могут только пользователи медицинских организаций"
    assert obj["status"] is None


def test_unknown_login_is_an_error(cli, tmp_path):
    result, out = cli(demo_pair(tmp_path).zip(tmp_path), "--user", "nobody")
    assert result.exit_code != 0 and out == []
    assert "Пользователь nobody не найден" in result.output
