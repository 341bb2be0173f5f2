"""ЕРЗ and МЭК benchmark (prints figures, not a test).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/oms_bench_erz \\
        .venv/bin/python -m bench.erz_mek [--persons 1000000] [--earlier 5000000] [--cases 100000]

On a PostgreSQL database it drops and creates anew (the name must contain ``bench``):

1. writes a CSV of ``--persons`` demo persons (with their policy history) and imports it with
   ``oms import-erz`` in a child process: seconds, persons per second, peak memory of the import;
   imports it a second time (idempotent: the counts do not change);
2. inserts ``--earlier`` accepted cases of earlier files of МО 140001 (set-based SQL, not timed as a
   figure; every 7th a 9-day round-the-clock stay), 1 % of them the same care as cases of the file
   of step 3 under another NHISTORY;
3. loads a demo file of ``--cases`` cases through the whole pipeline (ФЛК, ЕРЗ, МЭК, recalculation)
   in a child process, printing the seconds of each stage and the peak memory;
4. times each check over the whole file (``set`` rules: the duplicates 003K.00.0420, the overlapping
   stays 003K.14.0070/0080, the licences …) against the earlier cases.

Step 2 runs before step 3 (the check compares a file with the files loaded before it).

Targets of the issue for 100,000 cases: end to end ≤ 90 s, peak memory ≤ 400 MB, the duplicate check
against 5,000,000 cases ≤ 10 s.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DB = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/oms_bench_erz")
SECRET_KEY = secrets.token_hex(32)


def env(**extra) -> dict:
    e = dict(os.environ)
    e.setdefault("SECRET_KEY", SECRET_KEY)  # production mode wants a strong key
    e.update(
        DATABASE_URL=DB,
        JOBS_MODE="sync",
        OMS_DATA_DIR=str(Path(tempfile.gettempdir()) / "oms-bench-erz"),
        DEMO_ERZ_PERSONS="1000",
        **extra,
    )
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


def child(code: str) -> dict:
    """Run ``code`` in a fresh interpreter with the app; it prints one JSON line (+ peak RSS)."""
    script = (
        "import json, resource, sys\n"
        "from app import create_app\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        + "".join(f"    {line}\n" for line in code.strip().splitlines())
        + "    out['peak_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "    print(json.dumps(out, default=str))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env(), capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"child failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def write_erz_csv(path: Path, persons: int) -> None:
    sys.path.insert(0, str(ROOT))
    from app.demo.erz import demo_records
    from app.erz.importer import records_to_csv

    with open(path, "w", encoding="utf-8") as fh:
        for line in records_to_csv(demo_records(1, persons)):
            fh.write(line)


def import_erz(path: Path) -> dict:
    return child(f"""
import time
from pathlib import Path
from app.erz.importer import import_file
started = time.perf_counter()
out = import_file(Path({str(path)!r})).as_dict()
out['wall'] = time.perf_counter() - started
from sqlalchemy import func, select
from app.extensions import db
from app.models.erz import ErzPerson, ErzPolicy
out['in_db'] = [db.session.scalar(select(func.count()).select_from(m)) for m in (ErzPerson, ErzPolicy)]
""")


def load_file(archive: Path) -> dict:
    return child(f"""
import time
from pathlib import Path
from flask import current_app
from app.extensions import db
from app.models.intake import UploadedFile
from app.models.user import OmsUser
from app.services.intake import pipeline as ip
from app.services.intake.context import LoadContext
from app.services.intake.uploads import IncomingArchive, accept_archives
user = db.session.query(OmsUser).filter_by(username='mo1_operator').one()
with open({str(archive)!r}, 'rb') as fh:
    row = accept_archives(user, [IncomingArchive({archive.name!r}, fh)], run_job=False)[0]
