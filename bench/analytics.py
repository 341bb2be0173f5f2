"""«Аналитика» benchmark (prints figures, not a test).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/oms_bench_analytics \\
        .venv/bin/python -m bench.analytics [--cases 5000000] [--mos 5] [--months 13] [--runs 20]

On a PostgreSQL database it drops and creates anew (the name must contain ``bench``):

1. inserts ``--cases`` cases set-based (SQL ``generate_series``): ``--mos`` МО (the demo two and
   more), each with files of the whole МО and of two subdivisions in each of ``--months`` months,
   two СМО; ~10 % of the cases refused — on the ФЛК (4 %, a fifth of them by two rules), on the МЭК
   in full (3 %) or in part (3 %), with ``control_error`` rows of 30 rule codes of the catalogue; a
   third of the accepted cases in closed registries, 1/20 of those refused by the payer's МЭК
   results (``registry_refusal``).  Not timed as a figure;
2. builds the kept figures through ``refresh_all`` (the function of ``oms refresh-analytics`` and,
   per МО and period, of every hook): seconds per МО-month and in all;
3. times each page through the Flask test client of a production-mode app, logged in as an МО
   operator (mo1_operator) and as the ТФОМС administrator: the overview, «По правилам», «По
   месяцам», the first page of the cases of the costliest МЭК rule, the XLSX of «По правилам» —
   the median of ``--runs`` requests each (after one warm-up request).

Target of the issue: every page ≤ 500 ms median with 5,000,000 cases.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DB = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/oms_bench_analytics")
SECRET_KEY = secrets.token_hex(32)
PERIOD = (2025, 10)  # the last month of the data
TARGET_MS = 500


def env() -> dict:
    e = dict(os.environ)
    e.setdefault("SECRET_KEY", SECRET_KEY)  # production mode wants a strong key
    e.update(DATABASE_URL=DB, JOBS_MODE="sync", OMS_DATA_DIR=str(Path(tempfile.gettempdir()) / "oms-bench-analytics"))
    e.pop("REDIS_URL", None)
    return e


def flask(*args: str) -> str:
    out = subprocess.run(
        [str(BIN / "flask"), "--app", "run.py", *args], cwd=ROOT, env=env(), capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def fresh_database() -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(DB)
    if not url.drivername.startswith("postgresql") or "bench" not in (url.database or ""):
        raise SystemExit(f"refusing {DB}: a PostgreSQL database whose name contains 'bench' is dropped")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    for cmd in (["db", "upgrade"], ["oms", "sync-roles"], ["oms", "sync-rules"], ["oms", "init-demo", "--force"]):
        flask(*cmd)


def _months(count: int) -> list[tuple[int, int]]:
    last = PERIOD[0] * 12 + PERIOD[1] - 1
    return [(i // 12, i % 12 + 1) for i in range(last - count + 1, last + 1)]


def insert_data(cases: int, mos: int, months: int) -> dict:
    """The cases, their errors, registries and the payer's refusals; returns what was made."""
    from sqlalchemy import create_engine, text

    engine = create_engine(DB)
    started = time.perf_counter()
    with engine.begin() as conn:
        q = conn.execute
        flk_codes = list(q(text("SELECT code FROM control_rule WHERE stage = 'ФЛК' ORDER BY code LIMIT 15")).scalars())
        mek_codes = list(q(text("SELECT code FROM control_rule WHERE stage = 'МЭК' ORDER BY code LIMIT 15")).scalars())
        smo = list(q(text("SELECT id FROM organisation WHERE kind = 'smo' ORDER BY code LIMIT 2")).scalars())
        orgs = []
        for i in range(1, mos + 1):
            code = f"1400{i:02d}"
            org = q(text("SELECT id FROM organisation WHERE code = :c"), {"c": code}).scalar()
            if org is None:
                org = q(
                    text(
                        "INSERT INTO organisation (kind, code, name, short_name, is_active)"
                        " VALUES ('mo', :c, :n, :n, true) RETURNING id"
                    ),
                    {"c": code, "n": f"Больница №{i} (нагрузочная)"},
                ).scalar_one()
            subs = list(
                q(text("SELECT id FROM subdivision WHERE organisation_id = :o ORDER BY code"), {"o": org}).scalars()
            )
            for j in range(len(subs) + 1, 3):
                subs.append(
                    q(
                        text(
                            "INSERT INTO subdivision (organisation_id, code, name, is_active)"
                            " VALUES (:o, :c, :n, true) RETURNING id"
                        ),
                        {"o": org, "c": f"14{i:02d}{j:02d}", "n": f"Подразделение {j} МО {code}"},
                    ).scalar_one()
                )
            orgs.append((org, code, [None, *subs[:2]]))
        periods = _months(months)
        files = []  # (file id, org, sub, year, month, registry for smo1, for smo2)
        for org, code, subs in orgs:
            for year, month in periods:
                regs = [
                    q(
                        text(
                            "INSERT INTO registry (number, organisation_id, payer_id, year, month, reg_type, subtype,"
                            " status, cases, sum_declared, sum_calc, created_at, changed_at, mek_refused)"
                            " VALUES (:n, :o, :p, :y, :m, 'АПП', 'H', 'Закрыт', 0, 0, 0, now(), now(), 0) RETURNING id"
                        ),
                        {"n": f"{code}-{year % 100:02d}{month:02d}-{k}", "o": org, "p": payer, "y": year, "m": month},
                    ).scalar_one()
                    for k, payer in enumerate(smo, start=1)
                ]
                for sub in subs:
                    fid = q(
                        text(
                            "INSERT INTO uploaded_file (organisation_id, subdivision_id, uploaded_at, archive_name,"
                            " status, progress, records, flk_rejected, flk_errors, mek_rejected, mek_errors, year,"
                            " month) VALUES (:o, :s, now(), :a, 'Процесс загрузки завершен', 100, 0, 0, 0, 0, 0, :y,"
                            " :m) RETURNING id"
                        ),
                        {
                            "o": org,
                            "s": sub,
                            "a": f"HM{code}T14_{year % 100:02d}{month:02d}{sub or 0}.zip",
                            "y": year,
                            "m": month,
                        },
                    ).scalar_one()
                    files.append((fid, org, sub, year, month, regs[0], regs[1]))
        per_file = cases // len(files)
        # one statement per file, as a load writes them: a file's cases lie together on disk.  k: the
        # case's number over the whole set; what becomes of it follows from k alone
        insert = text(
            "INSERT INTO medical_case (file_id, organisation_id, subdivision_id, year, month, file_type, status,"
            " flk_errors, n_zap, idcase, id_pac, nhistory, usl_ok, date_z_1, date_z_2, sumv, mek_withheld, sump,"
            " payer_id, registry_id, person_key)"
            " SELECT :fid, :org, :sub, :y, :m, 'H',"
            "  CASE WHEN k % 25 = 0 THEN 'Отклонен ФЛК' WHEN k % 33 = 1 THEN 'Отклонен МЭК'"
            "       WHEN k % 3 = 0 THEN 'В реестре' ELSE 'Принят' END,"
            "  CASE WHEN k % 25 = 0 THEN 1 ELSE 0 END, k::text, g::text, 'P' || k, 'Б-' || k, 3,"
            "  make_date(:y, :m, 1 + k % 28), make_date(:y, :m, 1 + k % 28), s,"
            "  CASE WHEN k % 25 = 0 THEN NULL WHEN k % 33 = 1 THEN s WHEN k % 29 = 2 THEN 100 ELSE 0 END,"
            "  CASE WHEN k % 25 = 0 THEN NULL WHEN k % 33 = 1 THEN 0 WHEN k % 29 = 2 THEN s - 100"
            "       WHEN k % 3 = 0 AND k % 60 = 0 THEN 0 WHEN k % 3 = 0 AND k % 60 = 30 THEN s - 50 ELSE s END,"
            "  CASE WHEN k % 25 = 0 THEN NULL WHEN k % 2 = 0 THEN :smo1 ELSE :smo2 END,"
            "  CASE WHEN k % 25 <> 0 AND k % 33 <> 1 AND k % 3 = 0 THEN"
            "       CASE WHEN k % 2 = 0 THEN :r1 ELSE :r2 END END,"
            "  'E' || (k % 1000000)"
            " FROM generate_series(1, :n) g,"
            " LATERAL (SELECT :base + g AS k, (500 + ((:base + g) % 97) * 25)::numeric(15,2) AS s) x"
            " ORDER BY g"
        )
        for i, (fid, org, sub, y, m, r1, r2) in enumerate(files):
            q(
                insert,
                dict(
                    fid=fid,
                    org=org,
                    sub=sub,
                    y=y,
                    m=m,
                    r1=r1,
                    r2=r2,
                    base=i * per_file,
                    n=per_file,
                    smo1=smo[0],
                    smo2=smo[1],
                ),
            )
        print(
            f"1. {per_file * len(files):,} cases in {len(files)} files: {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        flk = "ARRAY[" + ", ".join(f"'{c}'" for c in flk_codes) + "]"
        mek = "ARRAY[" + ", ".join(f"'{c}'" for c in mek_codes) + "]"
        insert = (
            "INSERT INTO control_error (file_id, organisation_id, subdivision_id, case_id, stage, code, file_kind,"
            " fatal, refusal_code, sanction_sum) SELECT file_id, organisation_id, subdivision_id, id, "
        )
        for stage, codes, shift, refusal, amount, where in (
            ("ФЛК", flk, 0, "NULL", "NULL", "status = 'Отклонен ФЛК'"),  # one rule each
            ("ФЛК", flk, 7, "NULL", "NULL", "status = 'Отклонен ФЛК' AND id % 5 = 0"),  # a fifth: a second rule
            ("МЭК", mek, 0, "'5.1.4'", "sumv", "status = 'Отклонен МЭК'"),  # refused in full
            ("МЭК", mek, 4, "'5.3.1'", "100", "mek_withheld = 100 AND status <> 'Отклонен МЭК'"),  # in part
        ):
            q(
                text(
                    f"{insert} '{stage}', ({codes})[1 + (id + {shift}) % 15], 'H', false, {refusal}, {amount}"
                    f" FROM medical_case WHERE {where}"
                )
            )
        q(
            text(
                "INSERT INTO registry_refusal (registry_id, case_id, n_zap, idcase, oplata, sumv, sump, sank_it, codes)"
                " SELECT registry_id, id, n_zap, idcase, CASE WHEN sump = 0 THEN 2 ELSE 3 END, sumv, sump, sumv - sump,"
                " CASE WHEN sump = 0 THEN '5.2.4' ELSE '5.3.1; 5.2.4' END"
                " FROM medical_case WHERE registry_id IS NOT NULL AND sump < sumv"
            )
        )
        made = {
            "cases": q(text("SELECT count(*) FROM medical_case")).scalar_one(),
            "errors": q(text("SELECT count(*) FROM control_error")).scalar_one(),
            "refused": q(
                text(
                    "SELECT count(*) FROM medical_case"
                    " WHERE status IN ('Отклонен ФЛК', 'Отклонен МЭК') OR mek_withheld > 0"
                )
            ).scalar_one(),
            "payer_refusals": q(text("SELECT count(*) FROM registry_refusal")).scalar_one(),
            "files": len(files),
            "mo_months": len(orgs) * len(periods),
        }
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    engine.dispose()
    made["seconds"] = time.perf_counter() - started
    return made


_APP = []


def production_app():
    """The app of this process, made once (production mode: DATABASE_URL is set)."""
    if not _APP:
        os.environ.update(env())
        sys.path.insert(0, str(ROOT))
        from app import create_app

        _APP.append(create_app())
    return _APP[0]


def refresh() -> dict:
    from app.services.analytics.refresh import refresh_all

    app = production_app()
    seconds = []
    with app.app_context():
        started = time.perf_counter()

        def heard(line: str) -> None:
            m = re.search(r"([\d.]+) с$", line)
            if m:
                seconds.append(float(m.group(1)))

        result = refresh_all(echo=heard)
        result["wall"] = time.perf_counter() - started
    result["per_period"] = seconds
    return result


def _login(client, username: str) -> None:
    page = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    password = os.environ.get("DEMO_PASSWORD", "Demo-Oms-2026")
    resp = client.post("/login/", data={"username": username, "password": password, "csrf_token": token})
    assert resp.status_code == 302 and "/login" not in resp.headers.get("Location", ""), f"login of {username} failed"


def time_pages(runs: int) -> list[tuple[str, str, float, int]]:
    """(login, page, median ms, bytes) of each page."""
    app = production_app()
    from app.extensions import db
    from app.models.analytics import RefusalStat

    period = f"{PERIOD[0]}-{PERIOD[1]:02d}"
    with app.app_context():
        top = {
            stage: db.session.execute(
                db.select(RefusalStat.code)
                .where(RefusalStat.stage == stage, RefusalStat.year == PERIOD[0], RefusalStat.month == PERIOD[1])
                .group_by(RefusalStat.code)
                .order_by(db.func.sum(RefusalStat.amount).desc())
                .limit(1)
            ).scalar_one()
            for stage in ("ФЛК", "МЭК")
        }
    pages = {
        "overview": f"/analytics/?period={period}",
        "by code": f"/analytics/codes?period={period}",
        "by month (12-month trend)": f"/analytics/months?period={period}",
        "cases of a МЭК rule, first page": f"/analytics/cases?period={period}&stage=МЭК&code={top['МЭК']}",
        "cases of a ФЛК rule, first page": f"/analytics/cases?period={period}&stage=ФЛК&code={top['ФЛК']}",
        "cases of the МЭК, first page": f"/analytics/cases?period={period}&stage=МЭК",
        "cases of the ФЛК, first page": f"/analytics/cases?period={period}&stage=ФЛК",
        "XLSX of «По правилам»": f"/analytics/xlsx/codes?period={period}",
    }
    out = []
    for login in ("mo1_operator", "tfoms_admin"):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = "10.9.9.9" if login == "tfoms_admin" else "10.9.9.8"
        _login(client, login)
        for name, url in pages.items():
            resp = client.get(url)  # warm-up (the process's first look at the rule catalogue, the НСИ)
            assert resp.status_code == 200, (login, url, resp.status_code)
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                resp = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                assert resp.status_code == 200
            out.append((login, name, statistics.median(times), len(resp.data)))
            print(
                f"   {login:<13} {name:<32} median {statistics.median(times):7.1f} ms, max {max(times):7.1f} ms",
                flush=True,
            )
    return out


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=5_000_000)
    parser.add_argument("--mos", type=int, default=5)
    parser.add_argument("--months", type=int, default=13)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--pages-only", action="store_true", help="time the pages of the database as it is")
    args = parser.parse_args(argv)
    print(f"database {DB}", flush=True)
    if args.pages_only:
        for login, name, ms, size in time_pages(args.runs):
            print(f"{login:<13} {name:<32} {ms:7.1f} ms ({size:,} bytes)")
        return []
    fresh_database()
    made = insert_data(args.cases, args.mos, args.months)
    print(
        f"   {made['cases']:,} cases ({made['refused']:,} refused), {made['errors']:,} control errors, "
        f"{made['payer_refusals']:,} payer's refusals, {made['files']} files, {made['mo_months']} МО-months: "
        f"{made['seconds']:.0f} s",
        flush=True,
    )
    built = refresh()
    per = built["per_period"]
    print(
        f"2. refresh of {built['periods']} МО-months ({built['rows']:,} rows): {built['wall']:.1f} s in all; "
        f"per МО-month median {statistics.median(per):.2f} s, max {max(per):.2f} s",
        flush=True,
    )
    print("3. pages (Flask test client, production mode):", flush=True)
    timed = time_pages(args.runs)
    print()
    rows = [
        dict(
            figure=f"analytics refresh of {made['mo_months']} МО-months ({made['cases']:,} cases), s",
            target=None,
            measured=built["wall"],
        ),
        dict(figure="analytics refresh of one МО-month (median), s", target=None, measured=statistics.median(per)),
    ]
    who = {"mo1_operator": "МО", "tfoms_admin": "ТФОМС"}
    for login, name, ms, _ in timed:
        rows.append(dict(figure=f"analytics {name} ({who[login]}), ms", target=TARGET_MS, measured=ms))
    return rows


if __name__ == "__main__":
    from bench.common import table

    print(table(main()))
