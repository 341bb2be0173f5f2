"""The answer of a user operation: done or refused, with the message the page, the command line
and the API show word for word."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Outcome:
    ok: bool
    message: str

    def as_dict(self) -> dict:
        return {"ok": self.ok, "message": self.message}