started = time.perf_counter()
load = LoadContext.of(row, Path(current_app.config['DATA_DIR']) / 'work' / str(row.id))
ip.run(load)                                    # the stages time themselves
result = ip.summary(db.session.get(UploadedFile, row.id), max_errors=0)
out = {{'wall': time.perf_counter() - started, 'stages': load.timings, 'file_id': row.id,
        'status': result['status'], 'records': result['records'], 'flk_rejected': result['flk_rejected'],
        'mek_rejected': result['mek_rejected']}}
""")


def earlier_cases(earlier: int, specs) -> int:
    """``earlier`` accepted cases of an earlier file of МО 140001 (persons of the register over the
    year), plus copies of 1 % of the coming file's cases under another NHISTORY (duplicates)."""
    from sqlalchemy import create_engine, text

    from app.demo.people import demo_person

    engine = create_engine(DB)
    started = time.perf_counter()
    usl_ok = {"amb": 3, "hosp": 1, "day": 2}
    copies = [
        {
            "enp": demo_person(s.person).enp,
            "d1": s.date_1,
            "d2": s.date_2,
            "u": usl_ok[s.kind],
            "p": s.item.profil,
            "v": s.item.prvs,
        }
        for s in specs[::100]
        if s.kind in usl_ok
    ]
    with engine.begin() as conn:
        org = conn.execute(text("SELECT id FROM organisation WHERE code = '140001'")).scalar_one()
        prior = conn.execute(
            text(
                "INSERT INTO uploaded_file (organisation_id, uploaded_at, archive_name, status, progress, records,"
                " flk_rejected, flk_errors, mek_rejected, mek_errors, year, month) VALUES (:o, now(),"
                " 'HM140001T14_2601999.zip', 'Процесс загрузки завершен', 100, :n, 0, 0, 0, 0, 2026, 1)"
                " RETURNING id"
            ),
            {"o": org, "n": earlier},
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO medical_case (file_id, organisation_id, status, flk_errors, person_key, date_z_1,"
                " date_z_2, usl_ok, profil, prvs, novor, n_zap, idcase, nhistory, sumv, year, month)"
                # every 7th a round-the-clock stay of 9 days (the overlap checks), the others visits
                " SELECT :f, :o, 'Принят', 0, 'E' || (g % 1000000 + 1), d, d + CASE WHEN g % 7 = 0 THEN 9 ELSE 0"
                " END, CASE WHEN g % 7 = 0 THEN 1 ELSE 3 END, CASE WHEN g % 7 = 0 THEN 100 ELSE 97 END,"
                " CASE WHEN g % 7 = 0 THEN 79 ELSE 76 END, '0', g::text, g::text, 'Б-' || g, 1520.00, 2026,"
                " extract(month from d)"
                " FROM (SELECT g, date '2026-01-01' + (g % 300) AS d FROM generate_series(1, :n) g) s"
            ),
            {"f": prior, "o": org, "n": earlier},
        )
        conn.execute(
            text(
                "INSERT INTO medical_case (file_id, organisation_id, status, flk_errors, person_key, date_z_1,"
                " date_z_2, usl_ok, profil, prvs, novor, n_zap, idcase, nhistory, sumv, year, month)"
                " SELECT :f, :o, 'Принят', 0, 'E' || e.id, :d1, :d2, :u, :p, :v, '0', '0', '0', 'Копия', 1.00,"
                " 2026, 10 FROM erz_person e WHERE e.enp = :enp"
            ),
            [dict(c, f=prior, o=org) for c in copies],
        )
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE medical_case"))
    engine.dispose()
    print(
        f"2. earlier cases: {earlier:,} + {len(copies):,} copies of the coming file's cases inserted in "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )
    return len(copies)


