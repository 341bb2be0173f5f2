"""One control finding (a ФЛК or МЭК error) pointing to its exact place."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Optional

STAGE_FLK = "ФЛК"
STAGE_MEK = "МЭК"


@dataclass(slots=True)
class Finding:
    code: str  # rule code: Q015/Q016 ID_TEST (003F.00.0400) or regional
    comment: str  # message for people (COMMENT of FLK_P)
    element: Optional[str] = None  # IM_POL: name of the element with the error
    base_element: Optional[str] = None  # BAS_EL: its parent element
    n_zap: Optional[str] = None
    idcase: Optional[str] = None
    sl_id: Optional[str] = None
    idserv: Optional[str] = None
    id_pac: Optional[str] = None
    value: Optional[str] = None  # the wrong value as found in the file
    line: Optional[int] = None  # source line in the XML file
    file_kind: str = "H"  # "H" (cases file, any type letter) or "L" (personal data)
    stage: str = STAGE_FLK
    fatal: bool = False  # file-level error: no case of the file can be accepted
    hint: Optional[str] = None  # for the МО operator (the rule's hint; not in FLK_P, which is official)

    def as_dict(self) -> dict:
        return asdict(self)
