"""Benchmark of the documents of a registry of 100,000 cases (not a test; prints figures).

    cd /work/main && .venv/bin/python -m bench.documents [--cases 100000] [--runs 2]
    cd /work/main && .venv/bin/python -m bench.documents --render-only [--cases 100000]

Target (issue «Текущие реестры», Speed): the documents of a registry of 100,000 cases in ≤ 60 s
with memory ≤ 500 MB.

**The whole job** (default), in production mode: a fresh PostgreSQL database and Redis
(``BENCH_DOCS_DATABASE_URL``, default ``…/oms_bench_documents``; ``BENCH_DOCS_REDIS_URL``, default
Redis db 11 — apart from the other benchmarks, which wipe theirs), one ``rq worker`` process
(``SimpleWorker``: the job runs in that process, so its VmHWM is the job's peak memory). A
registry of N cases «Создан» is written with ``COPY`` (one finished file, 60,000 persons, 5 % of
the cases with a partial МЭК sanction), then the МО user sets «Отправлен» through the workflow
service: the job writes the registry file (H + L, ZIP), «Реестр счета», «Счет», «Сводный реестр»,
their SHA-256, and sets «Сформирован». Measured: seconds from the status change until
«Сформирован» is in the database, and the worker's peak RSS. Each run sends a new registry
(``--runs``, the best is printed too: the machine may be shared).

**Rendering only** (``--render-only``), in this process, as before:

1. the registry file — ``write_registry_pair`` (H + L + ZIP) from the stored (ZAP, PERS) texts;
2. «Реестр счета» — ``render_registry_list`` over rows built from the same texts with
   ``case_row_xml`` (the list also fills the summary);
3. «Счет» and «Сводный реестр» — from the totals of step 2 (no second reading);
4. «Акт МЭК» — with 5 % of the cases refused.

The input is a generator, as a database cursor would be: 2,000 demo cases (``app.services.
demo_files``) cycled with unique IDCASE/SL_ID and 60,000 distinct persons; its own cost is
measured first and printed apart. Peak memory is the process's peak RSS (``ru_maxrss``), which
includes the interpreter and the imports (printed at the start).
"""

from __future__ import annotations

import datetime as dt
import random
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.demo import files as df  # noqa: E402
from app.demo.people import demo_person  # noqa: E402
from app.documents import (  # noqa: E402
    Party,
    Refusal,
    RegistryDocData,
    case_row_xml,
    render_invoice,
    render_mek_act,
    render_registry_list,
    render_summary,
)
from app.formats.fragments import to_xml  # noqa: E402
from app.registry_files import write_registry_pair  # noqa: E402

TODAY = dt.date(2026, 11, 10)
DSCHET = dt.date(2026, 11, 3)
POOL = 2000
PERSONS = 60_000


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class Step:
    """Wall-clock and CPU seconds of a block (CPU shows the cost when the machine is shared)."""

    def __enter__(self):
        self.t, self.c = time.perf_counter(), cpu()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.t, cpu() - self.c


def make_pool():
    """(zap_xml with {idcase}/{sl_id}/{id_pac} slots, pers_xml with an {id_pac} slot)."""
    specs = df.plan_cases(POOL, random.Random(7), 2026, 10, TODAY, 1000, 0.0)
    pool = []
    for s in specs:
        p = demo_person(s.person)
        zap = df.zap_node(s, "140001", None)
        z = to_xml(zap).replace(f"<IDCASE>{s.n}</IDCASE>", "<IDCASE>{idcase}</IDCASE>", 1)
        z = z.replace(f"<ID_PAC>{p.id_pac}</ID_PAC>", "<ID_PAC>{id_pac}</ID_PAC>", 1)
        sl_id = zap.find("Z_SL/SL").get("SL_ID")
        z = z.replace(sl_id, "{sl_id}")
        pers = to_xml(df.pers_node(p, DSCHET)).replace(f"<ID_PAC>{p.id_pac}</ID_PAC>", "<ID_PAC>{id_pac}</ID_PAC>", 1)
        pool.append((z, pers))
    return pool


