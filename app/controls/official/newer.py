"""Rows for the Q015 codes newer than the official table the system knows (v2.2), written by the
project in the table's own columns and run by the same interpreter as an imported row.

A public ФЛК checker of 2026 lists these codes with a one-line message and nothing else — no
element, no condition.  A row is here only where the message names the element, the book or the
value without doubt; ``oms sync-rules`` stores each in «Правила контроля» (source «medflk») unless
an imported Q015 already defines the code, and a later import of a Q015 that has the row replaces
ours with the official one.  The codes of that list the system does not run, and why, are in the
README («The official rule book is data»).
"""

from __future__ import annotations

#: source of a catalogue row that comes from this table
SOURCE = "medflk"

NEWER_ROWS: tuple[dict, ...] = (
    # F032, the register of МО that succeeds F003: the F032 twins of 001F.00.0360/0370 (a code of a
    # МО missing from F032 is found only where the fund loaded F032: a book not loaded is not checked)
    {
        "code": "001F.00.0361",
        "element": "ZL_LIST/ZAP/Z_SL/SL/NAZ/NAPR_MO",
        "file_types": "X",
        "message": "Код МО в назначении NAPR_MO должен быть найден в справочнике F032",
        "nsi_obj": "F032",
        "nsi_el": "mcod",
    },
    {
        "code": "001F.00.0371",
        "element": "ZL_LIST/ZAP/Z_SL/SL/NAPR/NAPR_MO",
        "file_types": "CT",
        "message": "Код МО в направлении NAPR_MO должен быть найден в справочнике F032",
        "nsi_obj": "F032",
        "nsi_el": "mcod",
    },
    # 5.x: the specialty of each medical worker of a service (MR_USL_N/PRVS), where 3.x had USL/PRVS
    # (001F.00.0661)
    {
        "code": "001F.00.0663",
        "element": "ZL_LIST/ZAP/Z_SL/SL/USL/MR_USL_N/PRVS",
        "file_types": "CHT",
        "message": "Специальность медработника в услуге должна быть найдена в справочнике V021",
        "nsi_obj": "V021",
        "nsi_el": "IDSPEC",
    },
)
