"""The payer's МЭК results file: belongs to the registry, keeps the Q016 sums, or is refused
with nothing changed; refusals recorded, «Акт МЭК» made, then «На доработку»."""

from __future__ import annotations

import json
import zipfile
from decimal import Decimal
from pathlib import Path

from lxml import etree

from app.extensions import db
from app.models.registry import Registry, RegistryDocument, RegistryRefusal
from app.services.registries import workflow as wf
from app.services.registries.formation import form_registries
from app.services.registries.mek_results import load_results
from tests.registries.helpers import demo, load, user


def _taken_registry(app, tmp_path, month):
    app.config["JOBS_MODE"] = "sync"
    load(demo(tmp_path, seed=980 + month, cases=30, year=2025, month=month + 8).path)
    result = form_registries(user("mo1_operator"), f"2025-{month + 8:02d}", "АПП")
    reg_id = next(r["id"] for r in result.registries if r["payer"] == "14001")
    assert wf.change_status(user("mo1_operator"), reg_id, "Отправлен").ok
    assert wf.change_status(user("smo1_specialist"), reg_id, "Выгружен").ok
    return reg_id


def _results(reg_id, out: Path, *, refuse_first=True, break_sums=False) -> Path:
    """The registry file back from the СМО: the first case refused in full, the others paid."""
    doc = db.session.query(RegistryDocument).filter_by(registry_id=reg_id, kind="registry_file").one()
    with zipfile.ZipFile(doc.path) as zf:
        h_name = next(n for n in zf.namelist() if n.startswith("H"))
        root = etree.fromstring(zf.read(h_name))
    assert root.findtext("ZGLV/VERSION") == "5.1"  # the registry file is in the version of its period
    assert root.find("ZAP/PACIENT/SOC") is not None  # with the elements of 5.x the cases were loaded with
    for i, zsl in enumerate(root.iter("Z_SL")):
        sumv = Decimal(zsl.findtext("SUMV"))
        refused = refuse_first and i == 0
        idsp_pos = list(zsl).index(zsl.find("SUMV")) + 1
        items = [
            ("OPLATA", "2" if refused else "1"),
            ("SUMP", "0.00" if refused else ("1.00" if break_sums and i == 1 else f"{sumv:.2f}")),
        ]
        for offset, (tag, text) in enumerate(items):
            el = etree.Element(tag)
            el.text = text
            zsl.insert(idsp_pos + offset, el)
        if refused:
            sank = etree.SubElement(zsl, "SANK")
            for tag, text in (
                ("S_CODE", "1"),
                ("S_SUM", f"{sumv:.2f}"),
                ("S_TIP", "1"),
                ("S_OSN", "5.2.4"),
                ("DATE_ACT", "2026-01-20"),
                ("NUM_ACT", "МЭК-1"),
                ("S_COM", "полис недействителен"),
                ("S_IST", "1"),
            ):
                etree.SubElement(sank, tag).text = text
            etree.SubElement(zsl, "SANK_IT").text = f"{sumv:.2f}"
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(h_name, etree.tostring(root, xml_declaration=True, encoding="windows-1251"))
    return out


def test_wrong_results_are_refused_and_change_nothing(app_ctx, tmp_path):
    reg_id = _taken_registry(app_ctx, tmp_path, 1)
    bad = _results(reg_id, tmp_path / "bad" / "r.zip", break_sums=True)
    result = load_results(user("smo1_specialist"), reg_id, bad)
    assert not result.ok and any("003K.00.0240" in r for r in result.reasons)
    assert db.session.query(RegistryRefusal).filter_by(registry_id=reg_id).count() == 0
    reg = db.session.get(Registry, reg_id)
    assert reg.mek_refused == 0 and reg.mek_loaded_at is None
    # «На доработку» needs the results file first
    assert not wf.change_status(user("smo1_specialist"), reg_id, "На доработку").ok
    # a file of another registry is refused too
    other = _taken_registry(app_ctx, tmp_path / "o", 2)
    wrong = _results(other, tmp_path / "wrong" / "r.zip")
    refused = load_results(user("smo1_specialist"), reg_id, wrong)
    assert not refused.ok and any("не совпадает" in r for r in refused.reasons)


def test_results_record_refusals_make_the_act_and_allow_rework(app_ctx, tmp_path):
    reg_id = _taken_registry(app_ctx, tmp_path, 3)
    good = _results(reg_id, tmp_path / "good" / "r.zip")
    assert not load_results(user("mo1_operator"), reg_id, good).ok  # only the payer
    result = load_results(user("smo1_specialist"), reg_id, good)
    assert result.ok and result.refused_cases == 1
    refusal = db.session.query(RegistryRefusal).filter_by(registry_id=reg_id).one()
    assert refusal.codes == "5.2.4" and refusal.oplata == 2 and refusal.sump == 0
    assert db.session.get(Registry, reg_id).mek_refused == 1
    act = db.session.query(RegistryDocument).filter_by(registry_id=reg_id, kind="mek_act").one()
    from docx import Document

    text = "\n".join(p.text for p in Document(act.path).paragraphs)
    assert "медико-экономического контроля" in text.lower()
    assert wf.change_status(user("smo1_specialist"), reg_id, "На доработку", comment="снят случай").ok


def test_cli_mek_results(app, tmp_path):
    with app.app_context():
        reg_id = _taken_registry(app, tmp_path, 4)
        good = _results(reg_id, tmp_path / "g" / "r.zip")
    result = app.test_cli_runner().invoke(
        args=["oms", "mek-results", str(reg_id), str(good), "--user", "smo1_specialist"]
    )
    data = json.loads(result.output)
    assert data["ok"] and data["refused_cases"] == 1
    shown = json.loads(
        app.test_cli_runner().invoke(args=["oms", "registry-show", str(reg_id), "--user", "mo1_operator"]).output
    )
    assert shown["mek_refused"] == 1 and any(d["name"].startswith("Акт_МЭК") for d in shown["documents"])
