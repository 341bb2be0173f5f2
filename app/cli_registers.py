"""``flask oms …`` commands of the registers of the МО attachment of the insured and of the МО licences."""

from __future__ import annotations

from flask.cli import AppGroup


def register(group: AppGroup) -> None:
    """Add this module's commands to ``group``."""
