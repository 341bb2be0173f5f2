"""Fixtures of the registers' tests: the intake fixtures, and the cleaning of the rows a test
writes for its own МО codes (the demo registers of ``oms init-demo`` stay as they are)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from tests.intake.helpers import intake, rule_catalogue  # noqa: F401

# МО codes no demo organisation has: every row a test writes is of these
TEST_MO = ("149901", "149902", "149903")


@pytest.fixture()
def clean_registers(db):
    """Removes the test МО's attachment and licence rows after the test."""
    from app.models.registers import MoAttachment, MoLicence

    yield db
    db.session.rollback()
    db.session.execute(delete(MoAttachment).where(MoAttachment.mo_code.in_(TEST_MO)))
    db.session.execute(delete(MoLicence).where(MoLicence.mo_code.in_(TEST_MO)))
    db.session.commit()
