"""Benchmark: 50 signed-in users on the web app's plan and board pages, SQLite and PostgreSQL.

    .venv/bin/python benchmarks/web.py [--users 50] [--duration 20] [--warmup 3]
        [--threads 4,8,16] [--think 0,5] [--databases sqlite,postgres] [--code HEAD] [--record]

For each database it makes a fresh one (SQLite: a file in a temporary folder; PostgreSQL:
the database ``cspkit_bench`` on the throwaway server of ``scripts/test-postgres``, dropped
and made again), loads Barnet's demo plan (``cspkit web demo``), adds ``--users`` accounts
(editors and viewers in pairs over the organisations that lead actions, real password
hasher) and one progress update from each editor, starts ``cspkit serve`` on a free
loopback port, and signs every user in once through the sign-in form before any timing.

Then every user - a Python thread with its own connection and cookies - loops over the
page mix (the plan, grouped by objective, overdue only, the board, one action, my actions,
and the sign-in page) in its own random order, with ``--think`` seconds between
requests (0: back to back), for ``--warmup`` seconds untimed, then ``--duration`` seconds
timed. Every request's latency (request sent to last byte read) and status are kept; a
status other than 200 or a failed connection is an error.

Baseline, measured in the same run: Django's own sign-in page (``/sign-in/``, fetched by the
same signed-in users: the same middleware, session and user look-up and context processor,
a small template, no plan queries) is in the same mix, so it waits in the same queues; each
page's p95 is printed as a multiple of the sign-in page's p95 - what the page costs above a
minimal Django page through this server under this load. (Not the static stylesheet:
WhiteNoise answers it before sessions and sign-in, so it would leave out the fixed cost
that every page pays.) Each page's p50 for a single user alone (the same server, unloaded)
is printed beside it.

``--threads 4,8,16`` runs the load once per waitress thread count, and ``--think 0,5`` runs
it again with each further think time at the thread count with the lowest p95. ``--code HEAD``
runs the app from a commit (or a folder) instead of the working tree. After the load, each
page is requested in-process (Django's test client) to count its SQL queries and time it,
and the most repeated query shapes are listed (N+1 patterns). The load generator runs on
the same machine as the server and the database: read the CPU split it prints.
``--record`` updates docs/performance.md.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parent.parent
APP = {"dir": REPO}  # where the app's code runs from: the working tree, or an exported --commit
HOST = "127.0.0.1"
BENCH_DB = "cspkit_bench"
GOAL_P95_MS = 300
BASELINE = "sign-in (baseline)"
console = Console(width=max(Console().width, 140))

# (name, path); "action" is filled with a random action of the plan on each request.
PAGES = [
    ("plan", "/plan/"),
    ("plan by objective", "/plan/?group=objective"),
    ("plan overdue", "/plan/?overdue=on"),
    ("board", "/board/"),
    ("action", "/plan/actions/{id}/"),
    ("my actions", "/my-actions/"),
    (BASELINE, "/sign-in/"),
]


# ---------------------------------------------------------------------------------------------
# A browser-like session: one keep-alive connection and its own cookie jar.


class Session:
    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        """(status, headers, body); reconnects once if the server closed the connection."""
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise
                continue
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            if response.headers.get("Connection", "").lower() == "close":
                self.close()
            return response.status, response.headers, data
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def sign_in(self, username: str, password: str) -> None:
        status, _, page = self.request("GET", "/sign-in/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or token is None:
            raise RuntimeError(f"sign-in page: status {status}, no CSRF token")
        body = urlencode(
            {
                "csrfmiddlewaretoken": token.group(1).decode(),
                "username": username,
                "password": password,
                "next": "",
            }
        ).encode()
        status, headers, _ = self.request(
            "POST",
            "/sign-in/",
            body,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"signing in {username}: status {status}, {headers.get('Location')}")


# ---------------------------------------------------------------------------------------------
# Running the load.


@dataclass
class Sample:
    page: str
    start: float
    seconds: float
    status: int  # 0: the connection failed


def _user_loop(session, action_ids, start_at, stop_at, think, seed, out: list[Sample]):
    rng = random.Random(seed)
    while time.perf_counter() < start_at:
        time.sleep(0.001)
    while True:
        mix = PAGES[:]
        rng.shuffle(mix)
        for name, path in mix:
            if time.perf_counter() >= stop_at:
                return
            path = path.format(id=rng.choice(action_ids))
            begun = time.perf_counter()
            try:
                status, _, _ = session.request("GET", path)
            except (OSError, http.client.HTTPException):
                status = 0
                session.close()
            out.append(Sample(name, begun, time.perf_counter() - begun, status))
            if think:
                time.sleep(rng.uniform(0.5 * think, 1.5 * think))


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


@dataclass
class LoadResult:
    samples: list[Sample]
    duration: float
    cpu: dict[str, float] = field(default_factory=dict)  # share of one core, 1.0 = 100 %


def run_load(sessions, action_ids, server_pid, warmup, duration, think) -> LoadResult:
    """Every session in its own thread; the samples that started in the timed window."""
    outs: list[list[Sample]] = [[] for _ in sessions]
    begin = time.perf_counter() + 0.2
    timed_from, stop_at = begin + warmup, begin + warmup + duration
    threads = [
        threading.Thread(
            target=_user_loop,
            args=(s, action_ids, begin, stop_at, think, i, outs[i]),
            daemon=True,
        )
        for i, s in enumerate(sessions)
    ]
    for t in threads:
        t.start()
    time.sleep(max(0.0, timed_from - time.perf_counter()))
    hz = os.sysconf("SC_CLK_TCK")
    server0, me0, (busy0, total0) = _cpu_ticks(server_pid), os.times(), _machine_ticks()
    time.sleep(max(0.0, stop_at - time.perf_counter()))
    server1, me1, (busy1, total1) = _cpu_ticks(server_pid), os.times(), _machine_ticks()
    for t in threads:
        t.join()
    cores = os.cpu_count() or 1
    server = max(0.0, (server1 - server0) / hz / duration)
    client = max(0.0, (me1.user + me1.system - me0.user - me0.system) / duration)
    machine = (busy1 - busy0) / max(1, total1 - total0) * cores
    samples = [s for out in outs for s in out if timed_from <= s.start < stop_at]
    return LoadResult(
        samples,
        duration,
        {
            "server": server,
            "load generator": client,
            "other": max(0.0, machine - server - client),
            "machine": machine,
        },
    )


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of ``values`` (seconds)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass
class PageStats:
    page: str
    requests: int
    rate: float
    p50: float
    p95: float
    p99: float
    errors: int


def page_stats(result: LoadResult) -> list[PageStats]:
    by_page: dict[str, list[Sample]] = defaultdict(list)
    for s in result.samples:
        by_page[s.page].append(s)
    names = [name for name, _ in PAGES if name != BASELINE]
    rows = []
    for name, samples in [(n, by_page[n]) for n in names] + [
        ("all pages", [s for s in result.samples if s.page != BASELINE]),
        (BASELINE, by_page[BASELINE]),
    ]:
        times = [s.seconds * 1000 for s in samples]
        rows.append(
            PageStats(
                name,
                len(samples),
                len(samples) / result.duration,
                percentile(times, 50),
                percentile(times, 95),
                percentile(times, 99),
                sum(1 for s in samples if s.status != 200),
            )
        )
    return rows


# ---------------------------------------------------------------------------------------------
# Setting up a database and a server.


def _env(base: dict, **extra) -> dict:
    env = {k: v for k, v in base.items() if not k.startswith(("CSPKIT_DATABASE", "CSPKIT_WEB"))}
    env.update(extra)
    return env


def _run(args: list[str], env: dict, what: str) -> str:
    done = subprocess.run(args, env=env, cwd=APP["dir"], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def sqlite_database(base_env: dict):
    with tempfile.TemporaryDirectory(prefix="cspkit-web-bench-") as folder:
        yield _env(base_env, CSPKIT_WEB_DB=str(Path(folder) / "web.sqlite3")), "SQLite (WAL)"


@contextlib.contextmanager
def postgres_database(base_env: dict):
    script = str(REPO / "scripts" / "test-postgres")
    import psycopg

    # Leave the server as found: stop it afterwards only if this run started it.
    was_running = subprocess.run([script, "status"], capture_output=True).returncode == 0
    url = None

    def admin(sql: str):
        with psycopg.connect(url, autocommit=True) as conn:
            cursor = conn.execute(sql)
            return cursor.fetchone() if cursor.description else None

    try:
        out = _run([script, "start"], base_env, "scripts/test-postgres start")
        url = out.strip().splitlines()[-1]
        bench_url = urlunsplit(urlsplit(url)._replace(path=f"/{BENCH_DB}"))
        admin(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        admin(f"CREATE DATABASE {BENCH_DB}")
        version = admin("SHOW server_version")[0]
        yield _env(base_env, CSPKIT_DATABASE_URL=bench_url), f"PostgreSQL {version}"
    finally:
        if url is not None:
            with contextlib.suppress(Exception):
                admin(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        if not was_running:
            subprocess.run([script, "stop"], capture_output=True)


DATABASES = {"sqlite": sqlite_database, "postgres": postgres_database}


@contextlib.contextmanager
def server(env: dict, threads: int, log_folder: Path):
    port = _free_port()
    log = (log_folder / f"serve-{threads}.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "cspkit", "serve", "--host", HOST, "--port", str(port)]
        + ["--threads", str(threads)],
        env=env,
        cwd=APP["dir"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"cspkit serve exited:\n{Path(log.name).read_text()[-3000:]}")
            try:
                if Session(port).request("GET", "/sign-in/")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("cspkit serve did not answer within 60 s")
            time.sleep(0.2)
        try:
            yield port, process.pid
        except Exception:
            log.flush()
            console.print(f"[red]server log (tail):[/]\n{Path(log.name).read_text()[-4000:]}")
            raise
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _internal(command: str, env: dict, *args: str) -> dict:
    out = _run([sys.executable, __file__, "_internal", command, *args], env, command)
    return json.loads(out.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# Run inside the app's environment (a subprocess with the database's variables set).


def _setup_django():
    from cspkit.web import setup

    setup()


def internal_make_users(count: str, secret: str) -> dict:
    """Accounts bench00.. (editor, viewer pairs over the leading organisations), one update each
    editor; prints their usernames and roles."""
    _setup_django()
    from django.contrib.auth import get_user_model

    from cspkit.web.plan.models import Action, Organisation, Person, Role
    from cspkit.web.plan.services import add_update

    orgs = list(
        Organisation.objects.filter(lead_rows__isnull=False).distinct().order_by("short_name")
    )
    User = get_user_model()
    accounts = []
    for i in range(int(count)):
        org = orgs[(i // 2) % len(orgs)]
        role = Role.EDITOR if i % 2 == 0 else Role.VIEWER
        user, _ = User.objects.get_or_create(username=f"bench{i:02d}")
        user.set_password(f"{secret}-{i:02d}")  # the project's real password hasher
        user.save()
        Person.objects.update_or_create(
            user=user,
            defaults={"name": f"Bench User {i:02d}", "organisation": org, "role": role},
        )
        if role == Role.EDITOR:
            led = list(
                Action.objects.filter(rows__lead_organisations=org)
                .distinct()
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            add_update(
                user,
                led[(i // 2 // len(orgs)) % len(led)],
                f"Benchmark progress note {i}: partners met and agreed the next steps.",
                rag=("green", "amber", "red")[i % 3],
            )
        accounts.append({"username": user.username, "role": role, "organisation": org.short_name})
    return {"accounts": accounts, "organisations": len(orgs)}


def internal_profile(usernames: str) -> dict:
    """Each page once per user for a warm-up, then timed (median of 5) with its SQL captured."""
    _setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from cspkit.web.plan.models import Action

    action_id = Action.objects.order_by("pk").values_list("pk", flat=True).first()
    pages = {}
    for username in usernames.split(","):
        client = Client(HTTP_HOST=HOST)
        client.force_login(get_user_model().objects.get(username=username))
        for name, path in PAGES:
            if name == BASELINE:
                continue
            url = path.format(id=action_id)
            client.get(url)
            times, cpu = [], []
            for _ in range(5):
                with CaptureQueriesContext(connection) as ctx:
                    begun, begun_cpu = time.perf_counter(), time.process_time()
                    response = client.get(url)
                    times.append(time.perf_counter() - begun)
                    cpu.append(time.process_time() - begun_cpu)
                assert response.status_code == 200, (url, response.status_code)
            shapes = Counter(
                re.sub(r"\b\d+\b", "?", re.sub(r"'[^']*'", "'?'", q["sql"]))
                for q in ctx.captured_queries
            )
            repeated = [(n, sql[:160]) for sql, n in shapes.most_common(3) if n > 2]
            pages[f"{name} ({username})"] = {
                "ms": statistics.median(times) * 1000,
                "cpu_ms": statistics.median(cpu) * 1000,
                "queries": len(ctx.captured_queries),
                "sql_ms": sum(float(q["time"]) for q in ctx.captured_queries) * 1000,
                "bytes": len(response.content),
                "repeated": repeated,
            }
    return pages


# ---------------------------------------------------------------------------------------------


def _sign_in_all(port: int, accounts, secret: str) -> list[Session]:
    sessions = [Session(port) for _ in accounts]
    errors = []

    def sign_in(i):
        try:
            sessions[i].sign_in(accounts[i]["username"], f"{secret}-{i:02d}")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    for start in range(0, len(sessions), 4):  # four at a time: hashing is slow on purpose
        batch = [
            threading.Thread(target=sign_in, args=(i,))
            for i in range(start, min(start + 4, len(sessions)))
        ]
        for t in batch:
            t.start()
        for t in batch:
            t.join()
    if errors:
        raise errors[0]
    return sessions


def _action_ids(session: Session) -> list[int]:
    status, _, page = session.request("GET", "/plan/")
    ids = sorted({int(m) for m in re.findall(rb'href="/plan/actions/(\d+)/"', page)})
    if status != 200 or not ids:
        raise RuntimeError(f"/plan/ answered {status} with {len(ids)} action links")
    return ids


def _single_user(session: Session, action_ids, pid: int, seconds: float) -> dict[str, float]:
    """p50 (ms) of each page for one user alone, back to back, for about ``seconds``."""
    result = run_load([session], action_ids, pid, warmup=0.5, duration=seconds, think=0)
    return {s.page: s.p50 for s in page_stats(result)}


def _table(title: str, stats: list[PageStats], alone: dict[str, float]) -> Table:
    base_p95 = next(s.p95 for s in stats if s.page == BASELINE)
    table = Table(title=title)
    for column in ("page", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors"):
        table.add_column(column, justify="left" if column == "page" else "right")
    table.add_column("p95 / baseline p95", justify="right")
    table.add_column("1 user p50 ms", justify="right")
    for s in stats:
        table.add_row(
            s.page,
            f"{s.requests:,}",
            f"{s.rate:.1f}",
            f"{s.p50:.0f}",
            f"{s.p95:.0f}",
            f"{s.p99:.0f}",
            str(s.errors),
            f"{s.p95 / base_p95:.1f}x",
            f"{alone.get(s.page, float('nan')):.1f}",
            style="bold" if s.page == "all pages" else None,
        )
    return table


def _lines(stats: list[PageStats], alone: dict[str, float]) -> list[str]:
    base_p95 = next(s.p95 for s in stats if s.page == BASELINE)
    lines = [
        f"  {'page':<18} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
        f" {'errors':>6} {'p95/baseline':>12} {'1 user p50':>10}"
    ]
    for s in stats:
        lines.append(
            f"  {s.page:<18} {s.requests:>8,} {s.rate:>7.1f} {s.p50:>7.0f} {s.p95:>7.0f}"
            f" {s.p99:>7.0f} {s.errors:>6} {s.p95 / base_p95:>11.1f}x"
            f" {alone.get(s.page, float('nan')):>10.1f}"
        )
    return lines


def _one_run(
    env, label, threads, think, accounts, secret, args, logs
) -> tuple[list[str], PageStats]:
    with server(env, threads, logs) as (port, pid):
        began = time.perf_counter()
        sessions = _sign_in_all(port, accounts, secret)
        action_ids = _action_ids(sessions[0])
        console.print(
            f"waitress threads {threads}: {len(sessions)} users signed in in"
            f" {time.perf_counter() - began:.1f} s; {len(action_ids)} actions"
        )
        alone = _single_user(sessions[1 % len(sessions)], action_ids, pid, args.alone)
        busy0, total0 = _machine_ticks()
        time.sleep(2)
        busy1, total1 = _machine_ticks()
        idle_busy = (busy1 - busy0) / max(1, total1 - total0) * (os.cpu_count() or 1)
        result = run_load(sessions, action_ids, pid, args.warmup, args.duration, think)
        for s in sessions:
            s.close()
    stats = page_stats(result)
    overall = next(s for s in stats if s.page == "all pages")
    cpu = ", ".join(f"{k} {v * 100:.0f}%" for k, v in result.cpu.items() if k != "machine")
    cpu += f"; machine busy just before the run: {idle_busy * 100:.0f}%"
    pause = "no think time" if not think else f"think time {think:g} s"
    heading = (
        f"{label}, waitress threads {threads}, {pause}: {overall.rate:.1f} pages/s,"
        f" p95 {overall.p95:.0f} ms, {overall.errors} errors; CPU in % of one core"
        f" (all {os.cpu_count()} cores = {os.cpu_count() * 100}%): {cpu}"
    )
    console.print(_table(heading, stats, alone))
    return [heading, *_lines(stats, alone), ""], overall


def bench_database(kind: str, args, secret: str, base_env: dict) -> list[str]:
    lines: list[str] = []
    with DATABASES[kind](base_env) as (env, label), tempfile.TemporaryDirectory() as logs:
        console.rule(f"[bold]{label}")
        begun = time.perf_counter()
        _run([sys.executable, "-m", "cspkit", "web", "demo"], env, "cspkit web demo")
        made = _internal("make-users", env, str(args.users), secret)
        accounts = made["accounts"]
        console.print(
            f"demo plan and {len(accounts)} accounts over {made['organisations']} organisations"
            f" ready in {time.perf_counter() - begun:.1f} s"
        )
        runs = {}
        for threads in args.threads:
            more, runs[threads] = _one_run(
                env, label, threads, args.think[0], accounts, secret, args, Path(logs)
            )
            lines += more
        best = min(runs, key=lambda t: runs[t].p95)
        if len(runs) > 1:
            lines += [
                f"{label}: lowest p95 with {best} waitress threads"
                f" ({runs[best].p95:.0f} ms, {runs[best].rate:.1f} pages/s)",
                "",
            ]
        for think in args.think[1:]:
            lines += _one_run(env, label, best, think, accounts, secret, args, Path(logs))[0]
        if args.profile:
            pick = [a["username"] for a in accounts[:2]]
            profile = _internal("profile", env, ",".join(pick))
            first = len(lines)
            lines.append(
                f"{label}, one request at a time in-process (Django test client), median of 5"
                " (CPU ms: the process's CPU time):"
            )
            lines.append(
                f"  {'page (user)':<30} {'ms':>6} {'CPU ms':>6} {'queries':>7} {'SQL ms':>7}"
                f" {'KB':>5}"
            )
            for name, p in profile.items():
                lines.append(
                    f"  {name:<30} {p['ms']:>6.1f} {p['cpu_ms']:>6.1f} {p['queries']:>7}"
                    f" {p['sql_ms']:>7.1f}"
                    f" {p['bytes'] / 1024:>5.0f}"
                )
                for n, sql in p["repeated"]:
                    lines.append(f"      {n} x {sql}")
            print("\n".join(lines[first:]))
            lines.append("")
    return lines


def main() -> None:
    if sys.argv[1:2] == ["_internal"]:
        command, *rest = sys.argv[2:]
        functions = {"make-users": internal_make_users, "profile": internal_profile}
        print(json.dumps(functions[command](*rest)))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=20.0, help="timed seconds")
    parser.add_argument("--warmup", type=float, default=3.0, help="untimed seconds first")
    parser.add_argument("--alone", type=float, default=4.0, help="seconds of the 1-user pass")
    parser.add_argument(
        "--think",
        type=lambda v: [float(x) for x in v.split(",")],
        default=[0.0, 5.0],
        help="mean seconds between a user's requests (0: back to back); more values (0,5) run"
        " again at the thread count with the lowest p95",
    )
    parser.add_argument(
        "--threads",
        type=lambda v: [int(x) for x in v.split(",")],
        default=[4],
        help="waitress threads; a list (4,8,16) runs the load once per count",
    )
    parser.add_argument(
        "--databases",
        type=lambda v: [x.strip() for x in v.split(",") if x.strip()],
        default=["sqlite", "postgres"],
    )
    parser.add_argument(
        "--code",
        metavar="COMMIT|FOLDER",
        help="run the app from this commit (git archive into a temporary folder) or from a"
        " folder holding cspkit/, instead of the working tree; e.g. HEAD, so that uncommitted"
        " edits made during the run cannot change or break it",
    )
    parser.add_argument("--no-profile", dest="profile", action="store_false")
    parser.add_argument("--record", action="store_true", help="update docs/performance.md")
    args = parser.parse_args()
    unknown = set(args.databases) - set(DATABASES)
    if unknown:
        parser.error(f"unknown database(s) {', '.join(sorted(unknown))}; use sqlite, postgres")
    if "postgres" in args.databases and shutil.which("psql") is None and not _has_initdb():
        parser.error(
            "no PostgreSQL server here (see scripts/test-postgres); use --databases sqlite"
        )

    secret = secrets.token_urlsafe(12)
    base_env = dict(os.environ, CSPKIT_SECRET_KEY=secrets.token_urlsafe(50))
    base_env.pop("CSPKIT_DEBUG", None)
    with contextlib.ExitStack() as stack:
        code = _app_code(args.code, base_env, stack)
        lines = _header(args, code)
        for kind in args.databases:
            lines += bench_database(kind, args, secret, base_env)
    if shutil.which("wrk"):
        lines.append("(wrk is installed but not used: it cannot sign in 50 separate users)")
    if args.record:
        from timing import record

        record([line.rstrip() for line in lines], marker="web-benchmark")


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(REPO), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def _app_code(code: str | None, env: dict, stack: contextlib.ExitStack) -> str:
    """Say which code runs; with ``code``, point the subprocesses at that commit or folder."""
    if code is None:
        sha = _git("rev-parse", "--short", "HEAD")
        dirty = _git("status", "--porcelain", "--", "cspkit")
        return f"the working tree at {sha}" + (" with uncommitted changes" if dirty else "")
    if (Path(code) / "cspkit").is_dir():
        folder, label = Path(code).resolve(), f"the folder {code}"
    else:
        sha = _git("rev-parse", "--short", code)
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cspkit-web-app-")))
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", sha], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
        label = f"commit {sha}"
    # ``python -m cspkit`` finds the package in its working folder, the rest via PYTHONPATH.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(folder), env.get("PYTHONPATH")]))
    APP["dir"] = folder
    return label


def _header(args, code: str) -> list[str]:
    from importlib.metadata import version

    import django

    think = ", ".join("none" if not t else f"{t:g} s" for t in args.think)
    return [
        f"{args.users} signed-in users ({(args.users + 1) // 2} editors, {args.users // 2}"
        f" viewers), each a thread with its own connection and cookies; think time: {think}"
        " (uniform 0.5-1.5x the mean);"
        f" {args.warmup:g} s warm-up, {args.duration:g} s timed per run",
        f"page mix per user, shuffled: {', '.join(name for name, _ in PAGES)};"
        f" baseline = the sign-in page in the same mix",
        f"cspkit serve (waitress {version('waitress')}), Django {django.get_version()}, DEBUG off;"
        f" server, database and load generator on the same {os.cpu_count()}-core machine,"
        " over loopback",
        f"app code: {code}",
        "",
    ]


def _has_initdb() -> bool:
    return any(Path("/usr/lib/postgresql").glob("*/bin/initdb"))


if __name__ == "__main__":
    main()
