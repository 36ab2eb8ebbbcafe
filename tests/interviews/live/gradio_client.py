"""Drives the mounted Gradio app in-process the way its page does (config, then events through the queue):
shared by the live tests, the access tables and the security tests."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path

import httpx

from interbot_site.asgi import application
from interviews.live.mount import GRADIO_PATH


def http(cookie: str | None = None) -> httpx.AsyncClient:
    cookies = {"sessionid": cookie} if cookie else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=application),
        base_url="http://localhost",
        cookies=cookies,
        timeout=120,
    )


def _unchanged(value) -> bool:
    """Gradio's way of saying "this output was not in the yield": an update with no properties."""
    return (
        isinstance(value, dict)
        and value.get("__type__") == "update"
        and all(key == "__type__" or (key == "props" and _unchanged(value[key])) for key in value)
    )


def _apply_diff(value, operations):
    for operation, path, new in operations:
        if not path:
            value = new
            continue
        target = value
        for key in path[:-1]:
            target = target[key]
        if operation == "delete":
            del target[path[-1]]
        elif operation == "append":
            target[path[-1]] += new
        else:
            target[path[-1]] = new
    return value


class GradioPage:
    """Drives the Gradio app the way its page does: config, then events through the queue."""

    def __init__(self, client: httpx.AsyncClient, session_id: int):
        self.client = client
        self.session_id = session_id
        self.session_hash = uuid.uuid4().hex[:11]
        self.config: dict = {}
        self.yields: list[dict] = []

    async def open(self) -> GradioPage:
        response = await self.client.get(f"{GRADIO_PATH}/config")
        response.raise_for_status()
        self.config = response.json()
        return self

    def _elem_ids(self) -> dict[int, str | None]:
        return {c["id"]: c.get("props", {}).get("elem_id") for c in self.config["components"]}

    def _dependency(self, elem_id: str | None, event: str) -> dict:
        ids = self._elem_ids()
        for dependency in self.config["dependencies"]:
            for target, trigger in dependency["targets"]:
                if trigger == event and ids.get(target) == elem_id:
                    return dependency
        raise LookupError(f"no {event} event on {elem_id}")

    def _component_id(self, elem_id: str) -> int:
        return next(i for i, e in self._elem_ids().items() if e == elem_id)

    async def trigger(self, elem_id: str | None, event: str, values: dict[str, object] | None = None) -> dict:
        """Run one event; returns {elem_id: value} of its outputs (first full yield, then the last one)."""
        dependency = self._dependency(elem_id, event)
        values = values or {}
        by_id = {self._component_id(k): v for k, v in values.items()}
        data = [by_id.get(i) for i in dependency["inputs"]]
        joined = await self.client.post(
            f"{GRADIO_PATH}/gradio_api/queue/join?session={self.session_id}",
            json={
                "data": data,
                "fn_index": dependency["id"],
                "session_hash": self.session_hash,
                "event_data": None,
                "trigger_id": dependency["targets"][0][0],
            },
        )
        joined.raise_for_status()
        stream = await self.client.get(
            f"{GRADIO_PATH}/gradio_api/queue/data?session_hash={self.session_hash}"
        )
        messages = [json.loads(line[6:]) for line in stream.text.splitlines() if line.startswith("data: ")]
        names = [self._elem_ids().get(i) for i in dependency["outputs"]]
        completed = next(m for m in messages if m["msg"] == "process_completed")
        assert completed.get("success", True), completed
        # Generators stream their first yield whole and later ones as diffs; replay them all.
        outputs: dict = {}
        current = None
        self.yields = []  # each yield's changed outputs, in order: what the page showed step by step
        for message in messages:
            if message["msg"] != "process_generating":
                continue
            data = message["output"]["data"]
            current = (
                data
                if current is None
                else [_apply_diff(v, ops) for v, ops in zip(current, data, strict=True)]
            )
            step = {n: v for n, v in zip(names, current, strict=True) if n and not _unchanged(v)}
            step = copy.deepcopy(step)  # later diffs edit `current` in place
            self.yields.append(step)
            outputs.update(step)
        if current is None:
            final = completed["output"]["data"]
            outputs.update({n: v for n, v in zip(names, final, strict=True) if n and not _unchanged(v)})
        return outputs

    async def upload(self, path: Path, *, name: str | None = None, content: bytes | None = None) -> dict:
        """Upload a file as the browser does; returns the FileData a component sends as its value."""
        body = content if content is not None else path.read_bytes()
        response = await self.client.post(
            f"{GRADIO_PATH}/gradio_api/upload", files={"files": (name or path.name, body)}
        )
        response.raise_for_status()
        uploaded = response.json()[0]
        return {"path": uploaded, "orig_name": name or path.name, "meta": {"_type": "gradio.FileData"}}

    async def load(self) -> dict:
        return await self.trigger(None, "load")
