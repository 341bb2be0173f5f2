"""Fixtures of the «Аналитика» tests: the uploads of tests/intake (real archives through the real
pipeline), and the direct count the kept figures are compared with (tests/analytics/oracle.py)."""

from tests.intake.helpers import intake  # noqa: F401
