"""Every error code the mock answers is Abiquo's, with Abiquo's meaning: the 3.8.0 catalogue, or the backup rules
for the codes backup policies brought later. A code the mock made up, or one used for something else, fails here."""

from __future__ import annotations

import re
from pathlib import Path

from abiquo_mock.mockserver.errors import CATALOGUE, MOCK_ONLY
from abiquo_mock.mockserver.http.api import REGISTRY

DOCS = Path(__file__).resolve().parent.parent / "docs"
ROW = re.compile(r"^\| (\S+) \| (.+?) \| ", re.M)


def catalogue() -> dict[str, str]:
    text = (DOCS / "abiquo-error-catalogue-3.8.0.md").read_text()
    return {code: message.strip() for code, message in ROW.findall(text) if code != "code"}


def backup_rules() -> dict[str, tuple[int, str]]:
    text = (DOCS / "BACKUP-RULES.md").read_text()
    rows = re.findall(r"^\| (\S+) \| (\d{3}) \| (.+?) \| ", text, re.M)
    return {code: (int(status), message) for code, status, message in rows}


def test_the_shipped_catalogue_is_whole():
    found = catalogue()
    assert len(found) > 1000
    assert found["VM-1"] == "The requested virtual machine does not exist"


def test_every_code_the_mock_can_answer_is_abiquos_with_its_meaning():
    listed, rules = catalogue(), backup_rules()
    for code, (status, message) in CATALOGUE.items():
        if code in rules:
            assert rules[code] == (status, message), code
        else:
            assert code in listed, f"{code} is in no Abiquo catalogue"
            assert listed[code] == message, f"{code} means '{listed[code]}' in the catalogue, not '{message}'"


def test_the_backup_policy_codes_are_those_of_the_backup_rules():
    policy_era = {c for c in CATALOGUE if re.fullmatch(r"BC-(2[3-9]|3[0-6])", c)}
    assert policy_era <= set(backup_rules())
    assert not policy_era & set(catalogue())


def test_codes_of_the_control_api_stay_out_of_the_abiquo_api():
    listed = catalogue()
    assert not set(MOCK_ONLY) & set(listed)
    for op in REGISTRY:
        if op.prefix == "/api":
            assert not set(op.errors) & set(MOCK_ONLY), op.op_id


def test_codes_that_mean_something_else_in_abiquo_are_not_used_for_it():
    # what an unknown VM, a bad 'by', an unknown limit and a doubled template are, in the catalogue's words
    assert CATALOGUE["VM-1"][1] == "The requested virtual machine does not exist" and "VM-0" not in CATALOGUE
    assert CATALOGUE["QUERY-0"][1] == "Invalid 'by' parameter" and "QUERY-1" not in CATALOGUE
    assert CATALOGUE["LIMIT-8"][0] == 404
    assert "LIMIT-1" not in CATALOGUE and "BC-21" not in CATALOGUE
