"""``GET /health`` (no login): the database, Redis and the live workers as JSON; 503 when one is down."""

from __future__ import annotations

from flask import Blueprint, jsonify

from app.services.health import health_report

health = Blueprint("health", __name__)


@health.route("/health")
def health_check():
    report, ok = health_report()
    return jsonify(report), (200 if ok else 503)
