"""Fairness: one candidate's typed verdict while two others stream webcam frames as fast as they like, against the
same on an idle server.

Starts its own daphne (as bench_load does) with a fresh SQLite file. Three candidates: a typist, and two
"filmers" who consented to expression analysis. Blocks alternate (idle, loaded, idle, loaded, ...) so that
other jobs on the machine weigh on both alike:
- idle: the typist answers FAIRNESS_TURNS typed answers (each a new text, so grading really runs), waiting for
  the interviewer's spoken reply and ~1 s between answers; nobody else is active;
- loaded: the same, while each filmer streams face frames (640x480 browser JPEGs of the face video) through the
  live page's webcam stream event at FAIRNESS_FRAME_RATE frames/s (10: ten times VISION_FPS, a hostile client).
Verdict latency = submit -> the new LiveState on the interview's websocket (what the candidate sees).
Target: loaded p95 <= 1.5 x idle p95. The load average is sampled during the run. The frames row counts the
frames sent and the expressions the server answered with: the rest were dropped (interviews.ai.inference.run_frame).
Options (env): FAIRNESS_TURNS (6 per block), FAIRNESS_ROUNDS (2 idle + 2 loaded blocks), FAIRNESS_FRAME_RATE (10),
FAIRNESS_TURN_TIMEOUT (300 s).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_load import (  # noqa: E402 - the repository root must be importable first
    GRADIO_ROOT,
    LoadSampler,
    _csrf,
    _percentile,
    _prepare_database,
    _server_env,
    _start_server,
    _stop_server,
)

ARTIFACTS = ROOT / "artifacts" / "bench_fairness"
# A face throughout: tests/data in the repository, else the public eval set beside it.
FACE_VIDEO_CANDIDATES = [
    ROOT / "tests" / "data" / "faces" / "single_face.mp4",
    Path(os.environ.get("EVAL_DIR", ROOT.parent / "shared" / "eval")) / "faces" / "single_face.mp4",
]
TYPED_ANSWERS = [
    "A list can be changed after it is made while a tuple cannot, so a tuple can be a dictionary key.",
    "I would use a generator so the values are produced one at a time instead of all being kept in memory.",
    "The global interpreter lock lets one thread run Python bytecode at a time, so I use processes for CPU work.",
    "A decorator wraps a function to add behaviour such as logging or caching without changing its body.",
    "With a context manager the file is closed even when an exception is raised inside the with block.",
    "Dictionaries keep insertion order and look keys up by hash in constant time on average.",
    "I write a failing test first, then the smallest code that passes, then I refactor with the tests green.",
    "Shallow copy copies the outer object only; deep copy also copies every object nested inside it.",
]


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass
class Events:
    """The live page's Gradio events as its config describes them: fn_index and input elem_ids."""

    fn_index: dict[str, int]
    inputs: dict[str, list[str | None]]

    def data(self, name: str, values: dict[str, object]) -> list:
        return [values.get(elem_id) if elem_id else None for elem_id in self.inputs[name]]


async def _events(client: httpx.AsyncClient) -> Events:
    config = (await client.get(f"{GRADIO_ROOT}/config")).json()
    components = {comp["id"]: comp for comp in config["components"]}
    wanted = {("live-submit", "click"): "submit", ("live-webcam", "stream"): "frames", (None, "load"): "load"}
    fn_index: dict[str, int] = {}
    inputs: dict[str, list[str | None]] = {}
    for index, dependency in enumerate(config["dependencies"]):
        for target, trigger in dependency["targets"]:
            elem_id = (
                components.get(target, {}).get("props", {}).get("elem_id") if trigger != "load" else None
            )
            name = wanted.get((elem_id, trigger))
            if name and name not in fn_index:
                fn_index[name] = index
                inputs[name] = [components[i]["props"].get("elem_id") for i in dependency["inputs"]]
    if set(fn_index) != set(wanted.values()):
        raise RuntimeError(f"the live page's events changed: {fn_index}")
    return Events(fn_index, inputs)


