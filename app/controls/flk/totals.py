"""File-level ФЛК, fed record by record (streaming).

Keeps only what the checks need: a counter, a running Σ SUMV, sets of N_ZAP / IDCASE / SL_ID
(and PERS/ID_PAC), plus the few records whose person could not be looked up yet.

Typical use::

    totals = FileTotals(ctx, header=zl_list_header, person_ids=l_index)   # L indexed first
    for zap in records:
        findings += check_record(zap, l_index.get(id_pac), ctx)
        findings += totals.add(zap)            # duplicates, unknown ID_PAC: now, per record
    findings += totals.finish()                # SD_Z, SUMMAV (+ deferred ID_PAC checks)

Without ``person_ids`` feed the L file with :meth:`add_person` (before or after the records):
the ID_PAC check is then done in :meth:`finish`.
"""

from __future__ import annotations

from typing import Container, Optional

from app.controls.finding import Finding
from app.controls.flk.context import FlkContext
from app.controls.flk.engine import make_finding
from app.controls.flk.registry import Hit, declare
from app.controls.values import ZERO, present, to_dec, to_int, tx
from app.formats.record import Node

SD_Z = declare(
    "006F.00.0110",
    "ZL_LIST/ZGLV/SD_Z",
    "CHTX",
    "Значение поля должно быть равно количеству законченных случаев (Z_SL), включенных в реестр",
    fatal=True,
)
SUMMAV = declare(
    "006F.00.1040",
    "ZL_LIST/SCHET/SUMMAV",
    "CHTX",
    "SUMMAV должна быть равна сумме значений SUMV всех законченных случаев, включенных в счет",
    fatal=True,
)
UNIQUE_N_ZAP = declare("002F.14.0040", "ZL_LIST/ZAP/N_ZAP", "CHTX", "N_ZAP не уникален в файле")
UNIQUE_IDCASE = declare("002F.14.0050", "ZL_LIST/ZAP/Z_SL/IDCASE", "CHTX", "IDCASE не уникален в файле")
UNIQUE_SL_ID = declare("002F.14.0060", "ZL_LIST/ZAP/Z_SL/SL/SL_ID", "CHTX", "SL_ID не уникален в файле")
UNIQUE_IDSERV = declare(
    "002F.14.0070", "ZL_LIST/ZAP/Z_SL/SL/USL/IDSERV", "CHTX", "IDSERV не уникален в пределах случая (SL)"
)
PERSON_FOUND = declare(
    "002F.14.0080", "ZL_LIST/ZAP/PACIENT/ID_PAC", "CHTX", "Пациент (ID_PAC) не найден в L-файле (PERS/ID_PAC)"
)
UNIQUE_PERSON = declare("002F.14.0090", "PERS_LIST/PERS/ID_PAC", "L", "ID_PAC не уникален в L-файле")


