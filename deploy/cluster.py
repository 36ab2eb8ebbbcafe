"""`make cluster`: InterBot's multi-process topology on one machine, to see it work (and to test it).

nginx (Debian's, with deploy/nginx/interbot.conf) in front of 2 daphne web processes, 2 Celery inference
workers, PostgreSQL (its own database, `interbot_cluster` by default) and a Redis server of its own on a free
port (broker, channel layer and cache). Every process logs into the run folder. Ctrl+C stops them all.

    .venv/bin/python -m deploy.cluster            # prints the address and the demo accounts
    CLUSTER_PORT=8080 CLUSTER_DB=mydb .venv/bin/python -m deploy.cluster
    CLUSTER_WORKER_CONCURRENCY=2 ...  # pool processes per worker (1: a worker per core, the kill test's unit)

tests/cluster/ drives the same class (`Cluster`): killing a worker, restarting a web process.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "deploy" / "nginx" / "interbot.conf"
POSTGRES = os.environ.get("CLUSTER_POSTGRES", "postgres://postgres@127.0.0.1:5432")
START_TIMEOUT_S = 180


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(what: str, ready, *, timeout: float = START_TIMEOUT_S, process: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        if ready():
            return
        time.sleep(0.3)
    raise RuntimeError(f"{what} not ready after {timeout:.0f} s")


def site_config(listen: str, web_ports: list[int]) -> str:
    """deploy/nginx/interbot.conf with this topology's address and web processes (the lines marked "cluster:")."""
    lines: list[str] = []
    in_upstream_list = False
    for line in SITE.read_text().splitlines():
        if line.rstrip().endswith("# cluster: listen"):
            lines.append(f"    listen {listen};")
        elif line.rstrip().endswith("# cluster: web"):
            if not in_upstream_list:  # the first marked server of an upstream stands for all of them
                options = line.split("#")[0].strip().rstrip(";").split()[2:]
                lines += [f"    server 127.0.0.1:{port} {' '.join(options)};" for port in web_ports]
            in_upstream_list = True
            continue
        else:
            lines.append(line)
        in_upstream_list = False
    return "\n".join(lines) + "\n"


