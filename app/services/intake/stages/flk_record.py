"""The ФЛК of one record: structure, the Q015 rules (with the person of the L file), the case row
and the fragment stored for it."""
from __future__ import annotations

from typing import Optional

from app.controls.flk import FlkContext, check_record
from app.formats.fast_fragments import parse_fragment
from app.formats.fragments import to_xml
from app.formats.structure import StructureChecker
from app.services.intake.rows import case_row


class RecordChecker:
    def __init__(self, definition, ctx: Optional[FlkContext]):
        self.structure = StructureChecker(definition)
        self.ctx = ctx

    def check(self, zap, reader_findings, pers_xml: Optional[str]):
        """(findings, case row, stored fragment) of one ZAP."""
        found = list(reader_findings) + self.structure.record(zap)
        if self.ctx is not None:
            person = parse_fragment(pers_xml, lines=True) if pers_xml else None   # as from_xml gives it
            found += check_record(zap, person, self.ctx)
        return found, case_row(zap), to_xml(zap)
