"""Deleting a file's data and re-uploading corrected files."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.intake import ControlError, MedicalCase, Patient, UploadedFile
from app.models.registry import CaseVersion, Registry
from app.models.vocabulary import CaseStatus, FileStatus
from app.services.intake.file_data import IN_REGISTRY, STILL_LOADING, delete_file_data
from app.services.registries.formation import form_registries
from tests.registries.helpers import demo, load, user

# periods no other test uses, so formation here sees only these files
PERIOD_A = dict(year=2025, month=3)
PERIOD_B = dict(year=2025, month=4)


def _counts(file_id):
    return {
        m.__name__: db.session.execute(select(func.count()).select_from(m).where(m.file_id == file_id)).scalar()
        for m in (MedicalCase, Patient, ControlError)
    }


def test_delete_refused_while_loading(app_ctx, tmp_path):
    row = load(demo(tmp_path, seed=501, **PERIOD_A).path)
    before = _counts(row.id)
    row.status = FileStatus.FLK
    db.session.commit()
    result = delete_file_data(user("mo1_operator"), row.id)
    assert (result.ok, result.message) == (False, STILL_LOADING)
    assert result.message == "Загрузка файлов еще не завершена. Попробуйте позже!"
    assert _counts(row.id) == before
    row.status = "Процесс загрузки завершен"
    db.session.commit()
    assert delete_file_data(user("mo1_operator"), row.id).ok


def test_delete_removes_cases_patients_errors_and_is_audited(app_ctx, tmp_path):
    row = load(demo(tmp_path, seed=502, error_rate=0.3, codes=["003F.00.0080"], **PERIOD_A).path)
    file_id = row.id
    assert all(_counts(file_id).values())
    result = delete_file_data(user("mo1_operator"), file_id)
    assert result.ok and result.message == "Данные файла удалены"
    assert not any(_counts(file_id).values())
    assert db.session.get(UploadedFile, file_id) is None
    event = (
        db.session.query(AuditEvent)
        .filter_by(event="file_data_deleted", object_id=str(file_id))
        .order_by(AuditEvent.id.desc())
        .first()
    )
    assert event.username == "mo1_operator" and row.archive_name in event.details


def test_delete_refused_when_cases_are_in_a_registry(app_ctx, tmp_path):
    row = load(demo(tmp_path, seed=503, **PERIOD_B).path)
    formed = form_registries(user("mo1_operator"), "2025-04", "АПП")
    assert formed.ok
    before = _counts(row.id)
    result = delete_file_data(user("mo1_operator"), row.id)
    assert (result.ok, result.message) == (False, IN_REGISTRY)
    assert result.message == "Невозможно удалить данные файла. Случаи файла уже находятся в реестре"
    assert _counts(row.id) == before
    assert db.session.get(UploadedFile, row.id) is not None


def test_other_mo_cannot_delete(app_ctx, tmp_path):
    row = load(demo(tmp_path, seed=504, **PERIOD_A).path)
    result = delete_file_data(user("mo2_operator"), row.id)
    assert not result.ok and result.message == "Файл не найден"
    assert db.session.get(UploadedFile, row.id) is not None


def test_reupload_outcomes_new_updated_unchanged_skipped(app_ctx, tmp_path):
    """The same archive again: cases in a registry are skipped (never duplicated), the others are
    replaced «без изменений»; a corrected one is «обновлен»; unknown ones are «новый»."""
    first = load(demo(tmp_path / "1", seed=505, cases=40, persons=20, year=2025, month=5).path)
    assert first.new_count == first.records == 40
    formed = form_registries(user("mo1_operator"), "2025-05", "Стационар")
    in_registry = db.session.execute(
        select(func.count())
        .select_from(MedicalCase)
        .where(MedicalCase.file_id == first.id, MedicalCase.status == CaseStatus.IN_REGISTRY)
    ).scalar()
    assert formed.ok and in_registry > 0
    numbers = {r["number"] for r in formed.registries}

    again = load(demo(tmp_path / "2", seed=505, cases=40, persons=20, year=2025, month=5).path, name="again.zip")
    assert again.skipped_count == in_registry
    assert again.unchanged_count == 40 - in_registry
    assert again.records == 40  # the records of the file; the skipped versions are not stored
    assert (
        db.session.execute(
            select(func.count()).select_from(MedicalCase).where(MedicalCase.file_id == again.id)
        ).scalar()
        == 40 - in_registry
    )
    outcomes = {v.outcome for v in db.session.query(CaseVersion).filter_by(file_id=again.id)}
    assert outcomes == {"без изменений"} | {f"пропущен: уже в реестре {n}" for n in numbers} & outcomes
    assert any(o.startswith("пропущен: уже в реестре ") for o in outcomes)
    # nothing in a registry changed or was duplicated
    reg_cases = db.session.execute(
        select(func.count())
        .select_from(MedicalCase)
        .where(MedicalCase.registry_id.in_(select(Registry.id).where(Registry.number.in_(numbers))))
    ).scalar()
    assert reg_cases == in_registry
    db.session.expire_all()
    # replaced versions left file 1: it keeps its records and says which file replaced them
    assert db.session.get(UploadedFile, first.id).records == 40
    assert db.session.get(UploadedFile, first.id).replaced_by_id == again.id
    assert (
        db.session.execute(
            select(func.count()).select_from(MedicalCase).where(MedicalCase.file_id == first.id)
        ).scalar()
        == in_registry
    )

    # a corrected export: different sums on the same identities -> «обновлен»; more cases -> «новый»
    third = load(demo(tmp_path / "3", seed=505, cases=45, persons=20, year=2025, month=5).path, name="third.zip")
    counts = {v.outcome for v in db.session.query(CaseVersion).filter_by(file_id=third.id)}
    assert "новый" in counts
    assert third.new_count == 5 and third.unchanged_count + third.skipped_count == 40


def test_cli_delete_file_prints_json(app, tmp_path):
    with app.app_context():
        file_id = load(demo(tmp_path, seed=506, **PERIOD_A).path).id
    result = app.test_cli_runner().invoke(args=["oms", "delete-file", str(file_id), "--user", "mo2_operator"])
    assert json.loads(result.output) == {"ok": False, "message": "Файл не найден"}
    result = app.test_cli_runner().invoke(args=["oms", "delete-file", str(file_id), "--user", "mo1_operator"])
    assert json.loads(result.output) == {"ok": True, "message": "Данные файла удалены"}


def _rewrite(archive, old: bytes, new: bytes, out):
    import zipfile

    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, data.replace(old, new) if name.startswith("H") else data)
    return out


def test_corrected_case_is_updated_and_replaces_the_earlier_version(app_ctx, tmp_path):
    archive = demo(tmp_path, seed=507, cases=12, year=2025, month=6)
    first = load(archive.path)
    (tmp_path / "fixed").mkdir()
    corrected = _rewrite(archive.path, b"<C_ZAB>1</C_ZAB>", b"<C_ZAB>2</C_ZAB>", tmp_path / "fixed" / archive.path.name)
    second = load(corrected, name="corrected.zip")
    assert second.updated_count == 12 and second.new_count == 0
    assert {v.outcome for v in db.session.query(CaseVersion).filter_by(file_id=second.id)} == {"обновлен"}
    db.session.expire_all()
    assert db.session.get(UploadedFile, first.id).records == 12  # the records of the file stay
    assert db.session.get(UploadedFile, first.id).replaced_by_id == second.id
    assert not db.session.execute(select(MedicalCase.id).where(MedicalCase.file_id == first.id)).first()
    # the stored version is the corrected one
    from app.models.intake import CasePayload

    payloads = (
        db.session.execute(
            select(CasePayload.zap_xml)
            .join(MedicalCase, MedicalCase.id == CasePayload.case_id)
            .where(MedicalCase.file_id == second.id)
        )
        .scalars()
        .all()
    )
    assert payloads and all("<C_ZAB>2</C_ZAB>" in p for p in payloads)
