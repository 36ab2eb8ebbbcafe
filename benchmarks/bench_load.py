"""Load: N candidates at once answer by voice against a local daphne, through the same HTTP paths as the live page.

Each simulated candidate has a logged-in session, starts an interview (start form), keeps the page's
websocket ws/interviews/<pk>/ open, opens the Gradio app like the iframe does (its load event, with
?session=<pk>), and then, for a bounded number of turns: thinks 8-15 s, speaks for the length of a ~11 s
piper-spoken WAV, uploads it as the microphone component does when recording stops, and clicks Submit
(Gradio queue join of on_submit). Turn latency is submit -> the new LiveState on the websocket (the
verdict the candidate sees); "reply" is submit -> the Gradio event completing (spoken reply ready).
One unmeasured candidate answers first, so the models are loaded as on a server that has been up a while.

Options (env): LOAD_CANDIDATES (20), LOAD_TURNS (3), LOAD_THINK_MIN / LOAD_THINK_MAX seconds (8 / 15),
LOAD_TURN_TIMEOUT seconds (120), LOAD_SEED (7), LOAD_RAMP_SECONDS (0: every candidate starts at once, the
worst case; 30: arrivals spread evenly over 30 s, as a class trickling in), DATABASE_URL (default: a fresh SQLite file),
INFERENCE_WORKERS (passed to the server, as are the other settings' env vars: STT_BEAM_SIZE, STT_CPU_THREADS,
TTS_THREADS, TTS_CACHE_SENTENCES, INFERENCE_BLAS_THREADS). Loopback only.

LOAD_TOPOLOGY=single,cluster runs both, one after the other, with the same spoken answer: compare topologies
within one run. LOAD_ANSWER_WAV=artifacts/bench_load/answer.wav answers with the last run's recording, to compare
code before and after a change in two runs. LOAD_TOPOLOGY=cluster runs the same candidates against the multi-process topology of `make cluster`
(deploy/cluster.py: nginx, LOAD_WEBS daphne processes (2), LOAD_WORKERS Celery workers (2) of
CLUSTER_WORKER_CONCURRENCY pool processes each (1), PostgreSQL database interbot_bench_load, its own Redis) and
reports the CPU-seconds per turn of the web and of the worker processes. LOAD_SWEEP=2,4,8 runs one measured phase
per number of candidates (fresh candidates each, on the same server) and reports the most candidates sustained
at p95 verdict <= 3 s, per inference core.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
GRADIO_ROOT = "/live/gradio"
PASSWORD = "Load-test-pass-2026"
SPOKEN_ANSWER = (
    "I would start by reading the requirements carefully, then write a small test for the main case. "
    "After that I keep the function short, handle the errors explicitly, and measure before I optimise."
)
SERVER_START_TIMEOUT_S = 120
START_TIMEOUT_S = 60
SERVER_LOGS = ROOT / "artifacts" / "bench_load"  # the server's log of the last run: single.log, cluster.log
# LOAD_PIN=1: one core per tier, to compare per core on one machine. In process: the server on core 0 only.
# Cluster: the workers on core 1 only, web processes and nginx on core 0 (Redis and PostgreSQL unpinned).
PIN_CORES = os.environ.get("LOAD_PIN", "") == "1"


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


@dataclass
class CandidateResult:
    candidate: int
    turn_latencies: list[float] = field(default_factory=list)  # submit -> LiveState on the websocket
    reply_latencies: list[float] = field(default_factory=list)  # submit -> Gradio event complete
    upload_latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    verdicts: list[str] = field(default_factory=list)
    sustained: bool = False
    phase: str = "start"  # where a failure happened


# --- The server --------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(workdir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "interbot_site.settings",
        "MEDIA_ROOT": str(workdir / "media"),
        "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
        # Enough questions that no candidate runs out within the turns measured.
        "INTERVIEW_MAX_QUESTIONS": str(max(8, _env_int("LOAD_TURNS", 3) + 1)),
    }
    env.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'load.sqlite3'}")
    env.setdefault("INFERENCE_LOG_LEVEL", "INFO")  # one line per pool job: how long it queued and ran
    return env


def _prepare_database(
    env: dict[str, str], usernames: list[str], *, migrate: bool = True
) -> dict[str, dict[str, str]]:
    """Migrate, load the bank, create the candidates and log each in; returns {username: session cookie}.

    Twenty simultaneous logins through the form from this one loopback address are refused after ten:
    allauth counts each attempt in flight against its `login_failed` limit (10/m/ip) until the password
    checks out. So the sessions are made the way django.contrib.auth.login makes them, before the server starts.
    """
    python = sys.executable
    if migrate:
        subprocess.run(
            [python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        subprocess.run(
            [python, "manage.py", "load_question_bank"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    script = (
        "import json\n"
        "from importlib import import_module\n"
        "from django.conf import settings\n"
        "from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model\n"
        "User = get_user_model()\n"
        "cookies = {}\n"
        f"for name in {usernames!r}:\n"
        "    user, _ = User.objects.get_or_create(username=name, defaults={'email': name + '@example.com'})\n"
        f"    user.set_password({PASSWORD!r})\n"
        "    user.save()\n"
        "    session = import_module(settings.SESSION_ENGINE).SessionStore()\n"
        "    session[SESSION_KEY] = str(user.pk)\n"
        "    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]\n"
        "    session[HASH_SESSION_KEY] = user.get_session_auth_hash()\n"
        "    session.create()\n"
        "    cookies[name] = {settings.SESSION_COOKIE_NAME: session.session_key}\n"
        "print('COOKIES=' + json.dumps(cookies))\n"
    )
    done = subprocess.run(
        [python, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    line = next(line for line in done.stdout.splitlines() if line.startswith("COOKIES="))
    return json.loads(line.removeprefix("COOKIES="))


def _start_server(env: dict[str, str], workdir: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    log = open(workdir / "daphne.log", "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "interbot_site.asgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if httpx.get(base_url + "/", timeout=2).status_code < 500:
                return process, base_url
        except httpx.HTTPError:
            time.sleep(0.5)
    process.terminate()
    raise RuntimeError("daphne did not start: " + (workdir / "daphne.log").read_text()[-3000:])


def _stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def _spoken_answer(path: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from tests.e2e.media import speak_to_wav

    # A ~10 s answer, with a short tail of silence as a recording stopped by hand has.
    return speak_to_wav(SPOKEN_ANSWER, path, leading_silence_s=0.3, trailing_silence_s=0.7)


def _answer_wav(workdir: Path) -> Path:
    """LOAD_ANSWER_WAV when given, else a new synthesis, kept in SERVER_LOGS/answer.wav for a later run."""
    given = os.environ.get("LOAD_ANSWER_WAV")
    if given:
        return Path(given)
    wav = _spoken_answer(workdir / "answer.wav")
    SERVER_LOGS.mkdir(parents=True, exist_ok=True)
    (SERVER_LOGS / "answer.wav").write_bytes(wav.read_bytes())
    return wav


def _wav_seconds(path: Path) -> float:
    from tests.e2e.media import wav_seconds

    return wav_seconds(path)


# --- One candidate -----------------------------------------------------------------------------------


def _csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


async def _start(client: httpx.AsyncClient, username: str) -> int:
    """Fill and send the start form as the candidate; returns the interview id from the live page's URL."""
    page = await client.get("/interviews/new/")
    if "/accounts/login/" in str(page.url):
        raise RuntimeError(f"{username} is not logged in")
    response = await client.post(
        "/interviews/new/",
        data={
            "csrfmiddlewaretoken": _csrf(page.text),
            "candidate_name": username,
            "topic": "python",
            "position": "sde",
            "difficulty": "medium",
            "consent_audio": "on",
        },
    )
    found = re.search(r"/interviews/(\d+)/live/", str(response.url))
    if not found:
        raise RuntimeError(f"start form did not reach the live page ({response.status_code} {response.url})")
    return int(found.group(1))


