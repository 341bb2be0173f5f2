"""Turning a parsed ZAP (and PERS) into database rows: values converted where they are valid,
strings clipped to their columns (a wrong value is a ФЛК error, never a database crash)."""
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
    value = node.get(path)
    return value[:width] if value is not None else None


def integer(node: Optional[Node], path: str) -> Optional[int]:
    value = node.get(path) if node is not None else None
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    return number if -2_000_000_000 < number < 2_000_000_000 else None


def date(node: Optional[Node], path: str) -> Optional[dt.date]:
    value = node.get(path) if node is not None else None
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def money(node: Optional[Node], path: str) -> Optional[Decimal]:
    value = node.get(path) if node is not None else None
    if value is None:
        return None
    try:
        amount = Decimal(value).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None
    return amount if abs(amount) <= _MONEY_LIMIT else None


def person_row(pers: Node) -> dict:
    return {
        "id_pac": text(pers, "ID_PAC", 36) or "",
        "fam": text(pers, "FAM", 40), "im": text(pers, "IM", 40), "ot": text(pers, "OT", 40),
        "w": integer(pers, "W"), "dr": date(pers, "DR"), "snils": text(pers, "SNILS", 14),
        "doctype": text(pers, "DOCTYPE", 2), "docser": text(pers, "DOCSER", 10),
        "docnum": text(pers, "DOCNUM", 20), "pers_xml": to_xml(pers),
    }


def case_row(zap: Node) -> dict:
    pac = zap.child("PACIENT")
    zsl = zap.child("Z_SL")
    sl = zsl.child("SL") if zsl is not None else None
    row = {
        "n_zap": text(zap, "N_ZAP", 8), "pr_nov": integer(zap, "PR_NOV"),
        "id_pac": text(pac, "ID_PAC", 36), "vpolis": integer(pac, "VPOLIS"),
        "spolis": text(pac, "SPOLIS", 10), "npolis": text(pac, "NPOLIS", 20),
        "enp": text(pac, "ENP", 16), "st_okato": text(pac, "ST_OKATO", 5), "smo": text(pac, "SMO", 5),
        "novor": text(pac, "NOVOR", 9),
        "idcase": text(zsl, "IDCASE", 11), "usl_ok": integer(zsl, "USL_OK"),
        "vidpom": integer(zsl, "VIDPOM"), "for_pom": integer(zsl, "FOR_POM"),
        "lpu": text(zsl, "LPU", 6), "date_z_1": date(zsl, "DATE_Z_1"), "date_z_2": date(zsl, "DATE_Z_2"),
        "rslt": integer(zsl, "RSLT"), "ishod": integer(zsl, "ISHOD"), "idsp": integer(zsl, "IDSP"),
        "sumv": money(zsl, "SUMV"),
        "lpu_1": text(sl, "LPU_1", 8), "profil": integer(sl, "PROFIL"), "prvs": integer(sl, "PRVS"),
        "ds1": text(sl, "DS1", 10), "det": integer(sl, "DET"), "nhistory": text(sl, "NHISTORY", 50),
    }
    from app.services.case_versions import identity_key

    row["identity_key"] = identity_key(row)
    return row