class Page:
    """One tab of the live page: Gradio's queue protocol plus the interview's websocket."""

    def __init__(self, client: httpx.AsyncClient, pk: int, events: Events):
        self.client, self.pk, self.events = client, pk, events
        self.session_hash = uuid.uuid4().hex[:11]

    async def upload(self, path: Path, mime: str) -> dict:
        with open(path, "rb") as handle:
            response = await self.client.post(
                f"{GRADIO_ROOT}/gradio_api/upload",
                params={"upload_id": uuid.uuid4().hex[:11]},
                files={"files": (path.name, handle, mime)},
            )
        response.raise_for_status()
        return {
            "path": response.json()[0],
            "orig_name": path.name,
            "mime_type": mime,
            "size": path.stat().st_size,
            "meta": {"_type": "gradio.FileData"},
        }

    async def run(self, name: str, values: dict[str, object], *, timeout: float) -> dict:
        """Join the queue for one event, read its stream to the end; the completion message."""
        session_hash = uuid.uuid4().hex[:11]  # a stream per event, so events of one tab can overlap
        response = await self.client.post(
            f"{GRADIO_ROOT}/gradio_api/queue/join",
            params={"session": self.pk},
            json={
                "data": self.events.data(name, values),
                "event_data": None,
                "fn_index": self.events.fn_index[name],
                "trigger_id": None,
                "session_hash": session_hash,
            },
        )
        response.raise_for_status()
        event_id = response.json()["event_id"]
        async with (
            asyncio.timeout(timeout),
            self.client.stream(
                "GET",
                f"{GRADIO_ROOT}/gradio_api/queue/data",
                params={"session_hash": session_hash},
                timeout=httpx.Timeout(timeout, connect=10),
            ) as stream,
        ):
            async for line in stream.aiter_lines():
                if line.startswith("data:"):
                    message = json.loads(line[5:])
                    if message.get("event_id") == event_id and message.get("msg") == "process_completed":
                        return message
        raise RuntimeError(f"{name}: the event stream closed before the event completed")


async def _start(client: httpx.AsyncClient, *, consent_video: bool) -> int:
    page = await client.get("/interviews/new/")
    form = {
        "csrfmiddlewaretoken": _csrf(page.text),
        "candidate_name": "Fair",
        "topic": "python",
        "position": "sde",
        "difficulty": "medium",
        "consent_audio": "on",
    }
    if consent_video:
        form["consent_video"] = "on"
    response = await client.post("/interviews/new/", data=form)
    found = re.search(r"/interviews/(\d+)/live/", str(response.url))
    if not found:
        raise RuntimeError(f"start form did not reach the live page ({response.status_code} {response.url})")
    return int(found.group(1))


@dataclass
class Typist:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    answered: int = 0


async def _typed_block(
    base_url: str,
    cookies: dict,
    events: Events,
    typist: Typist,
    *,
    turns: int,
    timeout: float,
    record: bool = True,
) -> None:
    """A fresh interview, `turns` typed answers; each verdict's latency (submit -> state on the websocket)."""
    import websockets

    async with httpx.AsyncClient(
        base_url=base_url, follow_redirects=True, timeout=timeout, cookies=cookies
    ) as client:
        pk = await _start(client, consent_video=False)
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        ws_url = base_url.replace("http://", "ws://") + f"/ws/interviews/{pk}/"
        async with websockets.connect(
            ws_url, additional_headers={"Cookie": cookie}, origin=base_url
        ) as socket_:
            await asyncio.wait_for(socket_.recv(), 30)  # the opening state
            page = Page(client, pk, events)
            try:
                await page.run("load", {}, timeout=timeout)
            except TimeoutError:  # the page never loaded (every worker busy): the block measures nothing
                typist.errors.append(f"the live page did not load within {timeout:.0f} s")
                return
            for _ in range(turns):
                text = f"{TYPED_ANSWERS[typist.answered % len(TYPED_ANSWERS)]} ({uuid.uuid4().hex[:6]})"
                typist.answered += 1
                submitted = time.perf_counter()
                event = asyncio.create_task(
                    page.run(
                        "submit",
                        {"live-answer-text": text, "live-submission-id": uuid.uuid4().hex},
                        timeout=timeout,
                    )
                )
                try:
                    async with asyncio.timeout(timeout):
                        while json.loads(await socket_.recv()).get("type") != "state":
                            pass
                    if record:
                        typist.latencies.append(time.perf_counter() - submitted)
                    done = await event  # the spoken reply, as the page waits for it before the next answer
                    if not done.get("success"):
                        typist.errors.append(f"submit failed: {done.get('output')}"[:200])
                except Exception as error:  # noqa: BLE001 - a failed turn is a measured outcome
                    event.cancel()
                    typist.errors.append(f"{type(error).__name__}: {error}"[:200])
                await asyncio.sleep(1.0)