def cases(pool, n):
    """The i-th case: pool item i % POOL, person i % PERSONS (the same PERS text each time)."""
    for i in range(n):
        z, p = pool[i % POOL]
        id_pac = f"B{i % PERSONS:09d}"
        yield (
            z.replace("{idcase}", str(i + 1))
            .replace("{id_pac}", id_pac)
            .replace("{sl_id}", f"{i:08d}-0000-4000-8000-000000000000"),
            p.replace("{id_pac}", id_pac),
        )


def render_only(n: int = 100_000) -> None:
    print(f"baseline peak RSS (interpreter + imports): {peak_mb():.0f} MB")
    pool = make_pool()
    t = time.perf_counter()
    total = Decimal("0")
    for z, _ in cases(pool, n):
        i = z.index("<SUMV>") + 6
        total += Decimal(z[i : z.index("<", i)])
    gen = time.perf_counter() - t
    print(f"input: {n} cases generated in {gen:.1f} s (a database cursor's share; not counted below)")

    mo = Party(
        name="ГБУ РС(Я) «Якутская городская клиническая больница»",
        short_name="ЯГКБ",
        code="140001",
        inn="1435028701",
        kpp="143501001",
        ogrn="1021401047799",
        address="677005, г. Якутск, ул. Стадухина, 81",
        bank_details="р/с 03224643980000001600, БИК 019805001",
        head_name="Николаев Н. С.",
        accountant_name="Попова С. В.",
    )
    smo = Party(
        name="АО «Страховая компания «Сахамедстрах»",
        code="14001",
        inn="1435078433",
        kpp="143501001",
        head_name="Егоров А. П.",
    )
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        everything = Step().__enter__()
        with Step() as step:
            pair = write_registry_pair(
                Path(tmp),
                mo_code="140001",
                payer_kind="S",
                payer_code="14001",
                year=2026,
                month=10,
                number=1,
                nschet="101",
                dschet=DSCHET,
                cases=cases(pool, n),
            )
        results.append(
            (
                "registry file (H+L+ZIP)",
                step,
                f"{pair.cases} ZAP, {pair.persons} PERS, ZIP {pair.zip_path.stat().st_size / 1e6:.1f} MB",
            )
        )
        assert pair.summav == total, (pair.summav, total)

        doc = RegistryDocData(
            number="101",
            date=DSCHET,
            year=2026,
            month=10,
            mo=mo,
            payer=smo,
            registry_type="АПП",
            registry_subtype="H — основной",
            file_name=pair.name,
            cases=lambda: (case_row_xml(z, p) for z, p in cases(pool, n)),
            executor_name="Кузьмина О. Н.",
            payer_signer_name="Васильева Т. И.",
        )
        for title, render in (
            ("«Реестр счета»", render_registry_list),
            ("«Счет»", render_invoice),
            ("«Сводный реестр»", render_summary),
        ):
            with Step() as step:
                data = render(doc)
            results.append((title, step, f"{len(data) / 1024:.0f} KB"))

        refused = (
            Refusal(
                n_zap=i + 1,
                idcase=i + 1,
                fam="Иванов",
                im="Иван",
                ot="Иванович",
                birth_date=dt.date(1980, 1, 1),
                code="5.2.1",
                reason="Полис ОМС недействителен на дату оказания помощи",
                withheld=Decimal("1520.00"),
                case_amount=Decimal("1520.00"),
                control="003K.00.0570",
            )
            for i in range(0, n, 20)
        )
        with Step() as step:
            data = render_mek_act(doc, refused)
        results.append(("«Акт МЭК»", step, f"{n // 20} refusals, {len(data) / 1024:.0f} KB"))
        everything.__exit__(None, None, None)

    for title, step, note in results:
        print(f"  {title:<26} {step.wall:6.1f} s (CPU {step.cpu:5.1f} s)   {note}")
    peak = peak_mb()
    print(
        f"documents of a registry of {n} cases: {everything.wall:.1f} s (CPU {everything.cpu:.1f} s; "
        f"target ≤ 60 s), peak RSS {peak:.0f} MB (target ≤ 500 MB)"
    )