class GradioPage:
    """The iframe's side of the Gradio protocol: queue/join, the SSE stream of events, and uploads."""

    def __init__(self, client: httpx.AsyncClient, session_pk: int, events: LiveEvents):
        self.client = client
        self.session_pk = session_pk
        self.events = events
        self.session_hash = uuid.uuid4().hex[:11]

    async def upload(self, wav: Path) -> dict:
        with open(wav, "rb") as handle:
            response = await self.client.post(
                f"{GRADIO_ROOT}/gradio_api/upload",
                params={"upload_id": uuid.uuid4().hex[:11]},
                files={"files": ("audio.wav", handle, "audio/wav")},
            )
        response.raise_for_status()
        path = response.json()[0]
        return {
            "path": path,
            "orig_name": "audio.wav",
            "mime_type": "audio/wav",
            "size": wav.stat().st_size,
            "meta": {"_type": "gradio.FileData"},
        }

    async def run_event(
        self, name: str, data: list, *, timeout: float, joined: asyncio.Event | None = None
    ) -> dict:
        """Join the queue for one event and read its stream until it completes; returns the completion message."""
        response = await self.client.post(
            f"{GRADIO_ROOT}/gradio_api/queue/join",
            params={
                "session": self.session_pk
            },  # the page's own query string, as Gradio's JS client sends it
            json={
                "data": data,
                "event_data": None,
                "fn_index": self.events.fn_index[name],
                "trigger_id": None,
                "session_hash": self.session_hash,
            },
        )
        response.raise_for_status()
        event_id = response.json()["event_id"]
        if joined is not None:
            joined.set()
        async with asyncio.timeout(timeout):
            async with self.client.stream(
                "GET",
                f"{GRADIO_ROOT}/gradio_api/queue/data",
                params={"session_hash": self.session_hash},
                timeout=httpx.Timeout(timeout, connect=10),
            ) as stream:
                async for line in stream.aiter_lines():
                    if not line.startswith("data:"):
                        continue
                    message = json.loads(line[5:])
                    if message.get("event_id") != event_id:
                        continue
                    if message.get("msg") == "process_completed":
                        return message
        raise RuntimeError(f"{name}: the event stream closed before the event completed")


