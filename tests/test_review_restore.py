"""Restore (§7) names a backup by the id its result carries: a result without an id cannot be restored."""

from __future__ import annotations

import pytest

WEB03 = "/api/cloud/virtualdatacenters/1/virtualappliances/1/virtualmachines/3"  # web-03, undeployed


def _write_results(api, results):
    answer = api.put(
        f"{WEB03}/metadata", media="metadata", body={"links": [], "metadata": {"backupResults": {"results": results}}}
    )
    assert answer.status == 200, answer.text


@pytest.mark.parametrize(
    "results, named",
    [
        ([{"status": "done", "name": "no id at all"}], "None"),
        ([{"id": None, "status": "done"}], "None"),
        ([{"id": True, "status": "done"}], "True"),
    ],
)
def test_a_result_without_a_usable_id_is_not_restored_by_its_printed_form(inproc, store, results, named):
    _write_results(inproc, results)
    before = store.dump()
    answer = inproc.post(f"{WEB03}/action/restorebackup", media="restore", body={"id": named, "status": "done"})
    assert (answer.status, answer.codes) == (404, ["BC-20"])
    assert store.dump() == before


def test_a_numeric_result_id_is_still_named_by_its_digits(inproc):
    _write_results(inproc, [{"id": 3, "status": "done"}])
    answer = inproc.post(f"{WEB03}/action/restorebackup", media="restore", body={"id": "3", "status": "done"})
    assert (answer.status, answer.text) == (204, "")
