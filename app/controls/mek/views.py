"""The case as the МЭК rules see it: the loaded ZAP (parsed once), the patient's sex and birth
date from the L file, and the result of the ЕРЗ identification."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Optional

from app.controls.values import age_on, to_date, to_int, tx
from app.formats.record import Node

_EMPTY = Node("")


class MekCase:
    __slots__ = (
        "case_id",
        "zap",
        "pac",
        "z_sl",
        "sls",
        "n_zap",
        "idcase",
        "id_pac",
        "usl_ok",
        "vidpom",
        "for_pom",
        "rslt",
        "ishod",
        "idsp",
        "novor",
        "date_z_1",
        "date_z_2",
        "sumv",
        "w",
        "dr",
        "doctype",
        "erz_found_by",
        "policy_check",
        "nonresident",
        "death_date",
        "calc",
        "_ages",
    )

    def __init__(
        self,
        zap: Node,
        *,
        case_id: Optional[int] = None,
        sumv: Optional[Decimal] = None,
        w: Optional[int] = None,
        dr: Optional[date] = None,
        doctype: Optional[int] = None,
        erz_found_by: Optional[str] = None,
        policy_check: Optional[str] = None,
        nonresident: Optional[bool] = None,
        death_date: Optional[date] = None,
        calc=None,
    ):
        self.case_id = case_id
        self.zap = zap
        p, z = zap.child("PACIENT"), zap.child("Z_SL")
        self.pac = p if p is not None else _EMPTY
        self.z_sl = z if z is not None else _EMPTY
        self.sls: list[Node] = self.z_sl.all("SL")
        self.n_zap = tx(zap, "N_ZAP")
        self.idcase = tx(self.z_sl, "IDCASE")
        self.id_pac = tx(self.pac, "ID_PAC")
        self.usl_ok = to_int(tx(self.z_sl, "USL_OK"))
        self.vidpom = to_int(tx(self.z_sl, "VIDPOM"))
        self.for_pom = to_int(tx(self.z_sl, "FOR_POM"))
        self.rslt = to_int(tx(self.z_sl, "RSLT"))
        self.ishod = to_int(tx(self.z_sl, "ISHOD"))
        self.idsp = to_int(tx(self.z_sl, "IDSP"))
        self.novor = tx(self.pac, "NOVOR")
        self.date_z_1 = to_date(tx(self.z_sl, "DATE_Z_1"))
        self.date_z_2 = to_date(tx(self.z_sl, "DATE_Z_2"))
        self.sumv = sumv
        self.w = w
        self.dr = dr
        self.doctype = doctype  # PERS/DOCTYPE of the L file (F011)
        self.erz_found_by = erz_found_by
        self.policy_check = policy_check
        self.nonresident = nonresident
        self.death_date = death_date
        self.calc = calc
        self._ages: Optional[dict] = None

    def age_on(self, day: Optional[date]) -> Optional[int]:
        """Full years on ``day`` (remembered: the rules ask for the same few days again and again)."""
        ages = self._ages
        if ages is None:
            ages = self._ages = {}
        elif day in ages:
            return ages[day]
        a = ages[day] = age_on(self.dr, day)
        return a

    def usls(self):
        for sl in self.sls:
            for u in sl.children:
                if u.tag == "USL":
                    yield sl, u