class PagesLoaded:
    """Notes the server's CPU once every measured candidate's page is loaded (or its set-up failed), so that
    the turns' own CPU can be told apart from sign-in, start form and page loads. Valid only when no turn
    had started by then (every candidate arriving at once: a turn comes >= 8 s of thought after the load)."""

    def __init__(self, expected: int, cpu: Callable[[], tuple[float, float]]):
        self.expected, self.cpu = expected, cpu
        self.done: set[int] = set()  # the candidates counted: each once, loaded or failed before
        self.cpu_then: tuple[float, float] | None = None
        self.first_turn_started = False
        self.turns_before = False  # a turn had started before the last page loaded

    def loaded(self, candidate: int) -> None:
        if candidate in self.done:
            return
        self.done.add(candidate)
        if len(self.done) == self.expected:
            self.cpu_then = self.cpu()
            self.turns_before = self.first_turn_started

    def turn_started(self) -> None:
        self.first_turn_started = True


async def _candidate(
    number: int,
    base_url: str,
    username: str,
    cookies: dict[str, str],
    wav: Path,
    events: LiveEvents,
    *,
    turns: int,
    think: tuple[float, float],
    turn_timeout: float,
    rng: random.Random,
    speaking_seconds: float = 0.0,
    start_delay: float = 0.0,
    pages: PagesLoaded | None = None,
) -> CandidateResult:
    import websockets

    await asyncio.sleep(start_delay)
    result = CandidateResult(candidate=number)
    limits = httpx.Limits(max_connections=8)
    async with httpx.AsyncClient(
        base_url=base_url, follow_redirects=True, timeout=turn_timeout, limits=limits, cookies=cookies
    ) as client:
        try:
            async with asyncio.timeout(START_TIMEOUT_S):
                pk = await _start(client, username)
            result.phase = "websocket"
            cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
            ws_url = base_url.replace("http://", "ws://") + f"/ws/interviews/{pk}/"
            async with websockets.connect(
                ws_url, additional_headers={"Cookie": cookie}, origin=base_url, open_timeout=30
            ) as socket_:
                first = json.loads(await asyncio.wait_for(socket_.recv(), 30))
                if first.get("type") != "state":
                    raise RuntimeError(f"websocket opened with {first!r}")
                page = GradioPage(client, pk, events)
                result.phase = "gradio load"
                loaded = await page.run_event("load", [], timeout=turn_timeout)
                if not loaded.get("success"):
                    raise RuntimeError(f"load event failed: {loaded.get('output')}")
                if pages:
                    pages.loaded(number)
                for turn in range(turns):
                    # Think, then speak: the recorder runs for as long as the answer lasts.
                    await asyncio.sleep(rng.uniform(*think) + speaking_seconds)
                    result.phase = f"turn {turn + 1}"
                    if pages:
                        pages.turn_started()
                    await _one_turn(page, socket_, wav, result, turn_timeout=turn_timeout)
                result.sustained = socket_.state == websockets.protocol.State.OPEN and not result.errors
        except Exception as error:  # noqa: BLE001 - a failed candidate is a measured outcome, not a crash
            result.errors.append(f"{result.phase}: {type(error).__name__}: {error}"[:200])
            if pages:
                pages.loaded(number)  # if it never loaded, it never will: the others are not waited for
    return result


