"""docs/openapi.yaml describes every route of the JSON API and the public edge, no more."""
from __future__ import annotations

from pathlib import Path

import yaml

from helpers import app_routes
from infra.template import function_events, load_template

OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


def _described() -> dict:
    return yaml.safe_load(OPENAPI.read_text())


def test_the_description_names_every_route_of_the_api_and_the_public_edge_no_more():
    """The api's routes are its app's (the gateway's are greedy); the public edge's are
    declared one by one in the template."""
    served = set(app_routes("functions/api")) | {
        (p["Method"].upper(), p["Path"]) for f, _e, p in function_events(
            load_template(), "HttpApi") if f == "TrackClickFunction"}
    described = {(method.upper(), path) for path, item in _described()["paths"].items()
                 for method in item if method != "parameters"}
    assert described == served


def test_path_parameters_are_described_and_admin_routes_are_tagged_admin():
    spec = _described()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            names = {p.get("name") or spec["components"]["parameters"][
                p["$ref"].rsplit("/", 1)[1]]["name"]
                for p in (operation.get("parameters") or []) + (item.get("parameters") or [])
                if p.get("in", "path") == "path" or "$ref" in p}
            for segment in path.split("/"):
                if segment.startswith("{"):
                    assert segment.strip("{}") in names, (method, path)
            assert ("admin" in operation["tags"]) == path.startswith("/admin/"), (method, path)


def test_schemathesis_reads_the_description():
    import schemathesis

    schema = schemathesis.openapi.from_path(OPENAPI)
    assert len(list(schema.get_all_operations())) == sum(
        1 for item in _described()["paths"].values() for m in item if m != "parameters")
