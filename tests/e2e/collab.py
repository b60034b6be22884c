"""Helpers for the multi-client ``collab`` scenario (presence, activity and chat e2e tests)."""

from __future__ import annotations

from typing import Any

from .harness import ScenarioResult, password, run_scenario

PW = "secret-pw"


def connect(c: str, username: str, **options: Any) -> dict[str, Any]:
    step: dict[str, Any] = {"c": c, "op": "connect", "auth": password(username, PW)}
    if options:
        step["options"] = options
    return step


def js(c: str, body: str, *, save: str | None = None, required: bool = False) -> dict[str, Any]:
    step: dict[str, Any] = {"c": c, "js": body}
    if save:
        step["save"] = save
    if required:
        step["required"] = True
    return step


def wait_for(
    c: str, where: str, timeout_ms: int = 5000, *, since: str | None = None
) -> dict[str, Any]:
    step: dict[str, Any] = {"c": c, "op": "waitFor", "where": where, "timeoutMs": timeout_ms}
    if since:
        step["since"] = since
    return step


def mark(c: str, save: str) -> dict[str, Any]:
    return {"c": c, "op": "mark", "save": save}


def sleep(ms: int) -> dict[str, Any]:
    return {"op": "sleep", "ms": ms}


def run(url: str, steps: list[dict[str, Any]], timeout: float = 40.0) -> ScenarioResult:
    """Run the steps; the scenario itself must succeed (individual steps are checked by tests)."""
    result = run_scenario("collab", {"url": url, "steps": steps}, timeout=timeout)
    assert result.get("ok"), result.describe()
    assert len(result["results"]) == len(steps) or any(s.get("required") for s in steps), (
        result.describe()
    )
    return result


def values(result: ScenarioResult) -> list[Any]:
    """Every step's value; fails with the full transcript if any step failed."""
    for index, entry in enumerate(result["results"]):
        assert entry["ok"], f"step {index} failed: {entry}\n{result.describe()}"
    return [entry["value"] for entry in result["results"]]


def events(result: ScenarioResult, c: str, kind: str | None = None) -> list[dict[str, Any]]:
    return [e for e in result["events"].get(c, []) if kind is None or e["kind"] == kind]