async def _one_turn(
    page: GradioPage, socket_, wav: Path, result: CandidateResult, *, turn_timeout: float
) -> None:
    started = time.perf_counter()
    audio = await page.upload(wav)
    result.upload_latencies.append(time.perf_counter() - started)

    joined = asyncio.Event()
    submitted = time.perf_counter()
    event = asyncio.create_task(
        page.run_event("submit", page.events.submit_data(audio), timeout=turn_timeout, joined=joined)
    )
    try:
        async with asyncio.timeout(turn_timeout):
            while True:  # progress messages come and go; the next state is this answer's verdict
                message = json.loads(await socket_.recv())
                if message.get("type") == "state":
                    break
        result.turn_latencies.append(time.perf_counter() - submitted)
        state = message["state"]
        result.verdicts.append(state.get("last_verdict") or state.get("status"))
        if not state.get("last_verdict") and state.get("status") == "in_progress":
            result.errors.append(f"no verdict: {state.get('notices')}"[:200])
        completed = await event
        result.reply_latencies.append(time.perf_counter() - submitted)
        if not completed.get("success"):
            result.errors.append(f"submit failed: {completed.get('output')}"[:200])
    except Exception:
        event.cancel()
        raise


# --- The run -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveEvents:
    """The live page's Gradio events as its config describes them: fn_index and input elem_ids (None = state)."""

    fn_index: dict[str, int]
    submit_inputs: tuple[str | None, ...]

    def submit_data(self, audio: dict) -> list:
        """The submit payload the page sends after a recording: no typed text, the upload, a fresh draft id."""
        values = {
            "live-answer-text": "",
            "live-mic": audio,
            "live-submission-id": uuid.uuid4().hex,
            "live-mic-whole": "",  # the page's own recording rides along only after a streamed answer
        }
        return [values.get(elem_id) if elem_id else None for elem_id in self.submit_inputs]


async def _live_events(base_url: str, cookies: dict[str, str]) -> LiveEvents:
    """Read the Gradio config as the iframe does, so the benchmark follows changes to the live page's wiring."""
    async with httpx.AsyncClient(base_url=base_url, timeout=60, cookies=cookies) as client:
        config = (await client.get(f"{GRADIO_ROOT}/config")).json()
    components = {comp["id"]: comp for comp in config["components"]}
    fn_index: dict[str, int] = {}
    submit_inputs: tuple[str | None, ...] = ()
    for index, dependency in enumerate(config["dependencies"]):
        for target, trigger in dependency["targets"]:
            if trigger == "load":
                fn_index.setdefault("load", index)
            elif (
                trigger == "click"
                and components.get(target, {}).get("props", {}).get("elem_id") == "live-submit"
            ):
                fn_index["submit"] = index
                submit_inputs = tuple(
                    None if components[i]["type"] == "state" else components[i]["props"].get("elem_id")
                    for i in dependency["inputs"]
                )
    unknown = [
        elem_id
        for elem_id in submit_inputs
        if elem_id not in (None, "live-answer-text", "live-mic", "live-submission-id", "live-mic-whole")
    ]
    if set(fn_index) != {"load", "submit"} or "live-mic" not in submit_inputs or unknown:
        raise RuntimeError(f"the live page's events changed: {fn_index}, submit inputs {submit_inputs}")
    return LiveEvents(fn_index, submit_inputs)


