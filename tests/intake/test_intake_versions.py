"""The version a reporting period requires, end to end through ``oms load``: a 5.1 file of a 2026
period (with SOC and NPR_NUM) loads; the same cases in 3.2 are refused on ZGLV/VERSION under the
check of the period's version, every case rejected, the note naming the required version; a
correction of a back period loads in the version of its period."""

from __future__ import annotations

import json

import pytest

from app.extensions import db
from app.models.intake import ControlError, UploadedFile
from app.models.vocabulary import NOTE_NO_CASES_FOR_ERZ, FileStatus
from tests.intake.helpers import demo_pair, set_text


@pytest.fixture()
def load(app, tmp_path):
    def run(pair):
        path = pair.zip(tmp_path)
        result = app.test_cli_runner().invoke(args=["oms", "load", str(path), "--user", "mo1_operator"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout.strip().splitlines()[-1])

    return run


def test_a_51_file_of_a_2026_period_loads(app, load, tmp_path):
    pair = demo_pair(tmp_path, cases=30, year=2026, month=10)  # hospital cases among them: NPR_NUM
    assert b"<VERSION>5.1</VERSION>" in pair.h and b"<VERSION>3.2</VERSION>" in pair.l
    assert b"<SOC>000</SOC>" in pair.h and b"<NPR_NUM>" in pair.h
    out = load(pair)
    assert out["status"] == FileStatus.DONE, out
    assert out["flk_rejected"] == 0 and out["flk_errors"] == 0, out["errors"]


def test_the_same_cases_in_32_for_2026_are_refused_on_version(app, load, tmp_path):
    pair = demo_pair(tmp_path, cases=6, year=2026, month=10, version="3.2")
    assert b"<VERSION>3.2</VERSION>" in pair.h and b"<SOC>" not in pair.h
    out = load(pair)
    assert out["status"] == FileStatus.ERR_ERZ
    assert out["note"].startswith(NOTE_NO_CASES_FOR_ERZ)
    assert "требуется версия 5.1" in out["note"] and "получено 3.2" in out["note"], out["note"]
    assert out["flk_rejected"] == 6
    version_errors = [e for e in out["errors"] if e["element"] == "VERSION"]
    assert [(e["code"], e["value"]) for e in version_errors] == [("002F.00.0016", "3.2")]
    with app.app_context():
        row = db.session.get(UploadedFile, out["file_id"])
        assert row.version == "3.2"
        assert db.session.query(ControlError).filter_by(file_id=row.id, code="002F.00.0016").count() == 1


def test_a_back_period_loads_in_its_own_version(app, load, tmp_path):
    # a correction of March 2025 (5.0) loads in 5.0 and is refused in 5.1
    import datetime as dt

    today = dt.date(2025, 4, 10)
    good = demo_pair(tmp_path, cases=4, year=2025, month=3, today=today)
    assert b"<VERSION>5.0</VERSION>" in good.h
    bad = demo_pair(tmp_path, cases=4, year=2025, month=3, today=today, version="5.1")
    refused = load(bad)
    assert refused["status"] == FileStatus.ERR_ERZ
    assert [e["code"] for e in refused["errors"] if e["element"] == "VERSION"] == ["002F.00.0014"]
    assert load(good)["flk_errors"] == 0


@pytest.mark.parametrize(
    "change, expected, rejected",
    [
        # a VERSION that is not a version: refused by the reader, every case rejected
        (lambda h: set_text(h, "VERSION", "пять"), "Версия формата «пять» не поддерживается", 3),
        # 6.0 is switched off until the fund switches it on (FORMAT_6_0_ENABLED)
        (lambda h: set_text(h, "VERSION", "6.0"), "Версия формата «6.0» не поддерживается", 3),
        # an element of 3.2 the 5.x formats dropped: its case is rejected
        (lambda h: h.replace(b"<SMO>", b"<SMO_OGRN>1021401047799</SMO_OGRN><SMO>", 1), "SMO_OGRN", 1),
        # an element no format has: its case is rejected
        (lambda h: h.replace(b"<SOC>000</SOC>", b"<SOC>000</SOC><MOOD>5</MOOD>", 1), "MOOD", 1),
    ],
    ids=["not-a-version", "6.0-off", "3.2-only-element", "unknown-element"],
)
def test_bad_versions_and_elements_are_refused_with_their_reason(app, load, tmp_path, change, expected, rejected):
    pair = demo_pair(tmp_path, cases=3, year=2026, month=10)
    out = load(pair.with_h(change(pair.h)))
    if rejected == 3:  # the whole file
        assert out["status"] in (FileStatus.ERR_ERZ, FileStatus.ERR_VALIDATION), out
    else:
        assert (out["status"], out["flk_rejected"]) == (FileStatus.DONE, rejected), out
    texts = " ".join(f"{e['element']} {e['value']} {e['comment']}" for e in out["errors"])
    assert expected in texts, out["errors"][:5]


def test_oms_demo_files_writes_the_version_of_the_period_or_the_one_asked(app, tmp_path):
    import zipfile

    runner = app.test_cli_runner()
    for extra, version in (([], "5.1"), (["--version", "5.0"], "5.0")):
        out = tmp_path / version
        args = ["oms", "demo-files", str(out), "--cases", "3", "--year", "2026", "--month", "10", *extra]
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        archive = manifest["archives"][0]
        with zipfile.ZipFile(archive["archive"]) as zf:
            h = zf.read(f"{archive['h_name']}.xml")
            l_xml = zf.read(f"{archive['l_name']}.xml")
        assert f"<VERSION>{version}</VERSION>".encode() in h
        assert b"<VERSION>3.2</VERSION>" in l_xml and b"<SOC>000</SOC>" in h
    result = runner.invoke(args=["oms", "demo-files", str(tmp_path / "x"), "--version", "9.9", "--year", "2026"])
    assert result.exit_code == 1 and "Версия формата 9.9 не описана для файлов H" in result.output
