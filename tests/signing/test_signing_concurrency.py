"""Two signings of the same registry at the same moment (PostgreSQL): the row lock and the unique
(registry, role) let exactly one through."""

from __future__ import annotations

import threading

import pytest

from app.extensions import db
from app.models.signing import RegistrySigning
from app.services.signing import registry_signing as signing
from tests.registries.helpers import user
from tests.signing.helpers import PASS, make_test_pki, registry_for_signing, status


def test_the_same_role_signing_twice_at_once(app, tmp_path):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("concurrent transactions are tested on PostgreSQL (CI sets TEST_DATABASE_URL)")
        test_pki = make_test_pki()
        reg_id = registry_for_signing(tmp_path)
        p12 = test_pki.p12("mo1_executor")
    results, barrier = [], threading.Barrier(2)

    def sign():
        with app.app_context():
            barrier.wait()
            results.append(signing.sign_with_pkcs12(user("mo1_executor"), reg_id, p12, PASS))

    threads = [threading.Thread(target=sign) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(r.ok for r in results) == [False, True], [r.message for r in results]
    with app.app_context():
        assert db.session.query(RegistrySigning).filter_by(registry_id=reg_id).count() == 1
        assert status(reg_id) == "На подпись МО"