# -- the whole job in production mode ----------------------------------------------------------------
SANCTIONED_EVERY = 20  # every 20th case: 100 rub. withheld by the МЭК (partial sanction)


def _configure() -> None:
    """Own database, Redis db and data folder: the other benchmarks wipe theirs."""
    import os

    from bench import common

    common.BENCH_DB = os.environ.get(
        "BENCH_DOCS_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/oms_bench_documents"
    )
    common.BENCH_REDIS = os.environ.get("BENCH_DOCS_REDIS_URL", "redis://127.0.0.1:6379/11")
    os.environ.setdefault("BENCH_DATA_DIR", "/tmp/oms-bench-documents-data")


def _sumv(zap_xml: str) -> Decimal:
    i = zap_xml.index("<SUMV>") + 6
    return Decimal(zap_xml[i : zap_xml.index("<", i)])


def seed_registry(app, pool, n: int, run: int) -> int:
    """A registry «Создан» of ``n`` cases of mo1 paid by СМО 14001, written with COPY."""
    from sqlalchemy import text

    from app.extensions import db
    from app.models.intake import UploadedFile
    from app.models.organisation import Organisation
    from app.models.registry import Registry, RegistryStatusChange

    with app.app_context():
        mo = db.session.query(Organisation).filter_by(code="140001").one()
        smo = db.session.query(Organisation).filter_by(code="14001").one()
        f = UploadedFile(
            organisation_id=mo.id,
            archive_name=f"bench-documents-{run}.zip",
            status="Процесс загрузки завершен",
            year=2026,
            month=10,
            h_name=f"HM140001S14001_2610{run}",
            file_type="H",
            records=n,
        )
        db.session.add(f)
        db.session.flush()
        declared = payable = Decimal("0.00")
        sums = []
        for i in range(n):
            sumv = _sumv(pool[i % POOL][0])
            sump = sumv - 100 if i % SANCTIONED_EVERY == 0 and sumv > 100 else sumv
            sums.append((sumv, sump))
            declared += sumv
            payable += sump
        reg = Registry(
            number=f"140001-2610-{run:03d}",
            organisation_id=mo.id,
            payer_id=smo.id,
            year=2026,
            month=10,
            reg_type="АПП",
            subtype="H",
            status="Создан",
            cases=n,
            sum_declared=declared,
            sum_calc=payable,
        )
        db.session.add(reg)
        db.session.flush()
        db.session.add(RegistryStatusChange(registry_id=reg.id, to_status="Создан", username="bench"))
        db.session.commit()
        reg_id, file_id = reg.id, f.id
        persons = min(PERSONS, n)
        p0 = db.session.execute(text("SELECT coalesce(max(id), 0) FROM patient")).scalar_one()
        c0 = db.session.execute(text("SELECT coalesce(max(id), 0) FROM medical_case")).scalar_one()
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            with cur.copy("COPY patient (id, file_id, organisation_id, id_pac, pers_xml) FROM STDIN") as copy:
                for j in range(persons):  # the PERS text case j (and j + PERSONS, …) uses
                    id_pac = f"B{j:09d}"
                    copy.write_row((p0 + 1 + j, file_id, mo.id, id_pac, pool[j % POOL][1].replace("{id_pac}", id_pac)))
            cols = (
                "id, file_id, organisation_id, patient_id, year, month, file_type, n_zap, idcase, usl_ok, "
                "nonresident, payer_id, sumv, sum_calc, mek_withheld, sump, status, flk_errors, registry_id"
            )
            with cur.copy(f"COPY medical_case ({cols}) FROM STDIN") as copy:
                for i in range(n):
                    sumv, sump = sums[i]
                    copy.write_row(
                        (
                            c0 + 1 + i,
                            file_id,
                            mo.id,
                            p0 + 1 + i % persons,
                            2026,
                            10,
                            "H",
                            str(i + 1),
                            str(i + 1),
                            3,
                            False,
                            smo.id,
                            sumv,
                            sumv,
                            sumv - sump,
                            sump,
                            "В реестре",
                            0,
                            reg_id,
                        )
                    )
            with cur.copy("COPY case_payload (case_id, zap_xml) FROM STDIN") as copy:
                for i, (zap, _pers) in enumerate(cases(pool, n)):
                    copy.write_row((c0 + 1 + i, zap))
            cur.execute("SELECT setval('patient_id_seq', (SELECT max(id) FROM patient))")
            cur.execute("SELECT setval('medical_case_id_seq', (SELECT max(id) FROM medical_case))")
            raw.commit()
        finally:
            raw.close()
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE patient")
            conn.exec_driver_sql("ANALYZE medical_case")
            conn.exec_driver_sql("ANALYZE case_payload")
    return reg_id


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (from /proc): the job's own cost on a shared machine."""
    import os

    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_job(app, reg_id: int, timeout: float = 1800) -> dict:
    """«Отправлен» by the МО user through the workflow service; the seconds until «Сформирован»
    and the peak memory of the one worker process."""
    from app.extensions import db
    from app.models.registry import Registry, RegistryDocument
    from app.models.user import OmsUser
    from app.services.registries.workflow import change_status
    from bench import common

    worker = common.Worker(queues=("documents",))
    try:
        cpu_before = _cpu_seconds(worker.proc.pid)
        with app.app_context():
            user = db.session.query(OmsUser).filter_by(username="mo1_operator").one()
            start = time.perf_counter()
            result = change_status(user, reg_id, "Отправлен")
            assert result.ok, result.message
        while True:
            with app.app_context():
                reg = db.session.get(Registry, reg_id)
                status, error = reg.status, reg.error
            if status != "Отправлен" or error:
                break
            if time.perf_counter() - start > timeout:
                raise TimeoutError(f"registry {reg_id} still «Отправлен» after {timeout} s")
            time.sleep(0.05)
        seconds = time.perf_counter() - start
        cpu = _cpu_seconds(worker.proc.pid) - cpu_before
    finally:
        peak = worker.stop()
    with app.app_context():
        docs = db.session.query(RegistryDocument).filter_by(registry_id=reg_id).all()
        sizes = {d.kind: d.size for d in docs}
    if status != "Сформирован":
        raise RuntimeError(f"the job failed: {status}, {error}")
    return {"seconds": seconds, "cpu": cpu, "peak": peak, "documents": sizes}


