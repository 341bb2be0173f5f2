"""Demo files at --error-rate 0 are clean: several archives of one run, of a back period too, load
with no ФЛК error, no МЭК refusal and no withholding (every case recalculates to what it declares)."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func, select

from app.demo.files import write_demo_files
from app.extensions import db
from app.models.intake import MedicalCase


def test_three_archives_of_one_run_load_clean(app, tmp_path):
    # a back period: persons born since are left out, and the archives share no care (003K.00.0420)
    manifest = write_demo_files(
        tmp_path, count=3, cases=400, seed=2207, year=2025, month=2, today=dt.date(2025, 3, 20), mo="140001"
    )
    paths = [a["archive"] for a in manifest["archives"]]
    result = app.test_cli_runner().invoke(args=["oms", "load", *paths, "--user", "mo1_operator"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert len(rows) == 3
    for row in rows:
        assert row["status"] == "Процесс загрузки завершен", row["note"]
        assert (row["records"], row["flk_errors"], row["mek_rejected"]) == (400, 0, 0), row["errors"][:5]
    with app.app_context():
        ids = [r["file_id"] for r in rows]
        declared, calculated, paid = db.session.execute(
            select(func.sum(MedicalCase.sumv), func.sum(MedicalCase.sum_calc), func.sum(MedicalCase.sump)).where(
                MedicalCase.file_id.in_(ids)
            )
        ).one()
        assert declared == calculated == paid and declared > 0