class FileTotals:
    """Accumulator of the file-level rules (see the module docstring)."""

    def __init__(self, ctx: FlkContext, header: Optional[Node] = None, person_ids: Optional[Container[str]] = None):
        self.ctx = ctx
        self.header = header
        self.person_ids = person_ids
        active = {s.code for s in ctx.active("file")}
        self._on = active.__contains__
        self.count = 0
        self.sumv = ZERO
        self._sum_ok = True
        self._n_zap: set[str] = set()
        self._idcase: set[str] = set()
        self._sl_id: set[str] = set()
        self._persons: set[str] = set()
        self._pending: list[tuple[str, Optional[str], Optional[str], Optional[int]]] = []
        self.findings: list[Finding] = []

    # -- feeding ---------------------------------------------------------------------------
    def add_person(self, pers: Node) -> list[Finding]:
        """Feed one PERS of the L file; returns the findings about it (duplicate ID_PAC)."""
        out: list[Finding] = []
        node = pers.child("ID_PAC")
        idp = node.text if node is not None else None
        if idp is None:
            return out
        if idp in self._persons:
            if self._on(UNIQUE_PERSON.code):
                out.append(make_finding(UNIQUE_PERSON, Hit(node), self.ctx, default_line=pers.line, id_pac=idp))
        else:
            self._persons.add(idp)
        self.findings.extend(out)
        return out

    def add(self, zap: Node) -> list[Finding]:
        """Feed one ZAP; returns the findings about this record known now."""
        out: list[Finding] = []
        on = self._on
        self.count += 1
        pac = zap.child("PACIENT")
        z = zap.child("Z_SL")
        n_zap_node = zap.child("N_ZAP")
        n_zap = n_zap_node.text if n_zap_node is not None else None
        idcase_node = z.child("IDCASE") if z is not None else None
        idcase = idcase_node.text if idcase_node is not None else None
        id_pac_node = pac.child("ID_PAC") if pac is not None else None
        id_pac = id_pac_node.text if id_pac_node is not None else None
        loc = dict(default_line=zap.line, n_zap=n_zap, idcase=idcase, id_pac=id_pac)

        if n_zap is not None:
            if n_zap in self._n_zap:
                if on(UNIQUE_N_ZAP.code):
                    out.append(make_finding(UNIQUE_N_ZAP, Hit(n_zap_node), self.ctx, **loc))
            else:
                self._n_zap.add(n_zap)
        if idcase is not None:
            if idcase in self._idcase:
                if on(UNIQUE_IDCASE.code):
                    out.append(make_finding(UNIQUE_IDCASE, Hit(idcase_node), self.ctx, **loc))
            else:
                self._idcase.add(idcase)

        if z is not None:
            if self._sum_ok:
                v = to_dec(tx(z, "SUMV"))
                if v is None:
                    self._sum_ok = False
                else:
                    self.sumv += v
            for sl in z.children:
                if sl.tag != "SL":
                    continue
                sid = sl.child("SL_ID")
                if sid is not None and sid.text is not None:
                    if sid.text in self._sl_id:
                        if on(UNIQUE_SL_ID.code):
                            out.append(make_finding(UNIQUE_SL_ID, Hit(sid, sl=sl), self.ctx, **loc))
                    else:
                        self._sl_id.add(sid.text)
                if on(UNIQUE_IDSERV.code):
                    seen: set[str] = set()
                    for u in sl.children:
                        if u.tag != "USL":
                            continue
                        s = u.child("IDSERV")
                        if s is None or s.text is None:
                            continue
                        if s.text in seen:
                            out.append(make_finding(UNIQUE_IDSERV, Hit(s, sl=sl, usl=u), self.ctx, **loc))
                        seen.add(s.text)

        if id_pac is not None and on(PERSON_FOUND.code):
            if self.person_ids is not None:
                if id_pac not in self.person_ids:
                    out.append(make_finding(PERSON_FOUND, Hit(id_pac_node), self.ctx, **loc))
            elif id_pac not in self._persons:
                self._pending.append((id_pac, n_zap, idcase, id_pac_node.line))
        self.findings.extend(out)
        return out

    # -- end of file -----------------------------------------------------------------------
    def finish(self, header: Optional[Node] = None) -> list[Finding]:
        """File-level findings (SD_Z, SUMMAV) and the deferred ID_PAC checks; also appended to
        :attr:`findings` (which then holds everything this accumulator found)."""
        header = header if header is not None else self.header
        out: list[Finding] = []
        if self.person_ids is None and self._on(PERSON_FOUND.code):
            for id_pac, n_zap, idcase, line in self._pending:
                if id_pac not in self._persons:
                    out.append(
                        make_finding(
                            PERSON_FOUND,
                            Hit(value=id_pac),
                            self.ctx,
                            default_line=line,
                            n_zap=n_zap,
                            idcase=idcase,
                            id_pac=id_pac,
                        )
                    )
            self._pending.clear()
        if header is not None:
            zglv, schet = header.child("ZGLV"), header.child("SCHET")
            sd_z = present(zglv, "SD_Z")
            if sd_z is not None and self._on(SD_Z.code):
                declared = to_int(sd_z.text)
                if declared is not None and declared != self.count:
                    out.append(
                        make_finding(
                            SD_Z, Hit(sd_z, detail=f"записей ZAP: {self.count}"), self.ctx, default_line=header.line
                        )
                    )
            summav = present(schet, "SUMMAV")
            if summav is not None and self._sum_ok and self._on(SUMMAV.code):
                declared_sum = to_dec(summav.text)
                if declared_sum is not None and declared_sum != self.sumv:
                    out.append(
                        make_finding(
                            SUMMAV, Hit(summav, detail=f"Σ SUMV={self.sumv}"), self.ctx, default_line=header.line
                        )
                    )
        self.findings.extend(out)
        return out


def check_file_totals(
    header: Node, records, ctx: FlkContext, person_ids: Optional[Container[str]] = None, persons=None
) -> list[Finding]:
    """One-shot helper over an iterable of ZAP nodes (and optionally the PERS nodes or an index
    of ID_PAC): every file-level finding.  Streaming callers use :class:`FileTotals` directly."""
    totals = FileTotals(ctx, header=header, person_ids=person_ids)
    for pers in persons or ():
        totals.add_person(pers)
    for zap in records:
        totals.add(zap)
    totals.finish()
    return totals.findings
