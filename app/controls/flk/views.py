"""Read-only views over the parsed nodes with the values most rules need, converted once.

Missing containers are replaced by an empty node so rules never test for None containers.
"""

from __future__ import annotations

from datetime import date
from typing import Optional

from app.controls.flk.context import FileName, FlkContext, parse_file_name
from app.controls.values import to_date, to_int, tx, values
from app.formats.record import Node

_EMPTY = Node("")


def empty() -> Node:
    return _EMPTY


class HeaderView:
    """ZL_LIST (ZGLV + SCHET) or PERS_LIST (ZGLV) header."""

    __slots__ = ("node", "ctx", "is_l", "zglv", "schet", "filename", "parsed")

    def __init__(self, node: Node, ctx: FlkContext):
        self.node = node
        self.ctx = ctx
        self.is_l = node.tag == "PERS_LIST"
        z = node.child("ZGLV")
        s = node.child("SCHET")
        self.zglv = z if z is not None else _EMPTY
        self.schet = s if s is not None else _EMPTY
        self.filename: Optional[str] = tx(self.zglv, "FILENAME")
        self.parsed: Optional[FileName] = parse_file_name(self.filename)


class RecordView:
    """One ZAP (and the PERS found for its PACIENT/ID_PAC, if any)."""

    __slots__ = (
        "zap",
        "person",
        "ctx",
        "pac",
        "z_sl",
        "sls",
        "n_zap",
        "idcase",
        "id_pac",
        "usl_ok",
        "for_pom",
        "idsp",
        "vpolis",
        "novor",
        "date_z_1",
        "date_z_2",
        "dr",
        "rslt",
        "ishod",
        "_sl_dates",
        "_usl_dates",
        "_person_values",
    )

    def __init__(self, zap: Node, person: Optional[Node], ctx: FlkContext):
        self.zap = zap
        self.person = person
        self.ctx = ctx
        p = zap.child("PACIENT")
        z = zap.child("Z_SL")
        self.pac = p if p is not None else _EMPTY
        self.z_sl = z if z is not None else _EMPTY
        self.sls: list[Node] = self.z_sl.all("SL")
        self.n_zap = tx(zap, "N_ZAP")
        self.idcase = tx(self.z_sl, "IDCASE")
        self.id_pac = tx(self.pac, "ID_PAC")
        self.usl_ok = to_int(tx(self.z_sl, "USL_OK"))
        self.for_pom = to_int(tx(self.z_sl, "FOR_POM"))
        self.idsp = to_int(tx(self.z_sl, "IDSP"))
        self.rslt = to_int(tx(self.z_sl, "RSLT"))
        self.ishod = to_int(tx(self.z_sl, "ISHOD"))
        self.vpolis = to_int(tx(self.pac, "VPOLIS"))
        self.novor = tx(self.pac, "NOVOR")
        self.date_z_1 = to_date(tx(self.z_sl, "DATE_Z_1"))
        self.date_z_2 = to_date(tx(self.z_sl, "DATE_Z_2"))
        self.dr: Optional[date] = to_date(tx(person, "DR")) if person is not None else None
        self._sl_dates = self._usl_dates = None
        self._person_values: dict[str, frozenset] = {}

    @property
    def newborn(self) -> bool:
        """NOVOR given and not "0" (care to a newborn under the representative's policy)."""
        return bool(self.novor) and self.novor != "0"

    def usls(self):
        """(sl, usl) pairs of the case."""
        for sl in self.sls:
            for u in sl.children:
                if u.tag == "USL":
                    yield sl, u

    # several rules ask the same of a record: worked out once, on the first question
    def sl_dates(self) -> list[tuple[Node, Optional[date]]]:
        """(sl, the date of its care: DATE_2, else DATE_Z_2) — reference books are checked on it."""
        if self._sl_dates is None:
            self._sl_dates = [(sl, to_date(tx(sl, "DATE_2")) or self.date_z_2) for sl in self.sls]
        return self._sl_dates

    def usl_dates(self) -> list[tuple[Node, Node, Optional[date]]]:
        """(sl, usl, the date of the service: DATE_OUT, else the date of its SL)."""
        if self._usl_dates is None:
            self._usl_dates = [
                (sl, u, to_date(tx(u, "DATE_OUT")) or on)
                for sl, on in self.sl_dates()
                for u in sl.children
                if u.tag == "USL"
            ]
        return self._usl_dates

    def person_values(self, tag: str) -> frozenset[str]:
        """The non-empty values of the person's ``tag`` elements (DOST, DOST_P)."""
        found = self._person_values.get(tag)
        if found is None:
            found = self._person_values[tag] = frozenset(values(self.person, tag))
        return found


class PersonView:
    """One PERS of the L file."""

    __slots__ = ("node", "ctx", "dr", "id_pac")

    def __init__(self, node: Node, ctx: FlkContext):
        self.node = node
        self.ctx = ctx
        self.dr = to_date(tx(node, "DR"))
        self.id_pac = tx(node, "ID_PAC")