@dataclass
class Filmers:
    frames_sent: int = 0
    analysed: int = 0
    stored: int = 0  # expression samples the server wrote: the frames it really analysed
    other: list[str] = field(default_factory=list)


async def _film(
    page: Page, frames: list[dict], filmers: Filmers, stop: asyncio.Event, *, rate: float
) -> None:
    """Stream `frames` (looped) through the webcam's stream event at `rate` frames/s until `stop`, as the page does:
    one queue join, then each new frame POSTed to the event's stream; the answers are read from the queue."""
    session_hash = uuid.uuid4().hex[:11]
    body = {"event_data": None, "fn_index": page.events.fn_index["frames"], "trigger_id": None}
    joined = await page.client.post(
        f"{GRADIO_ROOT}/gradio_api/queue/join",
        params={"session": page.pk},
        json={**body, "data": [frames[0]], "session_hash": session_hash},
    )
    joined.raise_for_status()
    event_id = joined.json()["event_id"]

    async def read() -> None:
        async with page.client.stream(
            "GET", f"{GRADIO_ROOT}/gradio_api/queue/data", params={"session_hash": session_hash}
        ) as stream:
            async for line in stream.aiter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if "Expression: " in json.dumps(message.get("output")):
                    filmers.analysed += 1
                if message.get("msg") == "process_completed":
                    if not message.get("success", True):
                        filmers.other.append(json.dumps(message)[:200])
                    return

    reader = asyncio.create_task(read())
    sent = 0
    while not stop.is_set():
        await asyncio.sleep(1.0 / rate)
        sent += 1
        response = await page.client.post(
            f"{GRADIO_ROOT}/gradio_api/stream/{event_id}",
            json={**body, "data": [frames[sent % len(frames)]], "session_hash": session_hash},
        )
        if response.status_code != 200:
            filmers.other.append(f"stream POST {response.status_code}")
        filmers.frames_sent += 1
    await page.client.post(f"{GRADIO_ROOT}/gradio_api/stream/{event_id}/close")
    try:
        await asyncio.wait_for(reader, 30)
    except TimeoutError:
        reader.cancel()


def _expression_samples(database_url: str) -> int:
    import sqlite3

    path = database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as database:
        return database.execute("SELECT count(*) FROM interviews_expressionsample").fetchone()[0]


def _frames() -> list[dict]:
    """The face video's frames as the live page's streaming webcam sends them: 640x480 JPEG data URLs."""
    import base64

    import cv2

    source = next(p for p in FACE_VIDEO_CANDIDATES if p.exists())
    capture = cv2.VideoCapture(str(source))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        encoded = cv2.imencode(".jpg", cv2.resize(frame, (640, 480)), [cv2.IMWRITE_JPEG_QUALITY, 92])[1]
        frames.append({"url": "data:image/jpeg;base64," + base64.b64encode(encoded).decode()})
    capture.release()
    return frames


async def _run(
    base_url: str,
    cookies: dict[str, dict],
    frames: list[dict],
    *,
    turns: int,
    rounds: int,
    timeout: float,
    rate: float,
) -> tuple[Typist, Typist, Filmers]:
    async with httpx.AsyncClient(base_url=base_url, cookies=cookies["typist"], timeout=60) as client:
        events = await _events(client)
    warm = Typist()
    await _typed_block(base_url, cookies["typist"], events, warm, turns=2, timeout=timeout, record=False)

    pages = []
    clients = []
    for name in ("filmer-a", "filmer-b"):
        client = httpx.AsyncClient(
            base_url=base_url, follow_redirects=True, timeout=timeout, cookies=cookies[name]
        )
        clients.append(client)
        page = Page(client, await _start(client, consent_video=True), events)
        await page.run("load", {}, timeout=timeout)
        pages.append(page)

    idle, loaded, filmers = Typist(), Typist(), Filmers()
    try:
        for _ in range(rounds):
            await _typed_block(base_url, cookies["typist"], events, idle, turns=turns, timeout=timeout)
            stop = asyncio.Event()
            filming = [asyncio.create_task(_film(page, frames, filmers, stop, rate=rate)) for page in pages]
            await asyncio.sleep(2.0)  # the frames are being analysed
            await _typed_block(base_url, cookies["typist"], events, loaded, turns=turns, timeout=timeout)
            stop.set()
            await asyncio.gather(*filming)  # the server is idle again before the next idle block
    finally:
        for client in clients:
            await client.aclose()
    return idle, loaded, filmers


