"""«Удалить данные файла» benchmark (prints figures, not a test): the data of a 100,000-case file —
its cases, their payloads and errors, its 100,000 patients and its case versions — deleted through
the service (``file_data.delete_file_data``, one transaction) while 1,000,000 cases of other
files stay in the database (PostgreSQL).  Target: ≤ 10 s.

The rows are made with SQL (``generate_series``), not by loading files: the figure is the delete.
"""

from __future__ import annotations

import argparse
import time

from bench.erz_mek import DB, child, fresh_database


def fill(earlier: int, cases: int) -> int:
    """An earlier file of ``earlier`` cases (with their patients) and the file to delete: ``cases``
    cases, as many patients, payloads, an error for every tenth case and the case versions."""
    from sqlalchemy import create_engine, text

    engine = create_engine(DB)
    started = time.perf_counter()
    with engine.begin() as conn:
        org = conn.execute(text("SELECT id FROM organisation WHERE code = '140001'")).scalar_one()
        files = []
        for name, n in (("HM140001T14_2601901.zip", earlier), ("HM140001T14_2602902.zip", cases)):
            file_id = conn.execute(
                text(
                    "INSERT INTO uploaded_file (organisation_id, uploaded_at, archive_name, status, progress, records,"
                    " flk_rejected, flk_errors, mek_rejected, mek_errors, year, month) VALUES (:o, now(), :name,"
                    " 'Процесс загрузки завершен', 100, :n, 0, 0, 0, 0, 2026, 1) RETURNING id"
                ),
                {"o": org, "name": name, "n": n},
            ).scalar_one()
            files.append(file_id)
            conn.execute(
                text(
                    "INSERT INTO patient (file_id, organisation_id, id_pac, fam, im, w, dr, pers_xml)"
                    " SELECT :f, :o, 'P' || g, 'Фамилия', 'Имя', 1, date '1980-01-01',"
                    " '<PERS><ID_PAC>P' || g || '</ID_PAC><FAM>Фамилия</FAM></PERS>'"
                    " FROM generate_series(1, :n) g"
                ),
                {"f": file_id, "o": org, "n": n},
            )
            conn.execute(
                text(
                    "INSERT INTO medical_case (file_id, organisation_id, status, flk_errors, patient_id, person_key,"
                    " date_z_1, date_z_2, usl_ok, profil, prvs, n_zap, idcase, nhistory, sumv, year, month,"
                    " identity_key)"
                    " SELECT :f, :o, 'Принят', 0, p.id, 'E' || p.id, date '2026-01-15', date '2026-01-15', 3, 97, 76,"
                    " p.id::text, p.id::text, 'Б-' || p.id, 1520.00, 2026, 1, 'K' || :f || '-' || p.id"
                    " FROM patient p WHERE p.file_id = :f"
                ),
                {"f": file_id, "o": org},
            )
        target = files[1]
        conn.execute(
            text(
                "INSERT INTO case_payload (case_id, zap_xml) SELECT id, repeat('<ZAP><N_ZAP>1</N_ZAP></ZAP>', 40)"
                " FROM medical_case WHERE file_id = :f"
            ),
            {"f": target},
        )
        conn.execute(
            text(
                "INSERT INTO control_error (file_id, organisation_id, case_id, stage, code, file_kind, element,"
                " comment, fatal) SELECT :f, :o, id, 'ФЛК', '003F.00.0080', 'H', 'SPOLIS', 'Тест', false"
                " FROM medical_case WHERE file_id = :f AND id % 10 = 0"
            ),
            {"f": target, "o": org},
        )
        conn.execute(
            text(
                "INSERT INTO case_version (file_id, organisation_id, case_id, n_zap, idcase, outcome)"
                " SELECT :f, :o, id, n_zap, idcase, 'новый' FROM medical_case WHERE file_id = :f"
            ),
            {"f": target, "o": org},
        )
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    engine.dispose()
    print(
        f"1. {earlier:,} cases of an earlier file and {cases:,} of the file to delete (with patients, payloads,"
        f" errors, versions) inserted in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    return target


def delete(file_id: int) -> dict:
    return child(f"""
import time
from sqlalchemy import func, select
from app.extensions import db
from app.models.intake import MedicalCase, Patient
from app.models.user import OmsUser
from app.services.intake.file_data import delete_file_data
user = db.session.query(OmsUser).filter_by(username='mo1_operator').one()
started = time.perf_counter()
result = delete_file_data(user, {file_id})
seconds = time.perf_counter() - started
out = {{'seconds': seconds, 'ok': result.ok, 'message': result.message,
        'left_cases': db.session.scalar(select(func.count()).select_from(MedicalCase)),
        'left_patients': db.session.scalar(select(func.count()).select_from(Patient))}}
""")


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--earlier", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=100_000)
    args = parser.parse_args(argv)
    print(f"database {DB}", flush=True)
    fresh_database()
    target = fill(args.earlier, args.cases)
    out = delete(target)
    assert out["ok"], out["message"]
    print(
        f"2. «Удалить данные файла» of {args.cases:,} cases with {args.earlier:,} others in the database:"
        f" {out['seconds']:.1f} s, peak {out['peak_mb']:.0f} MB; left {out['left_cases']:,} cases,"
        f" {out['left_patients']:,} patients",
        flush=True,
    )
    return [
        dict(
            figure=f"delete the data of a {args.cases:,}-case file, {args.earlier:,} others in the DB, s",
            target=10,
            measured=out["seconds"],
        )
    ]


if __name__ == "__main__":
    main()
