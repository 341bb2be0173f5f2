"""Fixtures of the intake tests (shared with tests/hostile): see tests/intake/helpers.py."""

from tests.intake.helpers import intake  # noqa: F401
