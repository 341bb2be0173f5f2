"""A demo month: files loaded (one with ФЛК and МЭК errors, one re-uploaded corrected), registries
formed and walked through the workflow — one closed after its four signatures, one returned «На
доработку» with the СМО's МЭК results (a refused case and a partial withholding), one «Сформирован»,
the rest «Создан».  So a newcomer's first look (`make run`) and the page crawl of the tests see
every kind of row.  Everything goes through the services, as the users' actions would; the jobs
run in the calling process.  Running it again when files exist does nothing."""

from __future__ import annotations

import datetime as dt
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Mapping, Optional, Union

from flask import current_app
from lxml import etree
from sqlalchemy import select

from app.demo.files import write_archive
from app.extensions import db
from app.models.intake import UploadedFile
from app.models.registry import Registry, RegistryDocument
from app.models.user import OmsUser
from app.models.vocabulary import RegistryStatus

Decision = Union[str, Decimal]  # "refuse" (OPLATA 2) or the sum withheld (OPLATA 3)


def _user(login: str) -> OmsUser:
    return db.session.execute(select(OmsUser).filter_by(username=login)).scalar_one()


def _load(path: Path, login: str) -> UploadedFile:
    from app.services.intake.pipeline import load_file
    from app.services.intake.uploads import IncomingArchive, accept_archives

    with open(path, "rb") as fh:
        row = accept_archives(_user(login), [IncomingArchive(path.name, fh)], run_job=False)[0]
    load_file(row.id, in_parts=False)
    db.session.expire_all()
    return db.session.get(UploadedFile, row.id)


def payer_results(registry_id: int, out: Path, decisions: Mapping[int, Decision]) -> Path:
    """The payer's МЭК results for a registry's file: ``decisions`` maps the position of a case
    (0-based) to ``"refuse"`` (OPLATA 2) or a Decimal withheld (OPLATA 3, a partial sanction); the
    other cases are paid (OPLATA 1)."""
    doc = db.session.query(RegistryDocument).filter_by(registry_id=registry_id, kind="registry_file").one()
    with zipfile.ZipFile(doc.path) as zf:
        h_name = next(n for n in zf.namelist() if n.startswith("H"))
        root = etree.fromstring(zf.read(h_name))
    for i, zsl in enumerate(root.iter("Z_SL")):
        sumv = Decimal(zsl.findtext("SUMV"))
        decision = decisions.get(i)
        withheld = sumv if decision == "refuse" else (decision or Decimal("0.00"))
        oplata = "2" if decision == "refuse" else ("3" if decision else "1")
        at = list(zsl).index(zsl.find("SUMV")) + 1
        for offset, (tag, value) in enumerate((("OPLATA", oplata), ("SUMP", f"{sumv - withheld:.2f}"))):
            el = etree.Element(tag)
            el.text = value
            zsl.insert(at + offset, el)
        if decision:
            sank = etree.SubElement(zsl, "SANK")
            for tag, value in (
                ("S_CODE", str(i + 1)),
                ("S_SUM", f"{withheld:.2f}"),
                ("S_TIP", "1"),
                ("S_OSN", "5.2.4" if decision == "refuse" else "5.3.1"),
                ("DATE_ACT", "2019-12-20"),
                ("NUM_ACT", "МЭК-7"),
                ("S_COM", "по акту"),
                ("S_IST", "1"),
            ):
                etree.SubElement(sank, tag).text = value
            etree.SubElement(zsl, "SANK_IT").text = f"{withheld:.2f}"
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(h_name, etree.tostring(root, xml_declaration=True, encoding="windows-1251"))
    return out


def _move(login: str, registry_id: int, *targets: str, comment: Optional[str] = None) -> None:
    from app.services.registries.workflow import change_status

    for target in targets:
        result = change_status(_user(login), registry_id, target, comment=comment)
        if not result.ok:
            raise RuntimeError(f"демо-месяц: {login} → «{target}»: {result.message}")


