"""The table of contexts is the one way in: what a context brings reaches the app, the contract and the CLI
through its line in mockserver/contexts.py, and nothing is served that the table does not name."""

from __future__ import annotations

import dataclasses

import pytest
from abiquo_mock.mockserver import contexts, scenarios
from abiquo_mock.mockserver.app import create_app
from abiquo_mock.mockserver.cli import main
from abiquo_mock.mockserver.extensions import DOOR_ROUTES
from abiquo_mock.mockserver.http import control as control_conventions
from abiquo_mock.mockserver.http.api import REGISTRY, operation
from abiquo_mock.mockserver.openapi import build
from click.testing import CliRunner
from flask import Blueprint, Response


def test_every_blueprint_served_comes_from_the_table():
    app = create_app({"SCENARIO": "demo"})
    named = {c.blueprint.name for c in contexts.CONTEXTS if c.blueprint} | {
        c.control.name for c in contexts.CONTEXTS if c.control
    }
    assert set(app.blueprints) == named
    assert {rule.endpoint.split(".")[0] for rule in app.url_map.iter_rules() if rule.endpoint != "static"} == named


def test_without_the_control_api_no_control_blueprint_is_served():
    app = create_app({"SCENARIO": "demo", "CONTROL_ENABLED": False})
    assert set(app.blueprints) == {c.blueprint.name for c in contexts.CONTEXTS if c.blueprint}
    assert app.test_client().post("/_mock/upgrade").status_code == 404


def test_every_declared_operation_belongs_to_a_context_of_the_table():
    owners = contexts.tag_of_blueprint()
    assert {op.blueprint for op in REGISTRY} <= set(owners)
    tags = {op["operationId"]: op["tags"] for ops in build()["paths"].values() for op in ops.values()}
    assert tags["createLimit"] == tags["listLimits"] == ["infrastructure"]
    assert tags["updateMetadata"] == tags["listEvents"] == ["backup"]
    assert tags["mockUpgrade"] == tags["mockReset"] == ["control"]


def test_the_cli_offers_the_commands_of_the_contexts():
    for context in contexts.CONTEXTS:
        for command in context.commands:
            assert CliRunner().invoke(main, [command.name, "--help"]).exit_code == 0


# --- a context added by one line ------------------------------------------------------------------------


@pytest.fixture
def registry():
    """Operations declared by a test must not outlive it: the contract is built from the registry."""
    kept = list(REGISTRY)
    yield
    REGISTRY[:] = kept


async def _hello(scope, receive, send):  # an ASGI handler, as the front door calls it
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"hello"})


def _example_context() -> contexts.Context:
    bp = Blueprint("example", __name__)
    control_bp = control_conventions.blueprint("example_control", __name__)

    @operation(bp, "GET", "/examples", op_id="listExamples", plain_text=True, summary="Examples")
    def list_examples():
        return Response("examples", content_type="text/plain")

    @control_conventions.control(control_bp, "POST", "/examples", op_id="mockExamples", summary="Examples")
    def mock_examples():
        return {"done": True}

    def shrink(world):
        return {**world, "virtualmachines": world["virtualmachines"][:1]}

    return contexts.Context(
        "example",
        "example",
        bp,
        keeps_answers=True,
        control=control_bp,
        transforms={"shrink": shrink},
        init_app=lambda app: app.extensions.setdefault("example", "installed"),
        door_routes=lambda app: {"/m/example": _hello},
    )


def test_a_context_added_to_the_table_is_served_documented_and_installed(monkeypatch, registry):
    example = _example_context()
    monkeypatch.setattr(contexts, "CONTEXTS", (*contexts.CONTEXTS, example))
    app = create_app({"SCENARIO": "demo"})
    client = app.test_client()

    assert client.get("/api/examples", headers={"Authorization": "Basic YWRtaW46eGFiaXF1bw=="}).text == "examples"
    assert client.post("/_mock/examples").json == {"done": True}
    assert app.extensions["example"] == "installed"
    assert app.extensions[DOOR_ROUTES]["/m/example"] is _hello
    document = build()
    assert document["paths"]["/api/examples"]["get"]["tags"] == ["example"]
    assert {"name": "example"} in document["tags"]
    assert "mockExamples" in {op["operationId"] for op in document["paths"]["/_mock/examples"].values()}
    demo = scenarios.world("demo")
    assert example.transforms["shrink"](demo)["virtualmachines"] == demo["virtualmachines"][:1]
    assert "shrink" in contexts.transforms()


def test_two_contexts_may_not_claim_the_same_transform_or_door_route(monkeypatch, registry):
    example = _example_context()
    twin = dataclasses.replace(example, name="twin", blueprint=None, control=None)
    monkeypatch.setattr(contexts, "CONTEXTS", (*contexts.CONTEXTS, example, twin))
    with pytest.raises(ValueError, match="shrink"):
        contexts.transforms()
    monkeypatch.setattr(contexts, "CONTEXTS", (*contexts.CONTEXTS[:-1], dataclasses.replace(twin, transforms={})))
    with pytest.raises(ValueError, match="/m/example"):
        create_app({"SCENARIO": "demo"})
