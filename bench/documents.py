"""Hand-run benchmark: every document of a registry of 100,000 cases (not a test; prints figures).

    cd /work/main && .venv/bin/python bench/documents.py [cases]

Target (issue «Текущие реестры», Speed): the documents of a registry of 100,000 cases in ≤ 60 s
with memory ≤ 500 MB. Measured in one process, one core, as the registry job would run them:

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

from app.documents import (Party, Refusal, RegistryDocData, case_row_xml, render_invoice,  # noqa: E402
                           render_mek_act, render_registry_list, render_summary)
from app.formats.fragments import to_xml  # noqa: E402
from app.registry_files import write_registry_pair  # noqa: E402
from app.services import demo_files as df  # noqa: E402
from app.services.demo_people import demo_person  # noqa: E402

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
        pers = to_xml(df.pers_node(p, DSCHET)).replace(f"<ID_PAC>{p.id_pac}</ID_PAC>",
                                                          "<ID_PAC>{id_pac}</ID_PAC>", 1)
        pool.append((z, pers))
    return pool


def cases(pool, n):
    """The i-th case: pool item i % POOL, person i % PERSONS (the same PERS text each time)."""
    for i in range(n):
        z, p = pool[i % POOL]
        id_pac = f"B{i % PERSONS:09d}"
        yield (z.replace("{idcase}", str(i + 1)).replace("{id_pac}", id_pac)
               .replace("{sl_id}", f"{i:08d}-0000-4000-8000-000000000000"),
               p.replace("{id_pac}", id_pac))


def main(n: int = 100_000) -> None:
    print(f"baseline peak RSS (interpreter + imports): {peak_mb():.0f} MB")
    pool = make_pool()
    t = time.perf_counter()
    total = Decimal("0")
    for z, _ in cases(pool, n):
        i = z.index("<SUMV>") + 6
        total += Decimal(z[i:z.index("<", i)])
    gen = time.perf_counter() - t
    print(f"input: {n} cases generated in {gen:.1f} s (a database cursor's share; not counted below)")

    mo = Party(name="ГБУ РС(Я) «Якутская городская клиническая больница»", short_name="ЯГКБ",
               code="140001", inn="1435028701", kpp="143501001", ogrn="1021401047799",
               address="677005, г. Якутск, ул. Стадухина, 81", bank_details="р/с 03224643980000001600, БИК 019805001",
               head_name="Николаев Н. С.", accountant_name="Попова С. В.")
    smo = Party(name="АО «Страховая компания «Сахамедстрах»", code="14001", inn="1435078433",
                kpp="143501001", head_name="Егоров А. П.")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        everything = Step().__enter__()
        with Step() as step:
            pair = write_registry_pair(Path(tmp), mo_code="140001", payer_kind="S", payer_code="14001",
                                       year=2026, month=10, number=1, nschet="101", dschet=DSCHET,
                                       cases=cases(pool, n))
        results.append(("registry file (H+L+ZIP)", step,
                        f"{pair.cases} ZAP, {pair.persons} PERS, ZIP {pair.zip_path.stat().st_size / 1e6:.1f} MB"))
        assert pair.summav == total, (pair.summav, total)

        doc = RegistryDocData(number="101", date=DSCHET, year=2026, month=10, mo=mo, payer=smo,
                              registry_type="АПП", registry_subtype="H — основной", file_name=pair.name,
                              cases=lambda: (case_row_xml(z, p) for z, p in cases(pool, n)),
                              executor_name="Кузьмина О. Н.", payer_signer_name="Васильева Т. И.")
        for title, render in (("«Реестр счета»", render_registry_list), ("«Счет»", render_invoice),
                              ("«Сводный реестр»", render_summary)):
            with Step() as step:
                data = render(doc)
            results.append((title, step, f"{len(data) / 1024:.0f} KB"))

        refused = (Refusal(n_zap=i + 1, idcase=i + 1, fam="Иванов", im="Иван", ot="Иванович",
                           birth_date=dt.date(1980, 1, 1), code="5.2.1",
                           reason="Полис ОМС недействителен на дату оказания помощи",
                           withheld=Decimal("1520.00"), case_amount=Decimal("1520.00"),
                           control="003K.00.0570") for i in range(0, n, 20))
        with Step() as step:
            data = render_mek_act(doc, refused)
        results.append(("«Акт МЭК»", step, f"{n // 20} refusals, {len(data) / 1024:.0f} KB"))
        everything.__exit__(None, None, None)

    for title, step, note in results:
        print(f"  {title:<26} {step.wall:6.1f} s (CPU {step.cpu:5.1f} s)   {note}")
    peak = peak_mb()
    print(f"documents of a registry of {n} cases: {everything.wall:.1f} s (CPU {everything.cpu:.1f} s; "
          f"target ≤ 60 s), peak RSS {peak:.0f} MB (target ≤ 500 MB)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