async def _run_candidates(
    base_url: str,
    cookies: dict[str, dict[str, str]],
    wav: Path,
    *,
    turns: int,
    think: tuple[float, float],
    turn_timeout: float,
    seed: int,
    speaking_seconds: float,
    ramp_seconds: float = 0.0,
    pages: PagesLoaded | None = None,
) -> list[CandidateResult]:
    """The first candidate warms the server up (models load on first use, as after any deploy); the rest are measured."""
    usernames = list(cookies)
    events = await _live_events(base_url, cookies[usernames[0]])
    warmup = await _candidate(
        -1,
        base_url,
        usernames[0],
        cookies[usernames[0]],
        wav,
        events,
        turns=1,
        think=(0, 0),
        turn_timeout=turn_timeout,
        rng=random.Random(seed),
    )
    if warmup.errors:
        raise RuntimeError(f"the warm-up candidate failed: {warmup.errors}")
    usernames = usernames[1:]
    master = random.Random(seed)
    tasks = []
    for number, username in enumerate(usernames):
        rng = random.Random(master.random())
        tasks.append(
            _candidate(
                number,
                base_url,
                username,
                cookies[username],
                wav,
                events,
                turns=turns,
                think=think,
                turn_timeout=turn_timeout,
                rng=rng,
                speaking_seconds=speaking_seconds,
                start_delay=ramp_seconds * number / max(1, len(usernames)),
                pages=pages,
            )
        )
    return await asyncio.gather(*tasks)


def _server_timings(database_url: str, *, since_id: int = 0) -> dict[str, list[float]]:
    """Inside the server: speech-to-text and grading time of every spoken turn, as the Turn rows record them."""
    query = (
        "SELECT stt_ms, eval_ms, tts_ms FROM interviews_turn WHERE input_mode = 'spoken' "
        f"AND id > {int(since_id)}"
    )
    if database_url.startswith("postgres"):
        import psycopg

        with psycopg.connect(database_url) as connection:
            rows = connection.execute(query).fetchall()
    elif database_url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
            rows = connection.execute(query).fetchall()
    else:
        return {}
    return {
        "server: speech to text (Turn.stt_ms)": [r[0] / 1000 for r in rows if r[0] is not None],
        "server: grading (Turn.eval_ms)": [r[1] / 1000 for r in rows if r[1] is not None],
        "server: reply speech (Turn.tts_ms)": [r[2] / 1000 for r in rows if r[2] is not None],
    }


class LoadSampler:
    """The 1-minute load average every few seconds while the candidates run (the client shares the cores)."""

    def __init__(self, every_s: float = 5.0):
        import threading

        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, args=(every_s,), daemon=True)

    def _sample(self, every_s: float) -> None:
        while not self._stop.wait(every_s):
            self.samples.append(os.getloadavg()[0])

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


_POOL_LINE = re.compile(r"inference job (\S+) priority=\d+ waited=([\d.]+)s ran=([\d.]+)s")


