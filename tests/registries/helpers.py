"""Loading demo archives through the real pipeline for the registry tests."""

from __future__ import annotations

from pathlib import Path

from app.demo.files import write_archive
from app.extensions import db
from app.models.intake import UploadedFile
from app.models.user import OmsUser
from app.services.intake.pipeline import load_file
from app.services.intake.uploads import IncomingArchive, accept_archives


def user(login: str) -> OmsUser:
    return db.session.query(OmsUser).filter_by(username=login).one()


def load(archive_path: Path, login: str = "mo1_operator", name: str | None = None) -> UploadedFile:
    """Upload and load synchronously (call inside an app context); returns the fresh file row."""
    with open(archive_path, "rb") as fh:
        row = accept_archives(user(login), [IncomingArchive(name or archive_path.name, fh)], run_job=False)[0]
    load_file(row.id)
    db.session.expire_all()
    return db.session.get(UploadedFile, row.id)


def demo(tmp: Path, **kw):
    kw.setdefault("cases", 30)
    return write_archive(tmp, **kw)


def results_file(registry_id: int, out: Path, decisions: dict) -> Path:
    """The payer's МЭК results for a registry's file (call inside an app context): ``decisions``
    maps the position of a case (0-based) to ``"refuse"`` (OPLATA 2) or a Decimal withheld
    (OPLATA 3, a partial sanction); the other cases are paid (OPLATA 1)."""
    import zipfile
    from decimal import Decimal

    from lxml import etree

    from app.models.registry import RegistryDocument

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
