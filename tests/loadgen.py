"""Load against a real server (gunicorn as `make run` starts it): many clients at once, each
request on a new TCP connection if asked, and a watch on the PostgreSQL connections the web
server holds. Used by tests/crm/test_server_load.py and tests/bench/bench_concurrent_pages.py.
"""

from __future__ import annotations

import dataclasses
import http.client
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclasses.dataclass
class Hit:
    path: str
    who: str
    status: int
    ms: float
    body: bytes = b""


class WebServer:
    """``gunicorn crm.wsgi`` with the project's gunicorn.conf.py, on ``port``."""

    def __init__(self, port: int, *, settings: str, workers: int = 2, threads: int = 4, extra_env=None):
        self.port, self.workers, self.threads = port, workers, threads
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": settings,
            "WEB_PORT": str(port),
            "WEB_WORKERS": str(workers),
            "WEB_THREADS": str(threads),
            "WEB_ACCESS_LOG": "",
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        self.env.pop("DB_APPLICATION_NAME", None)
        self.proc = None

    @property
    def pool(self) -> int:
        return self.workers * self.threads

    def start(self, timeout=60):
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
        self.proc = subprocess.Popen([gunicorn, "crm.wsgi:application"], cwd=ROOT, env=self.env)  # noqa: S603
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}")
            try:
                if get(self.port, "/healthz").status in (200, 503):
                    return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("gunicorn did not answer in time")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def get(port: int, path: str, *, cookie: str | None = None, who: str = "", keep=None, timeout=60) -> Hit:
    """GET ``path``; a new TCP connection unless ``keep`` (an HTTPConnection) is given."""
    conn = keep or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Host": "localhost", "Accept-Language": "zh-hans"}
    if cookie:
        headers["Cookie"] = f"sessionid={cookie}"
    if keep is None:
        headers["Connection"] = "close"
    start = time.perf_counter()
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        status = response.status
    except (OSError, http.client.HTTPException):
        status, body = 0, b""
        if keep is not None:
            keep.close()
    finally:
        if keep is None:
            conn.close()
    return Hit(path, who, status, (time.perf_counter() - start) * 1000, body)


def hammer(port: int, plan: list[tuple[str, str, str]], *, clients: int) -> list[Hit]:
    """Run ``plan`` — (who, session cookie, path) — with ``clients`` at once, each on a new connection."""
    with ThreadPoolExecutor(max_workers=clients) as pool:
        return list(pool.map(lambda item: get(port, item[2], cookie=item[1], who=item[0]), plan))


def for_duration(
    port: int, plan: list[tuple[str, str, str]], *, clients: int, seconds: float, think: tuple[float, float] = (0, 0)
) -> list[Hit]:
    """``clients`` users, each with a keep-alive connection, cycling through ``plan`` for ``seconds``;
    between two pages each user waits a time drawn uniformly from ``think`` (seconds; a fixed
    seed per user, so runs compare), as a person reads a page before the next click."""
    hits: list[Hit] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def user(index):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        rng = random.Random(index)  # noqa: S311  (think times, not secrets)
        i = index
        mine = []
        # A modelled pause (a person reading), not a wait for something: users start spread over
        # the first think time rather than in the same instant.
        if think[1] > 0:
            time.sleep(rng.uniform(0, think[1]))
        while time.monotonic() < stop_at:
            if mine and think[1] > 0:
                time.sleep(min(rng.uniform(*think), max(stop_at - time.monotonic(), 0)))
                if time.monotonic() >= stop_at:
                    break
            who, cookie, path = plan[i % len(plan)]
            hit = get(port, path, cookie=cookie, who=who, keep=conn)
            if hit.status == 0:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                if think[1] > 0:
                    # A kept-alive connection the server closed while the user was reading: a
                    # browser sends the GET again on a new connection (RFC 9112 §9.3.1), once;
                    # the time of both attempts counts, a second failure is an error.
                    again = get(port, path, cookie=cookie, who=who, keep=conn)
                    hit = dataclasses.replace(again, ms=hit.ms + again.ms)
                    if hit.status == 0:
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            mine.append(hit)
            i += clients
        conn.close()
        with lock:
            hits.extend(mine)

    threads = [threading.Thread(target=user, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return hits


class BackendWatch:
    """Counts, every ``interval`` s, the connections of the web server (application_name
    ``pharmacrm-web``) to database ``dbname``; ``peak`` is the most seen at once."""

    def __init__(self, params: dict, dbname: str, interval: float = 0.1):
        self.params, self.dbname, self.interval = params, dbname, interval
        self.peak, self.samples = 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def count(self) -> int:
        from crm.db import provision

        conn = provision._connect(self.params, self.dbname)
        try:
            with conn.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = 'pharmacrm-web'",
                    [self.dbname],
                )
                return cursor.fetchone()[0]
        finally:
            conn.close()

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.count())
            self.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
