"""The answer of a user operation: done or refused, with the message the page, the command line
and the API show word for word, and what else the operation has to tell (only what it sets)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any, Optional


class Refusal(StrEnum):
    """Why an operation was refused, for the callers that answer with a code (the REST API)."""

    NOT_FOUND = "not_found"  # no such row in the user's scope
    FORBIDDEN = "forbidden"  # the user may not do this
    CONFLICT = "conflict"  # somebody changed the row meanwhile
    INVALID = "invalid"  # not possible now, or the input is wrong


@dataclass
class Outcome:
    ok: bool
    message: str
    status: Optional[str] = None  # the object's status after the operation (registries)
    registries: Optional[list[dict]] = None  # «Сформировать реестр»: the registries made
    refused_cases: Optional[int] = None  # the payer's МЭК results: cases refused
    reasons: Optional[list[str]] = None  # why a file was refused, one line each
    changed: Optional[int] = None  # rows the operation changed
    refusal: Optional[Refusal] = None  # why it was refused (not shown: the message says it)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ok": self.ok, "message": self.message}
        for f in fields(self)[2:]:
            value = getattr(self, f.name)
            if value is not None and f.name != "refusal":
                out[f.name] = value
        return out

    @classmethod
    def refused(cls, message: str, **extra: Any) -> "Outcome":
        return cls(False, message, **extra)

    @classmethod
    def done(cls, message: str, **extra: Any) -> "Outcome":
        return cls(True, message, **extra)
