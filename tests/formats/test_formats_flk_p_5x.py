"""FLK_P of a 5.x (or later) file: PR carries ZN_POL (the wrong value) and ID_PAC."""

import io

import pytest
from lxml import etree

from app.controls.finding import Finding
from app.formats.flk_p import PR_FIELDS, PR_FIELDS_5, pr_fields, read_flk_p, write_flk_p

FINDINGS = [
    Finding(
        code="904",
        comment="Недопустимое значение",
        element="RED_INJ",
        base_element="INJ",
        n_zap="3",
        idcase="3",
        sl_id="SL-3",
        id_pac="PAC-3",
        value="2",
    ),
    Finding(code="902", comment="Нет SOC", element="SOC", base_element="PACIENT", n_zap="4", id_pac="PAC-4"),
    Finding(code="003F.00.0400", comment="Ошибка", element="NPR_MO", n_zap="5", value="Ж" * 300),
]


def prs(version):
    buf = io.BytesIO()
    write_flk_p(buf, "VHM1", "HM1", FINDINGS, version=version)
    buf.seek(0)
    return etree.parse(buf).getroot().findall("PR")


@pytest.mark.parametrize("version", ["5.0", "5.1", "6.0"])
def test_pr_of_a_5x_file_has_zn_pol_and_id_pac(version):
    pr = prs(version)
    assert [c.tag for c in pr[0]] == [
        "OSHIB", "IM_POL", "ZN_POL", "BAS_EL", "N_ZAP", "ID_PAC", "IDCASE", "SL_ID", "COMMENT"
    ]  # fmt: skip
    assert pr[0].findtext("ZN_POL") == "2" and pr[0].findtext("ID_PAC") == "PAC-3"
    # no value known: ZN_POL (optional) is left out; the patient's code is kept
    assert [c.tag for c in pr[1]] == ["OSHIB", "IM_POL", "BAS_EL", "N_ZAP", "ID_PAC", "COMMENT"]
    assert len(pr[2].findtext("ZN_POL")) == 250 and pr[2].find("ID_PAC") is None


@pytest.mark.parametrize("version", [None, "3.1", "3.2", "4.0", "", "x"])
def test_pr_of_older_files_unchanged(version):
    pr = prs(version)
    assert [c.tag for c in pr[0]] == ["OSHIB", "IM_POL", "BAS_EL", "N_ZAP", "IDCASE", "SL_ID", "COMMENT"]
    assert all(p.find("ZN_POL") is None and p.find("ID_PAC") is None for p in pr)


def test_pr_fields_and_read_back():
    assert pr_fields("5.1") is PR_FIELDS_5 and pr_fields("3.2") is PR_FIELDS and pr_fields(None) is PR_FIELDS
    assert [t for t, _ in PR_FIELDS_5 if t not in dict(PR_FIELDS)] == ["ZN_POL", "ID_PAC"]
    buf = io.BytesIO()
    write_flk_p(buf, "VHM1", "HM1", FINDINGS[:1], version="5.1")
    buf.seek(0)
    _, _, rows = read_flk_p(buf)
    assert rows[0]["ZN_POL"] == "2" and rows[0]["ID_PAC"] == "PAC-3"
