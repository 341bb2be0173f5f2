"""The protocol's XLSX for people: every ФЛК and МЭК error with its stage, the patient's ФИО, the
F014 reason and the sanction of a МЭК finding; one header row, frozen, with an autofilter.
Period 2023-07."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.intake import ControlError, MedicalCase, Patient, UploadedFile
from app.services.intake.reports import XLSX_COLUMNS
from tests.api.helpers import FILES, Api
from tests.registries.helpers import demo, load

CODES = ["003F.00.0080", "001F.00.0270", "003K.00.0590", "003K.00.0620"]


@pytest.fixture(scope="module")
def protocol_file(app, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("protocol")
    with app.app_context():
        archive = demo(tmp, seed=1907, cases=40, error_rate=0.3, codes=CODES, year=2023, month=7)
        row = load(archive.path)
        assert row.flk_errors and row.mek_errors
        return row.id


def _sheet(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def test_stage_fio_frozen_header_and_autofilter(app, protocol_file, browser_factory):
    resp = browser_factory("mo1_operator").get(f"/files/protocol/{protocol_file}.xlsx")
    assert resp.status_code == 200
    sheet = _sheet(resp.data)
    header = [c.value for c in sheet[1]]
    assert header == [title for title, _ in XLSX_COLUMNS]
    assert header[:3] == ["Этап", "Код ошибки", "ФИО пациента"]
    assert sheet.freeze_panes == "A2"
    with app.app_context():
        file = db.session.get(UploadedFile, protocol_file)
        errors = file.flk_errors + file.mek_errors
        # the patient of each case with an error, as the L file names him
        names = {
            (n_zap, code): " ".join(p for p in (fam, im, ot) if p)
            for n_zap, code, fam, im, ot in db.session.execute(
                select(ControlError.n_zap, ControlError.code, Patient.fam, Patient.im, Patient.ot)
                .join(MedicalCase, MedicalCase.id == ControlError.case_id)
                .join(Patient, Patient.id == MedicalCase.patient_id)
                .where(ControlError.file_id == protocol_file)
            )
        }
    assert sheet.max_row == errors + 1
    assert sheet.auto_filter.ref == f"A1:Q{errors + 1}"
    rows = [dict(zip(header, (c.value for c in r), strict=True)) for r in sheet.iter_rows(min_row=2)]
    assert {r["Этап"] for r in rows} == {"ФЛК", "МЭК"}
    stages = [r["Этап"] for r in rows]
    assert stages == sorted(stages, key=lambda s: s != "ФЛК")  # ФЛК first, then МЭК
    with_case = [r for r in rows if (r["Номер записи (N_ZAP)"], r["Код ошибки"]) in names]
    assert with_case
    for r in with_case:
        assert r["ФИО пациента"] == names[(r["Номер записи (N_ZAP)"], r["Код ошибки"])]
    # a МЭК row: the F014 reason with its name and the sanction as a number; a ФЛК row has none
    mek = [r for r in rows if r["Этап"] == "МЭК" and r["Код ошибки"] == "003K.00.0590"]
    assert mek and all(r["Основание отказа (F014)"].startswith("1.1.4 — ") for r in mek)
    assert all(isinstance(r["Сумма санкции"], (int, float)) and r["Сумма санкции"] > 0 for r in mek)
    assert all(r["Основание отказа (F014)"] is None for r in rows if r["Этап"] == "ФЛК")


def test_the_api_gives_the_same_sheet(app, protocol_file, browser_factory):
    api = Api.with_key(app, browser_factory, "mo1_operator")
    resp = api.get(f"{FILES}/{protocol_file}/protocol?format=xlsx")
    assert resp.status_code == 200
    sheet = _sheet(resp.data)
    assert sheet[1][0].value == "Этап" and sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    other = Api.with_key(app, browser_factory, "mo2_operator")
    assert other.get(f"{FILES}/{protocol_file}/protocol?format=xlsx").status_code == 404