def _sign(login: str, registry_id: int) -> bool:
    from app.services.signing.registry_signing import sign_with_pkcs12

    p12 = Path(current_app.config["DEMO_PKI_DIR"]) / f"{login}.p12"
    if not p12.exists():  # GOST demo keys: signed with .sig files or the provider, not here
        return False
    result = sign_with_pkcs12(_user(login), registry_id, p12.read_bytes(), current_app.config["DEMO_PASSWORD"])
    if not result.ok:
        raise RuntimeError(f"демо-месяц: подпись {login}: {result.message}")
    return True


def _mek_results(registry_id: int, workdir: Path, decisions: Mapping[int, Decision]) -> None:
    from app.services.registries.mek_results import load_results

    reg = db.session.get(Registry, registry_id)
    payer = "smo1_specialist" if reg.payer.code == "14001" else "smo2_specialist"
    result = load_results(_user(payer), registry_id, payer_results(registry_id, workdir / f"{reg.id}.zip", decisions))
    if not result.ok:
        raise RuntimeError(f"демо-месяц: результаты МЭК: {result.message}")


def build_demo_month(
    year: Optional[int] = None, month: Optional[int] = None, cases: int = 40, only_once: bool = True
) -> dict:
    """Load, form and walk the demo month (the month before today by default); returns a summary.
    ``only_once``: nothing when some file is loaded already (`make run` again)."""
    if only_once and db.session.execute(select(UploadedFile.id).limit(1)).first() is not None:
        return {"skipped": "файлы уже загружены"}
    from app.services.registries.formation import form_registries

    today = dt.date.today()
    if year is None or month is None:
        first = today.replace(day=1) - dt.timedelta(days=1)
        year, month = first.year, first.month
    period = f"{year}-{month:02d}"
    saved_mode = current_app.config["JOBS_MODE"]
    current_app.config["JOBS_MODE"] = "sync"
    try:
        with tempfile.TemporaryDirectory(prefix="oms-demo-month-") as tmp:
            work = Path(tmp)
            first_try = write_archive(work / "1", cases=cases, error_rate=0.15, seed=11, year=year, month=month)
            _load(first_try.path, "mo1_operator")
            corrected = write_archive(work / "2", cases=cases, error_rate=0.0, seed=11, year=year, month=month)
            _load(corrected.path, "mo1_operator")
            other = write_archive(work / "3", mo="140002", cases=cases // 2, seed=12, year=year, month=month)
            _load(other.path, "mo2_operator")
            formed = form_registries(_user("mo1_operator"), period, "АПП")
            second = form_registries(_user("mo2_operator"), period, "АПП").registries or []
            by_payer = {r["payer"]: r["id"] for r in (formed.registries or [])}
            closed, returned = by_payer.get("14001"), by_payer.get("14002")
            if closed:
                _move("mo1_operator", closed, RegistryStatus.SENT)
                _move("smo1_specialist", closed, RegistryStatus.TAKEN)
                _mek_results(closed, work, {0: "refuse", 1: Decimal("100.00")})
                _move("smo1_specialist", closed, RegistryStatus.MO_SIGNING)
                if all(_sign(login, closed) for login in ("mo1_executor", "mo1_accountant", "mo1_head")):
                    _sign("smo1_signer", closed)
            if returned:
                _move("mo1_operator", returned, RegistryStatus.SENT)
                _move("smo2_specialist", returned, RegistryStatus.TAKEN)
                _mek_results(returned, work, {0: "refuse"})
                _move("smo2_specialist", returned, RegistryStatus.REWORK, comment="Исправьте отказанный случай")
            if second:  # the documents made, waiting for the СМО
                _move("mo2_operator", second[0]["id"], RegistryStatus.SENT)
    finally:
        current_app.config["JOBS_MODE"] = saved_mode
    db.session.expire_all()
    statuses = db.session.execute(select(Registry.number, Registry.status).order_by(Registry.id)).all()
    return {"period": period, "files": db.session.query(UploadedFile).count(), "registries": dict(statuses)}
