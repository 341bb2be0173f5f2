"""Formation benchmark: forming registries from 100,000 accepted cases, and the
«Формирование» page with 1,000,000 cases in the database (median of 20 requests).

Cases are written straight into the tables with COPY (loading a million through the pipeline
would measure the pipeline); they look like loaded cases: a finished file, payer, status.

    .venv/bin/python -m bench.formation [--accepted 100000] [--total 1000000]
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

from bench import common


def seed_cases(app, accepted: int, total: int) -> None:
    from app.extensions import db
    from app.models.intake import UploadedFile
    from app.models.organisation import Organisation

    with app.app_context():
        mo = db.session.query(Organisation).filter_by(code="140001").one()
        smo = [o.id for o in db.session.query(Organisation).filter(Organisation.code.in_(["14001", "14002"]))]
        f_old = UploadedFile(
            organisation_id=mo.id,
            archive_name="bench-old.zip",
            status="Процесс загрузки завершен",
            year=2025,
            month=1,
            h_name="HM140001T14_25011",
            file_type="H",
        )
        f_new = UploadedFile(
            organisation_id=mo.id,
            archive_name="bench-new.zip",
            status="Процесс загрузки завершен",
            year=2026,
            month=9,
            h_name="HM140001T14_26091",
            file_type="H",
        )
        db.session.add_all([f_old, f_new])
        db.session.flush()
        from app.models.registry import Registry

        reg = Registry(
            number="140001-2501-001",
            organisation_id=mo.id,
            payer_id=smo[0],
            year=2025,
            month=1,
            reg_type="АПП",
            subtype="H",
            status="Закрыт",
            cases=total - accepted,
        )
        db.session.add(reg)
        db.session.commit()
        raw = db.engine.raw_connection()
        cur = raw.cursor()
        cols = (
            "file_id, organisation_id, year, month, file_type, n_zap, idcase, usl_ok, nonresident, payer_id, "
            "sumv, sum_calc, status, flk_errors, registry_id, date_z_1, date_z_2"
        )
        with cur.copy(f"COPY medical_case ({cols}) FROM STDIN") as copy:
            for i in range(total):
                old = i >= accepted
                usl = (3, 3, 3, 1, 2, 4)[i % 6]
                copy.write_row(
                    (
                        f_old.id if old else f_new.id,
                        mo.id,
                        2025 if old else 2026,
                        1 if old else 9,
                        "H",
                        str(i % 99999999),
                        str(i),
                        usl,
                        i % 10 == 0,
                        smo[i % 2],
                        "1520.00",
                        "1520.00",
                        "В реестре" if old else "Принят",
                        0,
                        reg.id if old else None,
                        "2026-09-01",
                        "2026-09-02",
                    )
                )
        raw.commit()
        raw.close()
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE medical_case")


def page_median(app, n: int = 20) -> float:
    client = app.test_client()
    html = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    client.post("/login/", data={"username": "mo1_operator", "password": "Demo-Oms-2026", "csrf_token": token})
    client.get("/formation/")  # warm-up
    times = []
    for _ in range(n):
        start = time.perf_counter()
        resp = client.get("/formation/")
        times.append(time.perf_counter() - start)
        assert resp.status_code == 200 and "2026-09" in resp.get_data(as_text=True)
    return statistics.median(times)


def form_seconds(app) -> tuple[float, int]:
    from app.extensions import db
    from app.models.user import OmsUser
    from app.services.registries.formation import form_registries

    with app.app_context():
        user = db.session.query(OmsUser).filter_by(username="mo1_operator").one()
        start = time.perf_counter()
        cases = 0
        for reg_type in ("АПП", "Стационар", "Дневной стационар", "СМП", "Иногородние"):
            result = form_registries(user, "2026-09", reg_type)
            assert result.ok, result.message
            cases += sum(r["cases"] for r in result.registries)
        return time.perf_counter() - start, cases


def seed_registries(app, count: int) -> None:
    from app.extensions import db
    from app.models.organisation import Organisation

    with app.app_context():
        mo = db.session.query(Organisation).filter_by(code="140001").one()
        smo = [o.id for o in db.session.query(Organisation).filter(Organisation.code.in_(["14001", "14002"]))]
        raw = db.engine.raw_connection()
        cur = raw.cursor()
        cols = (
            "number, organisation_id, payer_id, year, month, reg_type, subtype, status, cases, sum_declared, "
            "sum_calc, created_at, changed_at, mek_refused"
        )
        statuses = ("Создан", "Отправлен", "Сформирован", "Выгружен", "На доработку", "На подпись МО")
        with cur.copy(f"COPY registry ({cols}) FROM STDIN") as copy:
            for i in range(count):
                copy.write_row(
                    (
                        f"140001-B-{i:06d}",
                        mo.id,
                        smo[i % 2],
                        2020 + i % 6,
                        1 + i % 12,
                        "АПП",
                        "H",
                        statuses[i % len(statuses)],
                        100,
                        "152000.00",
                        "152000.00",
                        "2026-01-01 00:00:00",
                        "2026-01-01 00:00:00",
                        0,
                    )
                )
        raw.commit()
        raw.close()


def registries_median(app, n: int = 20) -> float:
    client = app.test_client()
    html = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    client.post("/login/", data={"username": "mo1_operator", "password": "Demo-Oms-2026", "csrf_token": token})
    client.get("/registries/list/")
    times = []
    for _ in range(n):
        start = time.perf_counter()
        resp = client.get("/registries/list/")
        times.append(time.perf_counter() - start)
        assert resp.status_code == 200 and "140001-B-" in resp.get_data(as_text=True)
    return statistics.median(times)


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accepted", type=int, default=100_000)
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--registries", type=int, default=10_000)
    args = parser.parse_args(argv)
    common.fresh_database()
    app = common.app()
    start = time.perf_counter()
    seed_cases(app, args.accepted, args.total)
    print(
        f"seeded {args.total:,} cases ({args.accepted:,} accepted) in {time.perf_counter() - start:.0f} s", flush=True
    )
    median = page_median(app)
    print(f"«Формирование» with {args.total:,} cases: median {median * 1000:.0f} ms of 20", flush=True)
    seconds, cases = form_seconds(app)
    print(f"formed {cases:,} cases into registries in {seconds:.1f} s", flush=True)
    seed_registries(app, args.registries)
    reg_median = registries_median(app)
    print(f"«Текущие реестры» with {args.registries:,} registries: median {reg_median * 1000:.0f} ms of 20", flush=True)
    return [
        dict(figure=f"«Формирование» page, {args.total:,} cases, median ms", target=300, measured=median * 1000),
        dict(figure=f"forming registries from {cases:,} cases, s", target=10, measured=seconds),
        dict(
            figure=f"«Текущие реестры», {args.registries:,} registries, median ms",
            target=300,
            measured=reg_median * 1000,
        ),
    ]


if __name__ == "__main__":
    print(common.table(main()))
