"""Scale-out benchmark (issue 19), production mode (PostgreSQL, Redis, `rq worker` processes of
`make worker`'s queues, loads cut into chunks of ``LOAD_CHUNK_RECORDS``):

- 100,000 cases loaded with 1 and with 2 workers, each on a fresh database (target: 2 workers
  ≤ 0.6 × the 1-worker time);
- the month end: 20 МО × 20,000 cases uploaded at once, then a 1,000-case file of another МО
  uploaded last, with 2 workers: the time until every file is loaded, and the wait of the small one
  (from its upload to «Процесс загрузки завершен»; target ≤ 30 s).

    .venv/bin/python -m bench.scale_out [--cases 100000] [--mos 20] [--mo-cases 20000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench import common

BENCH_MO = 140100  # the МО the month end makes: 140101, 140102, … (added to the demo F003)


_APP = None


def _fresh_app():
    """A fresh bench database, and the app of this process on it (made once: an app is made once a
    process)."""
    global _APP
    common.fresh_database()
    if _APP is None:
        _APP = common.app()
    else:
        from app.extensions import db

        with _APP.app_context():
            db.engine.dispose()  # the pool's connections went with the old database
    return _APP


def _workers(n: int) -> list:
    return [common.Worker() for _ in range(n)]


def _stop(workers) -> None:
    for w in workers:
        w.stop()


def _upload(app, archive: Path, login: str) -> int:
    from app.extensions import db
    from app.models.user import OmsUser
    from app.services.intake.uploads import IncomingArchive, accept_archives

    with app.app_context():
        user = db.session.query(OmsUser).filter_by(username=login).one()
        with open(archive, "rb") as fh:
            return accept_archives(user, [IncomingArchive(archive.name, fh)])[0].id


def _status(app, file_id: int):
    from app.extensions import db
    from app.models.intake import UploadedFile

    with app.app_context():
        row = db.session.get(UploadedFile, file_id)
        return row.status, row.finished_at, row.uploaded_at, row.records


def _wait_all(app, ids: list[int], timeout: float = 7200) -> dict[int, float]:
    """The moment (``time.perf_counter()``) each file leaves the loading statuses."""
    from app.models.vocabulary import FILE_LOADING

    start, done = time.perf_counter(), {}
    while len(done) < len(ids) and time.perf_counter() - start < timeout:
        for i in ids:
            if i not in done and _status(app, i)[0] not in FILE_LOADING:
                done[i] = time.perf_counter()
        time.sleep(0.2)
    missing = [i for i in ids if i not in done]
    if missing:
        raise TimeoutError(f"files {missing} still loading")
    return done


def one_file(cases: int, workers: int, out: Path) -> dict:
    """A fresh database, ``workers`` workers, one file of ``cases``: seconds and its status."""
    app = _fresh_app()
    from app.demo.files import write_archive

    archive = write_archive(out / f"one-{workers}", cases=cases, seed=7, number=10 + workers).path
    running = _workers(workers)
    try:
        start = time.perf_counter()
        file_id = _upload(app, archive, "mo1_operator")
        timeline: list = []
        common.wait_file(app, file_id, timeline=timeline)
        seconds = time.perf_counter() - start
    finally:
        _stop(running)
    status, *_ = _status(app, file_id)
    stages = common.stage_seconds(timeline)
    print(f"  {workers} worker(s), stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items()), flush=True)
    return dict(workers=workers, seconds=seconds, status=status, stages=stages)


def _month_end_orgs(app, count: int) -> list[str]:
    """``count`` МО with an operator each (login ``bench_mo<code>``), their codes in F003."""
    from sqlalchemy import select
    from werkzeug.security import generate_password_hash

    from app.extensions import db
    from app.models.organisation import Organisation
    from app.models.reference import NsiItem
    from app.models.user import OmsUser
    from app.nsi.books import NsiEntry
    from app.security.roles import ROLE_MO
    from app.services.reference.nsi import invalidate_cache, replace_book

    codes = [str(BENCH_MO + i) for i in range(1, count + 2)]  # the last one sends the small file
    with app.app_context():
        rows = db.session.execute(
            select(NsiItem.code, NsiItem.name, NsiItem.date_begin, NsiItem.date_end).where(NsiItem.book == "F003")
        ).all()
        entries = [NsiEntry(*r) for r in rows] + [NsiEntry(c, f"Бенчмарк МО {c}") for c in codes]
        replace_book("F003", entries, version="bench")
        invalidate_cache()
        role = app.appbuilder.sm.find_role(ROLE_MO)
        for code in codes:
            org = Organisation(kind="mo", code=code, name=f"Бенчмарк МО {code}")
            db.session.add(org)
            db.session.flush()
            user = OmsUser(
                username=f"bench_mo{code}",
                first_name="Бенчмарк",
                last_name=code,
                email=f"bench{code}@bench.local",
                password=generate_password_hash("bench-password-1"),
                active=True,
                organisation_id=org.id,
            )
            user.roles = [role]
            db.session.add(user)
        db.session.commit()
    return codes


def month_end(mos: int, mo_cases: int, out: Path, workers: int = 2) -> dict:
    app = _fresh_app()
    from app.demo.files import write_archive

    codes = _month_end_orgs(app, mos)
    big = [
        write_archive(
            out / f"mo-{c}", mo=c, cases=mo_cases, seed=i + 1, number=1, first_person=1 + (i * 1000) % 20000
        ).path
        for i, c in enumerate(codes[:-1])
    ]
    small = write_archive(out / "small", mo=codes[-1], cases=1000, seed=99, number=1, first_person=25001).path
    running = _workers(workers)
    try:
        start = time.perf_counter()
        ids = [_upload(app, a, f"bench_mo{c}") for a, c in zip(big, codes, strict=False)]
        small_uploaded = time.perf_counter()
        small_id = _upload(app, small, f"bench_mo{codes[-1]}")
        done = _wait_all(app, ids + [small_id])
        total = max(done.values()) - start
        small_wait = done[small_id] - small_uploaded
    finally:
        _stop(running)
    statuses = {_status(app, i)[0] for i in ids + [small_id]}
    first, last = min(done[i] for i in ids) - start, max(done[i] for i in ids) - start
    return dict(total=total, small_wait=small_wait, statuses=statuses, first_big=first, last_big=last)


#: the issue's figure: a region of 1,000,000 people sends about 1,500,000 cases a month
CASES_PER_PERSON_MONTH = 1.5
PEAK_HOURS = 8


def sizing(per_worker: float) -> list[tuple[int, int, float, int]]:
    """(people, cases a month, hours one worker needs for them, worker cores to load them all within
    the peak's 8 hours) at the measured throughput of one worker (cases/s, as it was with 2 workers
    sharing one database) — the whole month taken as the peak, the safe side."""
    rows = []
    for people in (1_000_000, 5_000_000, 12_000_000):
        cases = int(people * CASES_PER_PERSON_MONTH)
        hours = cases / per_worker / 3600
        rows.append((people, cases, hours, max(1, -(-int(hours * 100) // (PEAK_HOURS * 100)))))
    return rows


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--mos", type=int, default=20)
    parser.add_argument("--mo-cases", type=int, default=20_000)
    args = parser.parse_args(argv)
    out = Path(tempfile.mkdtemp(prefix="oms-bench-scale-"))
    rows = []
    one = one_file(args.cases, 1, out)
    two = one_file(args.cases, 2, out)
    for r in (one, two):
        print(
            f"{args.cases:,} cases, {r['workers']} worker(s): {r['status']}; {r['seconds']:.1f} s "
            f"({args.cases / r['seconds']:.0f} cases/s)",
            flush=True,
        )
    ratio = two["seconds"] / one["seconds"]
    print(f"2 workers / 1 worker: {ratio:.2f}", flush=True)
    m = month_end(args.mos, args.mo_cases, out)
    total_cases = args.mos * args.mo_cases + 1000
    print(
        f"month end: {args.mos} МО × {args.mo_cases:,} cases + 1,000 uploaded last, 2 workers: "
        f"{m['total']:.0f} s ({total_cases / m['total']:.0f} cases/s), first big file done at {m['first_big']:.0f} s, "
        f"last at {m['last_big']:.0f} s; the 1,000-case file waited {m['small_wait']:.1f} s; statuses {m['statuses']}",
        flush=True,
    )
    per_worker = total_cases / m["total"] / 2
    print(f"throughput per worker at the month end (2 workers): {per_worker:.0f} cases/s", flush=True)
    print(f"sizing — every case of a month loaded within {PEAK_HOURS} h:")
    table = sizing(per_worker)
    for people, cases, hours, workers in table:
        print(
            f"  region of {people:,} people: {cases:,} cases a month, {hours:.1f} h for one worker "
            f"→ {workers} worker core(s)",
            flush=True,
        )
    n = f"{args.cases:,}"
    rows += [
        dict(figure=f"scale-out: {n} cases, 1 worker, s", target=None, measured=one["seconds"]),
        dict(figure=f"scale-out: {n} cases, 2 workers, s", target=None, measured=two["seconds"]),
        dict(figure="scale-out: 2 workers / 1 worker (×100)", target=60, measured=100 * ratio),
        dict(
            figure="scale-out: throughput per worker (1 worker), cases/s",
            target=None,
            measured=args.cases / one["seconds"],
        ),
        dict(
            figure=f"month end: {args.mos}×{args.mo_cases:,} + 1,000 cases, 2 workers, s",
            target=None,
            measured=m["total"],
        ),
        dict(figure="month end: wait of the 1,000-case file uploaded last, s", target=30, measured=m["small_wait"]),
        dict(figure="month end: cases/s per worker (2 workers)", target=None, measured=per_worker),
        *(
            dict(figure=f"sizing: {people // 10**6} mln people, worker cores for 8 h", target=None, measured=workers)
            for people, _cases, _hours, workers in table
        ),
    ]
    return rows


if __name__ == "__main__":
    print(common.table(main()))
