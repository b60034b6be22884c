"""The Python side of the client oracle: one long-running Node process, JSON lines both ways.

Also the JSON form of operations shared with ``client_oracle.js`` (client field names, our type
names), which is test-only: the wire codec for the server lives in ``protocol/``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from convergence_jupyter.ot import operations as o
from convergence_jupyter.ot.values import value_from_json, value_to_json

HERE = Path(__file__).parent
BUNDLE = (
    HERE.parent / "js" / "node_modules" / "@convergence" / "convergence" / "convergence.js"
).resolve()
SCRIPT = HERE / "client_oracle.js"


def oracle_unavailable_reason() -> str | None:
    if shutil.which("node") is None:
        return "node is not on PATH"
    if not BUNDLE.exists():
        return f"the rc.12 client is not installed at {BUNDLE} (npm ci in tests/js)"
    return None


def op_to_json(op: o.Operation) -> dict[str, Any]:
    if isinstance(op, o.CompoundOperation):
        return {"t": "Compound", "ops": [op_to_json(p) for p in op.ops]}
    out: dict[str, Any] = {"t": type(op).__name__, "id": op.id, "noOp": op.no_op}
    match op:
        case o.StringSplice():
            out |= {
                "index": op.index,
                "deleteCount": op.delete_count,
                "insertValue": op.insert_value,
            }
        case o.ArrayInsert() | o.ArrayReplace():
            out |= {"index": op.index, "value": value_to_json(op.value)}
        case o.ArrayRemove():
            out |= {"index": op.index}
        case o.ArrayMove():
            out |= {"fromIndex": op.from_index, "toIndex": op.to_index}
        case o.ArraySet():
            out |= {"value": [value_to_json(v) for v in op.values]}
        case o.ObjectAddProperty() | o.ObjectSetProperty():
            out |= {"prop": op.key, "value": value_to_json(op.value)}
        case o.ObjectRemoveProperty():
            out |= {"prop": op.key}
        case o.ObjectSet():
            out |= {"value": {k: value_to_json(v) for k, v in op.values.items()}}
        case o.NumberDelta():
            out |= {"delta": op.delta}
        case o.StringSet() | o.NumberSet() | o.BooleanSet() | o.DateSet():
            out |= {"value": op.value}
    return out


def op_from_json(data: dict[str, Any]) -> o.Operation:
    t = data["t"]
    if t == "Compound":
        parts = [op_from_json(p) for p in data["ops"]]
        assert not any(isinstance(p, o.CompoundOperation) for p in parts)
        return o.CompoundOperation(tuple(parts))  # type: ignore[arg-type]
    base = {"id": data["id"], "no_op": data["noOp"]}
    match t:
        case "StringSplice":
            return o.StringSplice(
                **base,
                index=data["index"],
                delete_count=data["deleteCount"],
                insert_value=data["insertValue"],
            )
        case "StringSet":
            return o.StringSet(**base, value=data["value"])
        case "ArrayInsert":
            return o.ArrayInsert(**base, index=data["index"], value=value_from_json(data["value"]))
        case "ArrayReplace":
            return o.ArrayReplace(**base, index=data["index"], value=value_from_json(data["value"]))
        case "ArrayRemove":
            return o.ArrayRemove(**base, index=data["index"])
        case "ArrayMove":
            return o.ArrayMove(**base, from_index=data["fromIndex"], to_index=data["toIndex"])
        case "ArraySet":
            return o.ArraySet(**base, values=tuple(value_from_json(v) for v in data["value"]))
        case "ObjectAddProperty":
            return o.ObjectAddProperty(
                **base, key=data["prop"], value=value_from_json(data["value"])
            )
        case "ObjectSetProperty":
            return o.ObjectSetProperty(
                **base, key=data["prop"], value=value_from_json(data["value"])
            )
        case "ObjectRemoveProperty":
            return o.ObjectRemoveProperty(**base, key=data["prop"])
        case "ObjectSet":
            return o.ObjectSet(
                **base, values={k: value_from_json(v) for k, v in data["value"].items()}
            )
        case "NumberDelta":
            return o.NumberDelta(**base, delta=data["delta"])
        case "NumberSet":
            return o.NumberSet(**base, value=data["value"])
        case "BooleanSet":
            return o.BooleanSet(**base, value=data["value"])
        case "DateSet":
            return o.DateSet(**base, value=data["value"])
    raise ValueError(f"unknown op type {t!r}")


class OracleError(Exception):
    """The client's function threw (the message is the client's)."""


class ClientOracle:
    """The rc.12 client's ``OperationTransformer`` and ``ReferenceTransformer``, over a pipe."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            ["node", str(SCRIPT), str(BUNDLE)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def close(self) -> None:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.close()
        self._proc.wait(timeout=10)
        self._proc.stdout.close()

    def _call(self, request: dict[str, Any]) -> Any:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(json.dumps(request) + "\n")
        self._proc.stdin.flush()
        reply = json.loads(self._proc.stdout.readline())
        if "error" in reply:
            raise OracleError(reply["error"])
        return reply

    def transform_many(
        self, pairs: list[tuple[o.Operation, o.Operation]]
    ) -> list[tuple[o.Operation, o.Operation] | OracleError]:
        """The client's ``(s', c')`` for each pair, or the error it threw."""
        raw = self._call(
            {"cmd": "transform", "pairs": [[op_to_json(s), op_to_json(c)] for s, c in pairs]}
        )["results"]
        out: list[tuple[o.Operation, o.Operation] | OracleError] = []
        for item in raw:
            if isinstance(item, dict):
                out.append(OracleError(item["error"]))
            else:
                out.append((op_from_json(item[0]), op_from_json(item[1])))
        return out

    def transform(self, s: o.Operation, c: o.Operation) -> tuple[o.Operation, o.Operation]:
        result = self.transform_many([(s, c)])[0]
        if isinstance(result, OracleError):
            raise result
        return result

    def transform_references(self, items: list[tuple[o.Operation, dict[str, Any]]]) -> list[Any]:
        """The client's reference transform; refs as ``{type, valueId, values}`` dicts."""
        return self._call(
            {"cmd": "reference", "items": [[op_to_json(op), ref] for op, ref in items]}
        )["results"]

    def transform_inflight(
        self, s: o.Operation, inflight: list[o.Operation]
    ) -> tuple[o.Operation, list[o.Operation]]:
        """What the client does with a remote op ``s``: pass it through its in-flight ops."""
        reply = self._call(
            {"cmd": "inflight", "s": op_to_json(s), "inflight": [op_to_json(c) for c in inflight]}
        )
        return op_from_json(reply["s"]), [op_from_json(c) for c in reply["inflight"]]
