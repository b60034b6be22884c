"""References, history playback, queries and permission denial with the real client."""

from __future__ import annotations

from .harness import ServerProcess, run_scenario, unique


def test_references_history_queries_and_permissions(server: ServerProcess) -> None:
    collection = unique("coll")
    r = run_scenario(
        "models_features",
        {
            "url": server.url,
            "modelId": unique("m-"),
            "privateId": unique("p-"),
            "collection": collection,
        },
        timeout=40,
    )
    assert r.get("ok"), r.describe()
    assert r["reference"] is not None and r["reference"]["key"] == "cursor", r.describe()
    assert r["textB"] == "ABhello!", r.describe()
    assert r["historyVersion"] == 2
    assert r["historyAt0"] == "hello" and r["historyAt1"] == "ABhello"
    assert r["historyAtMax"] == "ABhello!"
    assert [q["data"] for q in r["query"]] == [{"text": "ABhello!"}], r.describe()
    assert r["denied"] == "unauthorized", r.describe()
