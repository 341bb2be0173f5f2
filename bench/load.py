"""Load benchmark: archives of 10,000 and 100,000 cases loaded in production mode
(PostgreSQL, Redis, one `rq worker`), with the floor: a bare iterparse of both files plus a bulk
insert of the same rows.  Prints seconds, cases per second, the worker's peak memory and the
ratio to the floor.

    .venv/bin/python -m bench.load [--sizes 10000,100000]

Also prints the seconds of each status the file went through (polled every 0.1 s; the time in the
queue before the worker took the job counts as «В очереди»).
"""

from __future__ import annotations

import argparse
import tempfile
import time
import zipfile
from pathlib import Path

from bench import common


def floor_seconds(archive: Path, app) -> float:
    """iterparse of H and L with clear() + COPY of as many rows as the load writes."""
    from lxml import etree

    from app.extensions import db

    start = time.perf_counter()
    rows_h, rows_l = [], []
    with zipfile.ZipFile(archive) as zf:
        for name in zf.namelist():
            with zf.open(name) as fh:
                tag = "PERS" if name.startswith("L") else "ZAP"
                for _e, el in etree.iterparse(fh, tag=tag):
                    (rows_l if tag == "PERS" else rows_h).append(etree.tostring(el))
                    el.clear()
                    while el.getprevious() is not None:
                        del el.getparent()[0]
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("DROP TABLE IF EXISTS floor_case, floor_person")
            cur.execute("CREATE TEMP TABLE floor_case (id serial, file_id int, n text, payload text)")
            cur.execute("CREATE TEMP TABLE floor_person (id serial, file_id int, payload text)")
            with cur.copy("COPY floor_case (file_id, n, payload) FROM STDIN") as copy:
                for i, r in enumerate(rows_h):
                    copy.write_row((1, str(i), r.decode("cp1251", "replace")))
            with cur.copy("COPY floor_person (file_id, payload) FROM STDIN") as copy:
                for r in rows_l:
                    copy.write_row((1, r.decode("cp1251", "replace")))
            cur.execute("DROP TABLE floor_case, floor_person")
            raw.commit()
        finally:
            raw.close()
    return time.perf_counter() - start


def load_once(archive: Path, app) -> dict:
    from app.extensions import db
    from app.models.intake import UploadedFile
    from app.models.user import OmsUser
    from app.services.intake.uploads import IncomingArchive, accept_archives

    worker = common.Worker()
    try:
        with app.app_context():
            user = db.session.query(OmsUser).filter_by(username="mo1_operator").one()
            start = time.perf_counter()
            with open(archive, "rb") as fh:
                row = accept_archives(user, [IncomingArchive(archive.name, fh)])[0]
            file_id = row.id
        timeline = []
        common.wait_file(app, file_id, timeline=timeline)
        seconds = time.perf_counter() - start
    finally:
        peak = worker.stop()
    with app.app_context():
        row = db.session.get(UploadedFile, file_id)
        return {
            "status": row.status,
            "records": row.records,
            "seconds": seconds,
            "peak": peak,
            "stages": common.stage_seconds(timeline),
            "load_seconds": (row.finished_at - row.uploaded_at).total_seconds() if row.finished_at else None,
        }


#: the official Q015 beside the repository (../shared/oms-reference): the full rule set of a fund
Q015 = Path(__file__).resolve().parents[2] / "shared/oms-reference/ruslanzykov__check_tfoms_errors/Q015.xml"


def official_rules() -> str:
    """Import the official Q015 into the bench database when it is at hand (the rule set a fund
    runs: the code's rules plus the rows the ФЛК interprets); say which set the figures are for."""
    if not Q015.is_file():
        return f"the rules written in code only ({Q015} is absent)"
    out = common.flask("oms", "import-rules", str(Q015)).stdout
    cover = next((line for line in out.splitlines() if line.startswith("Покрытие")), "")
    return f"official Q015 imported — {cover}"


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    common.fresh_database()
    rules = official_rules()
    print(f"rules: {rules}", flush=True)
    app = common.app()
    from app.demo.files import write_archive

    results = []
    out = Path(tempfile.mkdtemp(prefix="oms-bench-load-"))
    for n in sizes:
        archive = write_archive(out / str(n), cases=n, seed=n, number=1 + sizes.index(n)).path
        r = load_once(archive, app)
        floor = floor_seconds(archive, app)
        r.update(size=n, floor=floor)
        results.append(r)
        print(
            f"{n:>7} cases: {r['status']}; {r['seconds']:.1f} s ({n / r['seconds']:.0f} cases/s), "
            f"worker peak {r['peak'] / 2**20:.0f} MB, floor {floor:.1f} s, x{r['seconds'] / floor:.2f}",
            flush=True,
        )
        # «Перерасчет стоимости» also holds the replacement of earlier versions and the counts
        print("         stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in r["stages"].items()), flush=True)
    return results


def figures(results: list[dict]) -> list[dict]:
    """The targets: ФЛК ≤ 45 s (with the official Q015 imported), ≤ 400 MB, ≤ 3× the floor; the
    whole pipeline ≤ 90 s."""
    rows = []
    for r in results:
        n = r["size"]
        if n == 100000:
            rows += [
                dict(figure="load 100,000 cases end to end (ФЛК…recalc), s", target=90, measured=r["seconds"]),
                dict(figure="load 100,000 cases: stage «ФЛК», s", target=45, measured=r["stages"].get("ФЛК", 0.0)),
                dict(figure="load 100,000 cases: worker peak memory, MB", target=400, measured=r["peak"] / 2**20),
                dict(figure="load 100,000 cases: ratio to the floor", target=3, measured=r["seconds"] / r["floor"]),
            ]
        else:
            rows.append(dict(figure=f"load {n:,} cases end to end, s", target=None, measured=r["seconds"]))
    return rows


if __name__ == "__main__":
    res = main()
    print(common.table(figures(res)))
