"""``oms sign`` and ``oms verify``: the same service and checks, JSON out."""

from __future__ import annotations

import json

import pytest

from app.services.registries.documents import documents_of
from app.signing.providers import Pkcs12Signer
from tests.signing.helpers import PASS, make_test_pki, registry_for_signing


@pytest.fixture(scope="module")
def test_pki(app):
    with app.app_context():
        return make_test_pki()


def _run(app, *args, env=None):
    result = app.test_cli_runner().invoke(args=["oms", *args], env=env or {})
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


def test_sign_with_pkcs12_then_sig_dir_then_verify(app, tmp_path, test_pki):
    with app.app_context():
        reg_id = registry_for_signing(tmp_path)
        docs = [(d.file_name, open(d.path, "rb").read()) for d in documents_of(reg_id)]
    p12 = tmp_path / "executor.p12"
    p12.write_bytes(test_pki.p12("mo1_executor"))
    out = _run(
        app,
        "sign",
        str(reg_id),
        "--user",
        "mo1_executor",
        "--pkcs12",
        str(p12),
        "--passphrase-env",
        "OMS_TEST_P12",
        env={"OMS_TEST_P12": PASS},
    )
    assert out["ok"] is True and out["status"] == "На подпись МО", out
    refused = _run(
        app,
        "sign",
        str(reg_id),
        "--user",
        "mo1_head",
        "--pkcs12",
        str(p12),
        "--passphrase-env",
        "OMS_TEST_P12",
        env={"OMS_TEST_P12": PASS},
    )
    assert refused["ok"] is False and "Главный бухгалтер" in refused["message"]
    sig_dir = tmp_path / "sigs"
    sig_dir.mkdir()
    signer = Pkcs12Signer(test_pki.p12("mo1_accountant"), PASS)
    for name, content in docs:
        (sig_dir / f"{name}.sig").write_bytes(signer.sign(content))
    out = _run(app, "sign", str(reg_id), "--user", "mo1_accountant", "--sig-dir", str(sig_dir))
    assert out == {"ok": True, "status": "На подпись МО", "message": out["message"]}
    assert "Главный бухгалтер" in out["message"]
    report = _run(app, "verify", str(reg_id), "--user", "mo1_head")
    assert report["ok"] is True and len(report["signatures"]) == 2 * len(docs)
    assert {s["role"] for s in report["signatures"]} == {"executor", "chief_accountant"}
    assert all(s["result"] == "Действительна" for s in report["signatures"])
    foreign = _run(app, "verify", str(reg_id), "--user", "mo2_operator")
    assert foreign == {"ok": False, "message": "Реестр не найден"}