def run() -> list[dict]:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    turns = _env_int("FAIRNESS_TURNS", 6)
    rounds = _env_int("FAIRNESS_ROUNDS", 2)
    rate = float(os.environ.get("FAIRNESS_FRAME_RATE", 10))
    timeout = float(_env_int("FAIRNESS_TURN_TIMEOUT", 300))
    frames = _frames()
    run_id = uuid.uuid4().hex[:6]
    names = {
        "typist": f"fair-{run_id}-typist",
        "filmer-a": f"fair-{run_id}-a",
        "filmer-b": f"fair-{run_id}-b",
    }

    with tempfile.TemporaryDirectory(prefix="bench-fairness-") as tmp:
        workdir = Path(tmp)
        env = _server_env(workdir)
        env["INTERVIEW_MAX_QUESTIONS"] = "20"
        by_username = _prepare_database(env, list(names.values()))
        cookies = {role: by_username[username] for role, username in names.items()}
        load_before = os.getloadavg()[0]
        process, base_url = _start_server(env, workdir)
        started = time.perf_counter()
        try:
            with LoadSampler(every_s=2.0) as load:
                idle, loaded, filmers = asyncio.run(
                    _run(base_url, cookies, frames, turns=turns, rounds=rounds, timeout=timeout, rate=rate)
                )
        finally:
            elapsed = time.perf_counter() - started
            _stop_server(process)
            server_log = (workdir / "daphne.log").read_text(errors="replace")
            filmers.stored = _expression_samples(env["DATABASE_URL"])
            tracebacks = sum(1 for line in server_log.splitlines() if "Traceback" in line)
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            (ARTIFACTS / "daphne.log").write_text(server_log)

    errors = idle.errors + loaded.errors + filmers.other
    for error in dict.fromkeys(errors):
        print(f"error ({errors.count(error)}x): {error}", file=sys.stderr)
    idle_p95, loaded_p95 = _percentile(idle.latencies, 0.95), _percentile(loaded.latencies, 0.95)
    ratio = loaded_p95 / idle_p95 if idle_p95 and loaded_p95 else None
    samples = load.samples or [0.0]
    return [
        {
            "typed_verdicts": f"{len(idle.latencies)} idle, {len(loaded.latencies)} loaded",
            "idle_p50_s": _percentile(idle.latencies, 0.5),
            "idle_p95_s": idle_p95,
            "loaded_p50_s": _percentile(loaded.latencies, 0.5),
            "loaded_p95_s": loaded_p95,
            "loaded_max_s": max(loaded.latencies, default=None),
            "ratio_p95": round(ratio, 2) if ratio else None,
            "target_met (<= 1.5)": bool(ratio is not None and ratio <= 1.5 and not errors),
            "frames": f"{filmers.frames_sent} sent at {rate:g}/s each, {filmers.stored} analysed "
            f"(VISION_FPS {os.environ.get('VISION_FPS', 1)}/s each), {filmers.analysed} answers with an expression",
            "errors": len(errors),
            "server_tracebacks": tracebacks,
            "wall_s": round(elapsed, 1),
            "load_avg": f"{load_before:.1f} before; {statistics.fmean(samples):.1f} mean, {max(samples):.1f} max "
            f"during ({os.cpu_count()} cores)",
        }
    ]


if __name__ == "__main__":
    from benchmarks.run import print_table

    print_table("bench_fairness: typed verdicts, idle vs two candidates streaming webcam frames", run())
