"""МЭК on the profile (PROFIL) and the specialty (PRVS) against the patient and the kind of care."""

from __future__ import annotations