def figures(results: list[dict], n: int) -> list[dict]:
    best_s = min(r["seconds"] for r in results)
    best_m = min(r["peak"] for r in results) / 2**20
    return [
        dict(figure=f"documents job, registry of {n:,} cases, s (best of {len(results)})", target=60, measured=best_s),
        dict(figure=f"documents job, {n:,} cases: worker peak memory, MB", target=500, measured=best_m),
    ]


def main(argv=None) -> list[dict]:
    import argparse
    import os

    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--render-only", action="store_true")
    parser.add_argument("cases_pos", nargs="?", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    n = args.cases_pos or args.cases
    if args.render_only:
        render_only(n)
        return []
    _configure()
    from bench import common

    print(
        f"database {common.BENCH_DB}, Redis {common.BENCH_REDIS}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    common.fresh_database()
    app = common.app()
    pool = make_pool()
    results = []
    for run in range(1, args.runs + 1):
        t = time.perf_counter()
        reg_id = seed_registry(app, pool, n, run)
        print(
            f"run {run}: registry of {n:,} cases written in {time.perf_counter() - t:.0f} s "
            f"(load average {os.getloadavg()[0]:.1f})",
            flush=True,
        )
        r = run_job(app, reg_id)
        results.append(r)
        docs = ", ".join(f"{k} {v / 2**20:.1f} MB" for k, v in sorted(r["documents"].items()))
        print(
            f"run {run}: «Отправлен» → «Сформирован» in {r['seconds']:.1f} s (worker CPU {r['cpu']:.1f} s), "
            f"worker peak {r['peak'] / 2**20:.0f} MB ({docs}; load average {os.getloadavg()[0]:.1f})",
            flush=True,
        )
    return figures(results, n)


if __name__ == "__main__":
    rows = main()
    if rows:
        from bench import common

        print(common.table(rows))