class Cluster:
    """Start the topology (`with Cluster() as cluster:`); `url` is nginx's address."""

    def __init__(
        self,
        *,
        database: str = "interbot_cluster",
        port: int | None = None,
        folder: Path | None = None,
        webs: int = 2,
        workers: int = 2,
        env: dict[str, str] | None = None,
        fresh_database: bool = False,
        collect_static: bool = True,
    ):
        self.database = database
        self.port = port or free_port()
        self.folder = Path(folder or tempfile.mkdtemp(prefix="interbot-cluster-"))
        self.folder.mkdir(parents=True, exist_ok=True)
        self.web_ports = [free_port() for _ in range(webs)]
        self.worker_names = [f"worker{n + 1}" for n in range(workers)]
        self.extra_env = env or {}
        self.fresh_database = fresh_database
        self.collect_static = collect_static  # DEBUG on: WhiteNoise also serves from the apps' folders
        self.redis_port = free_port()
        self.processes: dict[str, subprocess.Popen] = {}
        self._nginx_temp: Path | None = None
        self.url = f"http://127.0.0.1:{self.port}"

    # --- environment ------------------------------------------------------------------------------------

    @property
    def env(self) -> dict[str, str]:
        redis = f"redis://127.0.0.1:{self.redis_port}"
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "interbot_site.settings",
            "DEBUG": os.environ.get("DEBUG", "1"),
            "DATABASE_URL": f"{POSTGRES}/{self.database}",
            "REDIS_URL": f"{redis}/0",
            "CELERY_BROKER_URL": f"{redis}/1",
            "MEDIA_ROOT": str(self.folder / "media"),  # the shared storage of web processes and workers
            "GRADIO_TEMP_DIR": str(self.folder / "gradio"),
            "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
            "PYTHONUNBUFFERED": "1",
            "INFERENCE_LOG_LEVEL": "INFO",  # one line per job attempt in the worker logs
            **self.extra_env,
        }

    def manage(self, *args: str, capture: bool = False) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            text=True,
            stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
        )
        return done.stdout or ""

    # --- services ---------------------------------------------------------------------------------------

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115 - kept open by the child
        process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.processes[name] = process
        return process

    def _postgres(self) -> None:
        ready = ["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"]
        if subprocess.run(ready).returncode != 0:
            version = sorted(os.listdir("/etc/postgresql"), key=lambda v: [int(p) for p in v.split(".")])[-1]
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=True
            )
            _wait("PostgreSQL", lambda: subprocess.run(ready).returncode == 0, timeout=60)
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", self.database):
            raise ValueError(f"not a plain database name: {self.database!r}")

        def sql(statement: str) -> str:
            return subprocess.run(
                ["psql", "-d", f"{POSTGRES}/postgres", "-Atc", statement],
                check=True,
                capture_output=True,
                text=True,
            ).stdout

        if self.fresh_database:
            sql(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")
        if self.database not in sql("SELECT datname FROM pg_database").split():
            sql(f"CREATE DATABASE {self.database}")

    def _redis(self) -> None:
        process = self._spawn(
            "redis",
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
        )
        _wait("Redis", lambda: self._redis_ping(), timeout=30, process=process)

    def _redis_ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start_web(self, index: int, *, wait: bool = True) -> None:
        port = self.web_ports[index]
        name = f"web{index + 1}"
        self._spawn(
            name,
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "--proxy-headers",
                "interbot_site.asgi:application",
            ],
        )
        if wait:
            self.wait_for_web(index)

    def wait_for_web(self, index: int) -> None:
        name = f"web{index + 1}"
        port = self.web_ports[index]
        _wait(name, lambda: self._healthy(f"http://127.0.0.1:{port}"), process=self.processes[name])

    def stop_web(self, index: int) -> None:
        self._stop(f"web{index + 1}")

    def restart_web(self, index: int) -> None:
        self.stop_web(index)
        self.start_web(index)

    def start_worker(self, index: int) -> None:
        name = self.worker_names[index]
        self._spawn(
            name,
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "interbot_site",
                "worker",
                "--pool=prefork",
                f"--concurrency={os.environ.get('CLUSTER_WORKER_CONCURRENCY', '1')}",
                "-Q",
                "interactive,bulk",
                "-n",
                f"{name}@%h",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
        )

    def kill_worker(self, index: int) -> None:
        """SIGKILL the worker and its pool processes at once, as a machine that dies: nothing is acknowledged."""
        process = self.processes.pop(self.worker_names[index])
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def workers_answering(self) -> set[str]:
        """The workers that answer `celery inspect ping` (their health check)."""
        done = subprocess.run(
            [sys.executable, "-m", "celery", "-A", "interbot_site", "inspect", "ping", "--timeout", "3"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )
        return {name for name in self.worker_names if re.search(rf"{name}@\S+: OK", done.stdout)}

    def _healthy(self, base: str) -> bool:
        try:
            return httpx.get(f"{base}/healthz", timeout=3).status_code == 200
        except httpx.HTTPError:
            return False

    def _nginx(self) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.path.exists(nginx):
            subprocess.run(["bash", str(ROOT / "scripts" / "install-nginx.sh")], check=True)
        # nginx's worker processes run as "nobody": their temp files (uploads) go where nobody may write,
        # whatever the run folder's parents allow.
        temp = Path(tempfile.mkdtemp(prefix="interbot-nginx-"))
        temp.chmod(0o777)
        self._nginx_temp = temp
        conf = self.folder / "nginx.conf"
        conf.write_text(
            f"daemon off;\nworker_processes 1;\npid {self.folder}/nginx.pid;\n"
            f"error_log {self.folder}/nginx-error.log warn;\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            f"  access_log {self.folder}/nginx-access.log;\n"
            f"  client_body_temp_path {temp}/body;\n  proxy_temp_path {temp}/proxy;\n"
            f"  fastcgi_temp_path {temp}/fastcgi;\n  uwsgi_temp_path {temp}/uwsgi;\n  scgi_temp_path {temp}/scgi;\n"
            "  include /etc/nginx/mime.types;\n"
            + site_config(f"127.0.0.1:{self.port}", self.web_ports)
            + "}\n"
        )
        process = self._spawn(
            "nginx",
            [nginx, "-p", str(self.folder), "-c", str(conf), "-e", str(self.folder / "nginx-error.log")],
        )
        _wait("nginx", lambda: self._healthy(self.url), process=process)

    def _stop(self, name: str, *, grace: float = 15) -> None:
        """SIGTERM, then SIGKILL after `grace` seconds (as systemd's TimeoutStopSec)."""
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    # --- whole topology ---------------------------------------------------------------------------------

    def start(self) -> Cluster:
        self._postgres()
        self._redis()
        self.manage("migrate", "--noinput")
        self.manage("load_question_bank")
        self.manage("create_demo_users")
        if self.collect_static:
            self.manage("collectstatic", "--noinput")
        for index in range(len(self.worker_names)):
            self.start_worker(index)
        for index in range(len(self.web_ports)):
            self.start_web(index, wait=False)  # side by side: each takes a while to import Gradio
        for index in range(len(self.web_ports)):
            self.wait_for_web(index)
        self._nginx()
        _wait("workers", lambda: self.workers_answering() == set(self.worker_names))
        return self

    def stop(self) -> None:
        for name in [
            "nginx",
            *[f"web{n + 1}" for n in range(len(self.web_ports))],
            *self.worker_names,
            "redis",
        ]:
            self._stop(name)
        if self._nginx_temp:
            shutil.rmtree(self._nginx_temp, ignore_errors=True)

    def __enter__(self) -> Cluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()


def _stop_on_signal(signum, frame) -> None:
    raise KeyboardInterrupt  # SIGTERM (a supervisor, `kill`) stops the topology as Ctrl+C does


def main() -> None:
    signal.signal(signal.SIGTERM, _stop_on_signal)
    signal.signal(signal.SIGINT, _stop_on_signal)  # also when started in the background by a shell
    port = int(os.environ.get("CLUSTER_PORT") or 0) or None
    folder = Path(os.environ["CLUSTER_DIR"]) if os.environ.get("CLUSTER_DIR") else None
    cluster = Cluster(database=os.environ.get("CLUSTER_DB", "interbot_cluster"), port=port, folder=folder)
    print("Starting PostgreSQL (if needed), Redis, 2 Celery workers, 2 daphne and nginx...", flush=True)
    with cluster:
        print(f"InterBot cluster on {cluster.url}/  (Ctrl+C to stop)")
        print(
            f"  web processes: {', '.join(f'127.0.0.1:{p}' for p in cluster.web_ports)}; health: {cluster.url}/healthz"
        )
        print(f"  workers: {', '.join(cluster.worker_names)} (celery inspect ping); logs in {cluster.folder}")
        print("  demo accounts: demo / demo-interview, coach / demo-coach, admin / demo-admin")
        try:
            signal.pause()
        except KeyboardInterrupt:
            print("Stopping...")


if __name__ == "__main__":
    main()