def duplicate_check(file_id: int) -> dict:
    return child(f"""
import time
from app.controls.mek import MekContext, run_set_rules
from app.extensions import db
from app.models.intake import UploadedFile
row = db.session.get(UploadedFile, {file_id})
ctx = MekContext(year=row.year, month=row.month)
rules = {{}}
for spec in ctx.active("set"):
    started = time.perf_counter()
    found = list(spec.fn(ctx, {file_id}) or ())
    rules[spec.code] = (time.perf_counter() - started, len(found))
out = {{'seconds': sum(t for t, _ in rules.values()), 'rules': rules}}
""")


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--earlier", type=int, default=5_000_000)
    parser.add_argument("--cases", type=int, default=100_000)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="oms-bench-erz-"))
    print(f"database {DB}", flush=True)
    fresh_database()

    csv_path = work / "erz.csv"
    t = time.perf_counter()
    write_erz_csv(csv_path, args.persons)
    print(
        f"1. ЕРЗ CSV of {args.persons:,} persons written in {time.perf_counter() - t:.1f} s "
        f"({csv_path.stat().st_size / 2**20:.0f} MB)",
        flush=True,
    )
    first = import_erz(csv_path)
    print(
        f"   import: {first['wall']:.1f} s, {args.persons / first['wall']:,.0f} persons/s, "
        f"peak {first['peak_mb']:.0f} MB; in the database {first['in_db']}",
        flush=True,
    )
    second = import_erz(csv_path)
    print(
        f"   again:  {second['wall']:.1f} s, peak {second['peak_mb']:.0f} MB; in the database "
        f"{second['in_db']} (idempotent: {'yes' if second['in_db'] == first['in_db'] else 'NO'})",
        flush=True,
    )

    sys.path.insert(0, str(ROOT))
    import datetime as dt
    import random

    from app.demo.files import _period, plan_cases, write_archive

    persons = min(args.persons, max(10, args.cases // 2))
    today = dt.date.today()
    year, month = _period(None, None, today)
    specs = plan_cases(args.cases, random.Random(args.cases), year, month, today, persons, 0.0)
    dup = earlier_cases(args.earlier, specs)
    archive = write_archive(
        work / "file", cases=args.cases, seed=args.cases, number=1, persons=persons, today=today
    ).path
    loaded = load_file(archive)
    print(
        f"3. load of {args.cases:,} cases: {loaded['status']}, {loaded['wall']:.1f} s, peak "
        f"{loaded['peak_mb']:.0f} MB; stages "
        + ", ".join(f"{k} {v:.1f} s" for k, v in loaded["stages"].items())
        + f"; ФЛК rejected {loaded['flk_rejected']}, МЭК rejected {loaded['mek_rejected']}",
        flush=True,
    )
    check = duplicate_check(loaded["file_id"])
    print(
        f"4. the set checks of {args.cases:,} cases against {args.earlier:,}: {check['seconds']:.2f} s "
        f"(run again on the loaded file; during the load the МЭК refused {loaded['mek_rejected']} cases, "
        f"{dup} copies were planted): "
        + ", ".join(f"{code} {t:.2f} s ({n} found)" for code, (t, n) in check["rules"].items()),
        flush=True,
    )
    print()
    return [
        dict(figure=f"ЕРЗ import of {args.persons:,} persons, s", target=None, measured=first["wall"]),
        dict(figure=f"ЕРЗ import of {args.persons:,} persons: peak memory, MB", target=None, measured=first["peak_mb"]),
        dict(
            figure=f"load {args.cases:,} cases, {args.earlier:,} earlier in the DB, s",
            target=90,
            measured=loaded["wall"],
        ),
        dict(figure=f"load {args.cases:,} cases: worker peak memory, MB", target=400, measured=loaded["peak_mb"]),
        dict(
            figure=f"duplicate check of {args.cases:,} against {args.earlier:,}, s",
            target=10,
            measured=check["rules"]["003K.00.0420"][0],
        ),
        dict(
            figure=f"all set checks (duplicates, overlaps …) of {args.cases:,}, s",
            target=10,
            measured=check["seconds"],
        ),
    ]


if __name__ == "__main__":
    from bench.common import table

    print(table(main()))
