"""The official Q015 rows as ФЛК rules: the rule book is data.

``oms import-rules Q015.xml`` stores each row's check columns in the catalogue
(``ControlRule.definition``); a load compiles them once (:func:`compile_row`) into rules under their
own codes, run beside the hand-written rules of :mod:`app.controls.flk` (a code written by hand
wins).  A row that does not compile is reported with the reason and stays off.

* :mod:`.conditions` — the condition language (USL_TEST);
* :mod:`.masks` — length, mask, allowed characters (004F);
* :mod:`.elements` — what a name in a condition points at;
* :mod:`.compiler` — a row → a rule (run by :class:`app.controls.flk.dispatch.Dispatch`);
* :mod:`.newer` — the project's rows for codes newer than the official table.
"""

from app.controls.flk.dispatch import Dispatch
from app.controls.official.compiler import DEFINITION_KEYS, OfficialSpec, compile_row, definition_of
from app.controls.official.elements import NotCompiled

__all__ = ["compile_row", "definition_of", "Dispatch", "OfficialSpec", "NotCompiled", "DEFINITION_KEYS"]
