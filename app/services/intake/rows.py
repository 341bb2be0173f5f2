"""Turning a parsed ZAP (and PERS) into database rows: values converted where they are valid,
strings clipped to their columns (a wrong value is a ФЛК error, never a database crash), and the
identity of a case across re-uploads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Optional

from app.formats.fragments import to_xml
from app.formats.record import Node

_MONEY_LIMIT = Decimal("9999999999999.99")


def text(node: Optional[Node], path: str, width: int) -> Optional[str]:
    if node is None:
        return None
    return _clipped(node.get(path), width)


def integer(node: Optional[Node], path: str) -> Optional[int]:
    return _integer(node.get(path) if node is not None else None)


def date(node: Optional[Node], path: str) -> Optional[dt.date]:
    return _date(node.get(path) if node is not None else None)


def money(node: Optional[Node], path: str) -> Optional[Decimal]:
    return _money(node.get(path) if node is not None else None)


def _clipped(value: Optional[str], width: int) -> Optional[str]:
    return value[:width] if value is not None else None


def _integer(value: Optional[str]) -> Optional[int]:
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    return number if -2_000_000_000 < number < 2_000_000_000 else None


def _date(value: Optional[str]) -> Optional[dt.date]:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _money(value: Optional[str]) -> Optional[Decimal]:
    if value is None:
        return None
    try:
        amount = Decimal(value).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None
    return amount if abs(amount) <= _MONEY_LIMIT else None


def _first_texts(node: Optional[Node]) -> dict[str, Optional[str]]:
    """The text of the first child of each tag (as ``node.get(tag)``), found in one pass."""
    texts: dict[str, Optional[str]] = {}
    if node is not None:
        for c in reversed(node.children):
            texts[c.tag] = c.text
    return texts


def person_row(pers: Node) -> dict:
    p = _first_texts(pers)
    return {
        "id_pac": _clipped(p.get("ID_PAC"), 36) or "",
        "fam": _clipped(p.get("FAM"), 40),
        "im": _clipped(p.get("IM"), 40),
        "ot": _clipped(p.get("OT"), 40),
        "w": _integer(p.get("W")),
        "dr": _date(p.get("DR")),
        "snils": _clipped(p.get("SNILS"), 14),
        "doctype": _clipped(p.get("DOCTYPE"), 2),
        "docser": _clipped(p.get("DOCSER"), 10),
        "docnum": _clipped(p.get("DOCNUM"), 20),
        "pers_xml": to_xml(pers),
    }


def case_row(zap: Node) -> dict:
    pac = zap.child("PACIENT")
    zsl = zap.child("Z_SL")
    sl = zsl.child("SL") if zsl is not None else None
    r, p, z, s = _first_texts(zap), _first_texts(pac), _first_texts(zsl), _first_texts(sl)
    row = {
        "n_zap": _clipped(r.get("N_ZAP"), 8),
        "pr_nov": _integer(r.get("PR_NOV")),
        "id_pac": _clipped(p.get("ID_PAC"), 36),
        "vpolis": _integer(p.get("VPOLIS")),
        "spolis": _clipped(p.get("SPOLIS"), 10),
        "npolis": _clipped(p.get("NPOLIS"), 20),
        "enp": _clipped(p.get("ENP"), 16),
        "st_okato": _clipped(p.get("ST_OKATO"), 5),
        "smo": _clipped(p.get("SMO"), 5),
        "novor": _clipped(p.get("NOVOR"), 9),
        "idcase": _clipped(z.get("IDCASE"), 11),
        "usl_ok": _integer(z.get("USL_OK")),
        "vidpom": _integer(z.get("VIDPOM")),
        "for_pom": _integer(z.get("FOR_POM")),
        "lpu": _clipped(z.get("LPU"), 6),
        "date_z_1": _date(z.get("DATE_Z_1")),
        "date_z_2": _date(z.get("DATE_Z_2")),
        "rslt": _integer(z.get("RSLT")),
        "ishod": _integer(z.get("ISHOD")),
        "idsp": _integer(z.get("IDSP")),
        "sumv": _money(z.get("SUMV")),
        "lpu_1": _clipped(s.get("LPU_1"), 8),
        "profil": _integer(s.get("PROFIL")),
        "prvs": _integer(s.get("PRVS")),
        "ds1": _clipped(s.get("DS1"), 10),
        "det": _integer(s.get("DET")),
        "nhistory": _clipped(s.get("NHISTORY"), 50),
    }
    row["identity_key"] = identity_key(row)
    return row


def identity_key(row: dict) -> Optional[str]:
    """The identity of a case across re-exports from the МИС (without the МО, which is its own
    column): the patient (ЕНП, else policy series + number), USL_OK, DATE_Z_1, DATE_Z_2 and the
    NHISTORY of the first SL.  None when the row lacks the patient or the dates."""
    patient = row.get("enp") or "".join(p for p in (row.get("spolis"), row.get("npolis")) if p)
    if not patient or not row.get("date_z_1") or not row.get("date_z_2"):
        return None
    return "|".join(
        str(x)
        for x in (patient, row.get("usl_ok") or "", row.get("date_z_1"), row.get("date_z_2"), row.get("nhistory") or "")
    )[:160]