def _pool_timings(server_log: str) -> dict[str, list[float]]:
    """Queue wait and run time in the inference pool, from the server's log (INFERENCE_LOG_LEVEL=INFO)."""
    found: dict[str, list[float]] = {}
    for name, waited, ran in _POOL_LINE.findall(server_log):
        job = {
            "answer": "verdict work (answer job)",
            "reply_speech": "reply speech (reply_speech job)",
        }.get(name)
        if job:
            found.setdefault(f"pool: queue wait, {job}", []).append(float(waited))
            found.setdefault(f"pool: run time, {job}", []).append(float(ran))
    return dict(sorted(found.items()))


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process so far (Linux /proc), all threads included."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _group_stats(pgid: int) -> list[tuple[int, list[str]]]:
    """(pid, /proc/<pid>/stat fields after the name) of every process in a process group, Linux /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # field 5 of stat: the process group
            found.append((int(entry.name), fields))
    return found


def _group_cpu_seconds(pgid: int) -> float:
    """CPU seconds of a process group (a Celery worker: its main process and its pool processes); pool
    processes that already exited count through their parent's cutime / cstime."""
    tick = os.sysconf("SC_CLK_TCK")
    return sum(
        (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / tick
        for _, fields in _group_stats(pgid)
    )


def _pin(pids: list[int], cores: str) -> None:
    """Every thread of these processes (and what they fork later) on `cores` only (taskset, util-linux)."""
    for pid in pids:
        subprocess.run(["taskset", "-a", "-p", "-c", cores, str(pid)], check=True, capture_output=True)


@dataclass
class Site:
    """Where the candidates go, and how much CPU its web and inference processes have used so far."""

    base_url: str
    env: dict[str, str]
    web_pids: list[int]
    worker_pgids: list[int]
    inference_cores: int
    log: Path
    redis_port: int | None = None

    def counters(self) -> dict[str, float]:
        """What the shared services have done so far: Redis commands, PostgreSQL transactions and rows written."""
        found: dict[str, float] = {}
        if self.redis_port:
            import redis

            found["redis commands"] = redis.Redis(port=self.redis_port).info("stats")[
                "total_commands_processed"
            ]
        if self.env["DATABASE_URL"].startswith("postgres"):
            import psycopg

            url = self.env["DATABASE_URL"]
            with psycopg.connect(url) as connection:
                commits, written = connection.execute(
                    "SELECT xact_commit + xact_rollback, tup_inserted + tup_updated + tup_deleted "
                    "FROM pg_stat_database WHERE datname = current_database()"
                ).fetchone()
            found["database transactions"], found["database rows written"] = commits, written
        return found

    def cpu(self) -> tuple[float, float]:
        web = sum(_cpu_seconds(pid) or 0.0 for pid in self.web_pids)
        return web, sum(_group_cpu_seconds(pgid) for pgid in self.worker_pgids)


@contextmanager
def _site(topology: str, workdir: Path) -> Iterator[Site]:
    if topology == "cluster":
        sys.path.insert(0, str(ROOT))
        from deploy.cluster import Cluster

        workers = _env_int("LOAD_WORKERS", 2)
        with Cluster(
            database="interbot_bench_load",
            folder=workdir / "cluster",
            webs=_env_int("LOAD_WEBS", 2),
            workers=workers,
            fresh_database=True,
            env={"INTERVIEW_MAX_QUESTIONS": _server_env(workdir)["INTERVIEW_MAX_QUESTIONS"]},
        ) as cluster:
            names = [n for n in cluster.processes if n.startswith("web")]
            web_pids = [cluster.processes[n].pid for n in names]
            worker_pgids = [cluster.processes[n].pid for n in cluster.worker_names]
            if PIN_CORES:
                # Per core, fairly: the workers get core 1 to themselves; web, nginx and the rest keep core 0.
                nginx = [pid for pid, _ in _group_stats(cluster.processes["nginx"].pid)]
                _pin(web_pids + nginx, "0")
                _pin([pid for pgid in worker_pgids for pid, _ in _group_stats(pgid)], "1")
            yield Site(
                base_url=cluster.url,
                env=cluster.env,
                web_pids=web_pids,
                worker_pgids=worker_pgids,
                # A core per worker (its pool processes share it); pinned, every worker shares core 1.
                inference_cores=1 if PIN_CORES else workers,
                log=cluster.folder / "web1.log",
                redis_port=cluster.redis_port,
            )
        return
    env = _server_env(workdir)
    _prepare_database(env, [])  # migrated and loaded before the server starts
    process, base_url = _start_server(env, workdir)
    if PIN_CORES:
        _pin([process.pid], "0")  # pages, Gradio and the models on one core
    try:
        yield Site(
            base_url=base_url,
            env=env,
            web_pids=[process.pid],
            worker_pgids=[],
            inference_cores=1 if PIN_CORES else os.cpu_count() or 1,
            log=workdir / "daphne.log",
        )
    finally:
        _stop_server(process)


def _last_turn_id(database_url: str) -> int:
    query = "SELECT COALESCE(MAX(id), 0) FROM interviews_turn"
    if database_url.startswith("postgres"):
        import psycopg

        with psycopg.connect(database_url) as connection:
            return connection.execute(query).fetchone()[0]
    import sqlite3

    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
        return connection.execute(query).fetchone()[0]


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _summary(name: str, values: list[float]) -> dict:
    return {
        "measure": name,
        "n": len(values),
        "p50_s": _percentile(values, 0.5),
        "p95_s": _percentile(values, 0.95),
        "max_s": max(values) if values else None,
        "mean_s": statistics.fmean(values) if values else None,
    }


def run() -> list[dict]:
    candidates = _env_int("LOAD_CANDIDATES", 20)
    levels = [int(n) for n in os.environ.get("LOAD_SWEEP", "").split(",") if n.strip()] or [candidates]
    # single,cluster: both topologies in one run, one after the other, with the same spoken answer (Piper's
    # voice varies from one synthesis to the next, and so does the work of transcribing it).
    topologies = [t.strip() for t in os.environ.get("LOAD_TOPOLOGY", "single").split(",") if t.strip()]
    rows: list[dict] = []
    capacities: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        workdir = Path(tmp)
        wav = _answer_wav(workdir)
        for topology in topologies:
            phases: list[dict] = []
            (workdir / topology).mkdir()
            with _site(topology, workdir / topology) as site:
                for level in levels:
                    phases += _phase(site, wav, level, topology=topology)
                server_log = site.log.read_text(errors="replace") if site.log.exists() else ""
                SERVER_LOGS.mkdir(parents=True, exist_ok=True)
                (SERVER_LOGS / f"{topology}.log").write_text(server_log)
            rows += phases
            if len(levels) > 1:
                capacities.append(_capacity(phases, topology))
    return capacities + rows


def _turns_only(pages: PagesLoaded, cpu_now: tuple[float, float], turns: int) -> str:
    if pages.cpu_then is None or pages.turns_before or not turns:
        return "n/a (a turn began before every page was loaded)"
    web, workers = (now - then for now, then in zip(cpu_now, pages.cpu_then, strict=True))
    return f"web {web / turns:.3f}, workers {workers / turns:.3f}" + (
        f" (web = {web / workers:.1%} of workers)" if workers else ""
    )


def _capacity(rows: list[dict], topology: str) -> dict:
    """The most candidates at once whose p95 verdict stayed within 3 s, per core that runs the models."""
    headers = [row for row in rows if "candidates" in row]
    met = [row["candidates"] for row in headers if row.get("target_met")]
    cores = headers[0]["inference_cores"]
    best = max(met, default=0)
    return {
        "capacity": topology,
        "levels": ", ".join(f"{r['candidates']}: p95 {r['verdict_p95_s']}" for r in headers),
        "sustained_at_p95_3s": best,
        "inference_cores": cores,
        "candidates_per_core": round(best / cores, 2),
    }


def _phase(site: Site, wav: Path, candidates: int, *, topology: str) -> list[dict]:
    turns = _env_int("LOAD_TURNS", 3)
    think = (_env_float("LOAD_THINK_MIN", 8.0), _env_float("LOAD_THINK_MAX", 15.0))
    turn_timeout = _env_float("LOAD_TURN_TIMEOUT", 120.0)
    seed = _env_int("LOAD_SEED", 7)
    ramp_seconds = _env_float("LOAD_RAMP_SECONDS", 0.0)
    answer_seconds = _wav_seconds(wav)
    run_id = uuid.uuid4().hex[:6]
    usernames = [f"load-{run_id}-{number:03d}" for number in range(candidates + 1)]  # + the warm-up
    cookies = _prepare_database(site.env, usernames, migrate=False)
    first_turn = _last_turn_id(site.env["DATABASE_URL"])
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    (web_cpu_started, worker_cpu_started), client_cpu_started = site.cpu(), time.process_time()
    counters_started = site.counters()
    pages = PagesLoaded(candidates, site.cpu)
    with LoadSampler() as load:
        results = asyncio.run(
            _run_candidates(
                site.base_url,
                cookies,
                wav,
                turns=turns,
                think=think,
                turn_timeout=turn_timeout,
                seed=seed,
                speaking_seconds=answer_seconds,
                ramp_seconds=ramp_seconds,
                pages=pages,
            )
        )
    elapsed = time.perf_counter() - started
    web_cpu_now, worker_cpu_now = site.cpu()
    web_cpu, worker_cpu = web_cpu_now - web_cpu_started, worker_cpu_now - worker_cpu_started
    client_cpu = time.process_time() - client_cpu_started
    # pg_stat_database is updated by each backend when it goes idle: give the last transactions a moment.
    time.sleep(1.0)
    counted = {name: value - counters_started[name] for name, value in site.counters().items()}
    server_log = site.log.read_text(errors="replace") if site.log.exists() else ""
    server_errors = sum(1 for line in server_log.splitlines() if "Traceback" in line or " 500 " in line)
    server_timings = {
        **_server_timings(site.env["DATABASE_URL"], since_id=first_turn),
        **(_pool_timings(server_log) if topology == "single" else {}),
    }

    errors = [error for result in results for error in result.errors]
    for error in dict.fromkeys(errors):
        print(f"error ({errors.count(error)}x): {error}", file=sys.stderr)
    verdicts = [v for result in results for v in result.verdicts]
    measured_turns = len(verdicts) + 1  # + the warm-up candidate's
    turn_latencies = [v for result in results for v in result.turn_latencies]
    header = {
        "topology": topology,
        "candidates": candidates,
        "turns_each": turns,
        "answer_audio_s": round(answer_seconds, 1),
        "think_s": f"{think[0]:g}-{think[1]:g} (+{answer_seconds:.0f} speaking)",
        "arrivals": f"spread over {ramp_seconds:g} s" if ramp_seconds else "all at once",
        "sessions_sustained": sum(result.sustained for result in results),
        "turns_ok": len(verdicts),
        "errors": len(errors),
        "server_tracebacks": server_errors,
        "verdicts": ", ".join(f"{v}={verdicts.count(v)}" for v in sorted(set(verdicts))),
        "wall_s": round(elapsed, 1),
        "inference_workers": os.environ.get("INFERENCE_WORKERS", "default"),
        "inference_cores": site.inference_cores,
        "cpu_s": f"web {web_cpu:.0f}, workers {worker_cpu:.0f}, client {client_cpu:.0f} in {elapsed:.0f} s wall",
        # Per turn, page loads and the warm-up included: what a turn costs each tier.
        "cpu_s_per_turn": f"web {web_cpu / measured_turns:.3f}, workers {worker_cpu / measured_turns:.3f}"
        + (f" (web = {web_cpu / worker_cpu:.1%} of workers)" if worker_cpu else ""),
        # The turns alone: from the moment every page was loaded (before any turn began) to the end.
        "cpu_s_per_turn_turns_only": _turns_only(pages, (web_cpu_now, worker_cpu_now), len(verdicts)),
        "load_avg": f"{load_before:.1f} before; {statistics.fmean(load.samples or [0]):.1f} mean, "
        f"{max(load.samples or [0]):.1f} max during ({os.cpu_count()} cores, shared box)",
        # Per turn, page loads and the warm-up included: what the shared services would see per turn.
        "per_turn": ", ".join(f"{name} {value / measured_turns:.0f}" for name, value in counted.items()),
        "recording_kb": round(wav.stat().st_size / 1024),
    }
    p95 = _percentile(turn_latencies, 0.95)
    header["verdict_p95_s"] = round(p95, 2) if p95 is not None else None
    header["target_met"] = bool(
        p95 is not None and p95 <= 3.0 and not errors and header["sessions_sustained"] == candidates
    )
    return [
        header,
        _summary("turn: submit -> verdict on websocket", turn_latencies),
        _summary("reply: submit -> spoken reply ready", [v for r in results for v in r.reply_latencies]),
        _summary("upload of the recording", [v for r in results for v in r.upload_latencies]),
        *(_summary(name, values) for name, values in server_timings.items()),
    ]


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    from benchmarks.run import print_table

    table = run()
    for row in table:
        if "capacity" in row:
            print_table("bench_load: capacity", [row])
        elif "candidates" in row:
            print_table("bench_load: concurrent candidates", [row])
        else:
            print_table("bench_load: latencies", [row])
