"""The scale-out for real: Redis, a PostgreSQL primary and replica, two app servers, HAProxy.

    scripts/with-postgres-replica python reliability/cluster.py --json var/cluster/result.json

Run by ``make test-cluster`` (part of ``make test``). ``scripts/with-postgres-replica`` gives a
primary and a streaming replica on loopback (DATABASE_URL, DATABASE_REPLICA_URLS). This script
adds, as its own processes on free loopback ports with their files in a temporary folder: Redis
(no persistence), two gunicorn app servers "a" and "b" with production settings (Redis for the
cache and sessions, the primary, the replica), and HAProxy in front of them with health checks
and retries. The replica is made synchronous (``remote_apply``): an acknowledged edit is already
on the replica, so it can be asked of anonymous readers at once.

Then, through the balancer, ``--clients`` anonymous readers rotate over pages, API and feeds for
``--duration`` seconds while an editor (API token) edits a claim every second; ``--kill-at``
seconds in, app server "a" is killed (SIGKILL to its whole process group) and started again
``--down`` seconds later. Checked, besides each answer's status:

- no failed request (5xx, 429, connection error) and no lost write: every acknowledged edit is
  read back from the primary at the end;
- an edit through one app server is visible at once to an anonymous visitor of the other (its
  cached copy of the page was invalidated through Redis), before and during the load;
- a session logged in through one app server works on the other (and is kept in Redis);
- anonymous reads query the replica and never the primary; editors (token or session) never the
  replica, and read their own edit at once. Each response says which databases it queried
  (``DATABASE_QUERIES_HEADER``): the router's real choice, per request, where the replica's
  ``pg_stat_database`` counters could only say that somebody read there. Those counters are
  checked as well, to show that the replica server itself did the reading.

Figures go to ``--json`` (requests, failures, lost writes, p50/p99, answers per app server and
per database); the exit code is 1 when any check fails. Only 127.0.0.1 is ever contacted.
"""

import argparse
import http.client
import itertools
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from load import PYTHON, READS, ROOT, free_port, manage, percentile

HOST = "127.0.0.1"
EDITOR, PASSWORD = "cluster-editor", "cluster-editor-pass-1234"
# Every request to an app server says it came over HTTPS through the balancer, as HAProxy's do.
PROXIED = {"X-Forwarded-Proto": "https"}
HEALTH = "/api/countries/KAZ/"

# The curated data, the editor (a token and a password) and the claims the run edits, one a
# second (one interpreter for all three: start-up is slow on a busy machine).
SETUP = """
import datetime, os
from django.core.management import call_command
from tracker.services import api_token_create
from tracker import models as m
from tracker.services import editor_create
call_command("load_seeds")
user = editor_create(
    username=os.environ["CLUSTER_EDITOR"], password=os.environ["CLUSTER_PASSWORD"], email=""
)
country, source = m.Country.objects.get(code="KAZ"), m.Source.objects.order_by("pk").first()
ids = [
    m.Claim.objects.create(
        key=f"cluster-claim-{n}", country=country, kind="law", source=source,
        summary=f"Claim {n} as first written.", stated_on=datetime.date(2024, 1, 1),
        stated_on_precision="day", status="published",
    ).pk
    for n in range(int(os.environ["CLUSTER_CLAIMS"]))
]
print(api_token_create(user=user), *ids)
"""

HAPROXY = """\
global
    maxconn 512
    log stdout format raw local0

defaults
    mode http
    log global
    option httplog
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    # A killed server refuses connections and fails its check at once; a busy one answers its
    # check behind the requests it is serving. Seen with 2 s: the one server left was marked
    # down when the machine was loaded, and HAProxy answered every request 503 itself.
    timeout check 10s
    # A request whose server died under it (no answer, or a refused connection) is sent again,
    # to another server each time.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout

frontend web
    bind {host}:{port}
    # TLS would end here: the app is told that the visitor's connection was HTTPS.
    http-request set-header X-Forwarded-Proto https
    option forwardfor
    default_backend app

backend app
    balance roundrobin
    # A POST may have been applied before its server died: only resent if it never got there.
    # Every other method the editor uses (PATCH of a field to a value) is safe to replay.
    http-request disable-l7-retry if METH_POST
    # Without this, a request with a body (the editor's PATCH) that a server was working on
    # when it died came back 502 and was not sent again (HAProxy 2.6, log state SH, 0
    # retries): the whole request must be read before it goes to a server to be resent.
    option http-buffer-request
    option httpchk
    http-check send meth GET uri {health} ver HTTP/1.1 hdr Host {host} hdr X-Forwarded-Proto https
    http-check expect status 200
    http-response set-header X-Server %s
    default-server check inter 500ms fall 3 rise 2
{servers}
"""


class Answer:
    """One HTTP answer: status, headers (lower-case names), body, seconds."""

    def __init__(self, status: int, headers: dict, body: bytes, seconds: float):
        self.status, self.headers, self.body, self.seconds = status, headers, body, seconds

    @property
    def server(self) -> str:
        return self.headers.get("x-server", "")

    def queries(self) -> dict[str, int] | None:
        """Queries per database alias, or None when the answer carries no count."""
        value = self.headers.get("x-database-queries")
        if value is None:
            return None
        return {alias: int(n) for alias, n in (pair.split("=") for pair in value.split())}

    def cookies(self) -> dict[str, str]:
        return dict(re.findall(r"(?:^|, )([\w-]+)=([^;,]*)", self.headers.get("set-cookie", "")))

    def json(self):
        return json.loads(self.body)


def call(port, method, path, body=None, headers=None, timeout=30.0) -> Answer:
    """One request on a fresh connection to 127.0.0.1:``port``; a dict ``body`` goes as JSON."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        hdrs = {"Host": f"{HOST}:{port}"}
        if isinstance(body, dict):
            body, hdrs["Content-Type"] = json.dumps(body).encode(), "application/json"
        elif isinstance(body, str):
            body, hdrs["Content-Type"] = body.encode(), "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers={**hdrs, **(headers or {})})
        response = conn.getresponse()
        content = response.read()
        names = {k.lower() for k in response.headers}
        found = {name: ", ".join(response.headers.get_all(name)) for name in names}
        return Answer(response.status, found, content, time.perf_counter() - started)
    finally:
        conn.close()


def binary(name: str) -> str | None:
    """A program's path; Debian puts haproxy in /usr/sbin, off an ordinary user's PATH."""
    return shutil.which(name) or shutil.which(name, path="/usr/sbin")


def wait_for(check, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up in {seconds:.0f} s")


class Cluster:
    """The processes this script starts, each stopped by its own pid at the end."""

    def __init__(self, tmp: Path, env: dict):
        self.tmp, self.env = tmp, env
        self.procs: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, object] = {}
        self.ports: dict[str, int] = {}
        while len(set(self.ports.values())) < 4:
            self.ports = {name: free_port() for name in ("redis", "a", "b", "lb")}

    def start(self, name: str, argv: list[str], env: dict | None = None) -> None:
        log = self.logs.get(name) or open(self.tmp / f"{name}.log", "a")  # noqa: SIM115
        self.logs[name] = log
        # Its own process group: a kill reaches gunicorn's workers too, and Ctrl-C in the
        # terminal reaches only this script, which then stops everything in order.
        self.procs[name] = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env or self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_redis(self) -> None:
        port = self.ports["redis"]
        self.start(
            "redis",
            [
                binary("redis-server"),
                "--port",
                str(port),
                "--bind",
                HOST,
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp),
            ],
        )
        import redis

        self.redis = redis.Redis(host=HOST, port=port)
        wait_for(self.redis.ping, 10, "Redis")

    def start_app(self, name: str) -> None:
        gunicorn = str(Path(PYTHON).parent / "gunicorn")
        argv = [
            gunicorn,
            "tracker.wsgi",
            "--bind",
            f"{HOST}:{self.ports[name]}",
            "--workers",
            "2",
            "--timeout",
            "60",
            "--no-control-socket",
        ]
        self.start(name, argv)

    def wait_app(self, name: str) -> None:
        port = self.ports[name]
        wait_for(lambda: call(port, "GET", HEALTH, headers=PROXIED).status == 200, 60, name)

    def kill_app(self, name: str) -> None:
        """SIGKILL to the app server's master and workers, as when its machine dies."""
        proc = self.procs[name]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def start_haproxy(self) -> None:
        servers = "\n".join(f"    server {name} {HOST}:{self.ports[name]}" for name in ("a", "b"))
        config = HAPROXY.format(host=HOST, port=self.ports["lb"], health=HEALTH, servers=servers)
        path = self.tmp / "haproxy.cfg"
        path.write_text(config)
        self.start("haproxy", [binary("haproxy"), "-f", str(path), "-db"])
        lb = self.ports["lb"]
        wait_for(lambda: call(lb, "GET", HEALTH).status == 200, 20, "HAProxy")

    def stop(self) -> None:
        for proc in reversed(list(self.procs.values())):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
        for log in self.logs.values():
            log.close()

    def log_tail(self, name: str, chars: int = 2000) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""


def synchronous_replica(url: str) -> None:
    """Commits on the primary wait until the replica has applied them (remote_apply)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        database = conn.execute("SELECT current_database()").fetchone()[0]
        conn.execute("ALTER SYSTEM SET synchronous_standby_names = '*'")
        conn.execute("SELECT pg_reload_conf()")
        conn.execute(
            sql.SQL("ALTER DATABASE {} SET synchronous_commit = 'remote_apply'").format(
                sql.Identifier(database)
            )
        )
        query = "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'"
        wait_for(lambda: conn.execute(query).fetchone()[0] == 1, 10, "synchronous replication")


def stored_summaries(url: str, keys: list[str]) -> dict[str, str]:
    """The claims' summaries as the primary holds them."""
    import psycopg

    with psycopg.connect(url) as conn:
        query = "SELECT key, summary FROM tracker_claim WHERE key = ANY(%s)"
        return dict(conn.execute(query, [keys]).fetchall())


def replica_reads(url: str) -> dict:
    """The replica's own counters for the tracker database, and that it is a standby."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT pg_is_in_recovery(), xact_commit + xact_rollback, tup_returned"
            " FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
    return {"in_recovery": row[0], "transactions": row[1], "tuples_returned": row[2]}


class Checks:
    """Failures and figures collected by every thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.failures: list[str] = []
        self.passed: dict[str, int] = {}

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        with self.lock:
            if ok:
                self.passed[name] = self.passed.get(name, 0) + 1
            else:
                self.failures.append(f"{name}: {detail}"[:400])
        return ok


def login(port: int, headers: dict) -> dict[str, str]:
    """Log the editor in through the admin's form on ``port``; the cookies it ends with."""
    origin = {"Origin": f"https://{HOST}:{port}", "Referer": f"https://{HOST}:{port}/admin/"}
    page = call(port, "GET", "/admin/login/?next=/admin/", headers=headers)
    cookies = page.cookies()
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)[1].decode()
    form = urlencode(
        {"csrfmiddlewaretoken": token, "username": EDITOR, "password": PASSWORD, "next": "/admin/"}
    )
    answer = call(
        port,
        "POST",
        "/admin/login/?next=/admin/",
        form,
        {**headers, **origin, "Cookie": f"csrftoken={cookies['csrftoken']}"},
    )
    if answer.status != 302:
        raise RuntimeError(f"login answered {answer.status}: {answer.body[:300]!r}")
    return {**cookies, **answer.cookies()}


def cross_server_checks(cluster: Cluster, checks: Checks, token: str, claim_ids: list[int]):
    """Before the load: sessions, cache invalidation, read-your-writes, replica reads."""
    a, b, lb = cluster.ports["a"], cluster.ports["b"], cluster.ports["lb"]
    auth = {"Authorization": f"Token {token}", **PROXIED}

    # A session made by a login through a works on b, and lives in Redis.
    cookies = login(a, PROXIED)
    session = cookies["sessionid"]
    jar = {"Cookie": f"sessionid={session}; csrftoken={cookies['csrftoken']}", **PROXIED}
    admin = call(b, "GET", "/admin/", headers=jar)
    checks.check(
        "session logged in through a works on b",
        admin.status == 200 and EDITOR.encode() in admin.body,
        f"{admin.status} {admin.body[:200]!r}",
    )
    in_redis = list(cluster.redis.scan_iter(f"*{session}"))
    checks.check("the session is kept in Redis", bool(in_redis), "no key names the session")

    # An edit through one server reaches an anonymous visitor of the other at once, though
    # that server had the page in its cache just before (its second read queried nothing).
    for editor_port, reader_port, pk, label in (
        (a, b, claim_ids[0], "a to b"),
        (b, a, claim_ids[1], "b to a"),
    ):
        page = f"/claims/{pk}/"
        call(reader_port, "GET", page, headers=PROXIED)
        primed = call(reader_port, "GET", page, headers=PROXIED).queries()
        checks.check(
            f"the page was in the response cache before the edit ({label})",
            primed is not None and not any(primed.values()),
            f"second read queried {primed}",
        )
        summary = f"Claim edited through one server ({label}), read through the other."
        edit = call(editor_port, "PATCH", f"/api/claims/{pk}/", {"summary": summary}, auth)
        seen = call(reader_port, "GET", page, headers=PROXIED)
        checks.check(
            f"an edit through {label} is visible at once",
            edit.status == 200 and seen.status == 200 and summary.encode() in seen.body,
            f"edit {edit.status}, read {seen.status}",
        )

    # A session editor (through the balancer, CSRF and all) reads back their own edit at once,
    # from the primary; anonymous visitors of the same page read the replica.
    pk = claim_ids[2]
    summary = "Claim edited by an editor logged in with a session."
    csrf = {"X-CSRFToken": cookies["csrftoken"], "Origin": f"https://{HOST}:{lb}"}
    edit = call(lb, "PATCH", f"/api/claims/{pk}/", {"summary": summary}, {**jar, **csrf})
    own = call(lb, "GET", f"/claims/{pk}/", headers=jar)
    queries = own.queries() or {}
    checks.check(
        "a session editor reads their own edit at once, from the primary",
        edit.status == 200
        and summary.encode() in own.body
        and queries.get("default", 0) > 0
        and not replica_queries(queries),
        f"edit {edit.status}, read {own.status}, queries {queries}",
    )
    # Another address, so that the page is made now rather than taken from the cache.
    anonymous = call(lb, "GET", f"/claims/{pk}/?fresh=1")
    queries = anonymous.queries() or {}
    checks.check(
        "an anonymous visitor reads the replica only",
        summary.encode() in anonymous.body
        and replica_queries(queries) > 0
        and queries.get("default") == 0,
        f"{anonymous.status}, queries {queries}",
    )


def replica_queries(queries: dict[str, int]) -> int:
    return sum(n for alias, n in queries.items() if alias.startswith("replica"))


def run_load(args, cluster: Cluster, checks: Checks, token: str, claim_ids: list[int]) -> dict:
    """Readers and the editor for ``args.duration`` seconds while app server a dies and returns."""
    lb = cluster.ports["lb"]
    auth = {"Authorization": f"Token {token}"}
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    per_server: dict[str, int] = {}
    per_server_while_down: dict[str, int] = {}
    answered_by = {"replica": 0, "primary": 0, "response cache (no query)": 0}
    events: dict[str, float] = {}
    down = threading.Event()
    cut_off: list[str] = []
    origin = time.monotonic()
    deadline = origin + args.duration
    counter = itertools.count()

    def reader():
        while time.monotonic() < deadline:
            path = READS[next(counter) % len(READS)]
            at = time.monotonic() - origin
            try:
                answer = call(lb, "GET", path)
            except (OSError, http.client.HTTPException) as exc:
                # A response a's workers were sending when a was killed is cut off: HAProxy can
                # resend a request that got no answer, not one half answered. A reader then
                # asks again, as a browser's reload would; anywhere else it is a failure.
                if not (down.is_set() or at - events.get("killed_at_second", -99) < 2):
                    checks.check("reads answered", False, f"{path} {exc!r} at {at:.1f} s")
                    continue
                with lock:
                    cut_off.append(f"{path} at {at:.1f} s: {exc!r}"[:200])
                try:
                    answer = call(lb, "GET", path)
                except (OSError, http.client.HTTPException) as again:
                    checks.check("reads answered", False, f"{path} {again!r} at {at:.1f} s, twice")
                    continue
            queries = answer.queries()
            with lock:
                statuses[answer.status] = statuses.get(answer.status, 0) + 1
                per_server[answer.server] = per_server.get(answer.server, 0) + 1
                if down.is_set():
                    tally = per_server_while_down
                    tally[answer.server] = tally.get(answer.server, 0) + 1
                if (queries or {}).get("default"):
                    answered_by["primary"] += 1
                elif replica_queries(queries or {}):
                    answered_by["replica"] += 1
                else:
                    answered_by["response cache (no query)"] += 1
            ok = answer.status < 500 and answer.status != 429
            if checks.check("reads answered", ok, f"{answer.status} {path} at {at:.1f} s"):
                with lock:
                    latencies.append(answer.seconds)
            checks.check(
                "anonymous reads never query the primary",
                queries is not None and not queries.get("default"),
                f"{path}: {queries}",
            )

    acknowledged: dict[str, str] = {}
    write_latencies: list[float] = []
    writes: list[threading.Thread] = []

    def write(number: int):
        pk = claim_ids[3 + number]
        key, summary = (
            f"cluster-claim-{3 + number}",
            f"Claim {pk} edited under load, edit {number}.",
        )
        at = time.monotonic() - origin
        try:
            edit = call(lb, "PATCH", f"/api/claims/{pk}/", {"summary": summary}, auth)
        except (OSError, http.client.HTTPException) as exc:
            checks.check("writes acknowledged", False, f"edit {number} {exc!r} at {at:.1f} s")
            return
        ok = edit.status == 200 and edit.json().get("summary") == summary
        if not checks.check("writes acknowledged", ok, f"edit {number}: {edit.status} at {at:.1f}"):
            return
        with lock:
            acknowledged[key] = summary
            write_latencies.append(edit.seconds)
            per_server[edit.server] = per_server.get(edit.server, 0) + 1
        # The editor reads the edit back at once, from the primary, whichever server answers.
        own = call(lb, "GET", f"/api/claims/{pk}/", headers=auth)
        queries = own.queries() or {}
        checks.check(
            "the editor reads their own edit at once, from the primary",
            own.status == 200
            and own.json().get("summary") == summary
            and not replica_queries(queries),
            f"edit {number}: {own.status} {queries}",
        )
        # An anonymous visitor of the other server sees it at once too (unless that one is down).
        other = {"a": "b", "b": "a"}.get(edit.server)
        if other and not (other == "a" and down.is_set()):
            try:
                seen = call(cluster.ports[other], "GET", f"/claims/{pk}/", headers=PROXIED)
            except (OSError, http.client.HTTPException) as exc:
                if not (other == "a" and down.is_set()):  # unless it died in between
                    checks.check("visible on the other server", False, f"{other}: {exc!r}")
                return
            checks.check(
                "an edit through one server is visible at once on the other",
                seen.status == 200 and summary.encode() in seen.body,
                f"edit {number} via {edit.server}: {seen.status} on {other}",
            )

    def writer():
        number = 0
        while time.monotonic() < deadline and 3 + number < len(claim_ids):
            thread = threading.Thread(target=write, args=(number,))
            thread.start()
            writes.append(thread)
            number += 1
            time.sleep(1.0)

    def killer():
        time.sleep(args.kill_at)
        down.set()
        events["killed_at_second"] = round(time.monotonic() - origin, 1)
        cluster.kill_app("a")
        time.sleep(args.down)
        events["restarted_at_second"] = round(time.monotonic() - origin, 1)
        cluster.start_app("a")
        cluster.wait_app("a")
        events["a_serving_again_at_second"] = round(time.monotonic() - origin, 1)
        down.clear()

    # A load thread that dies of an exception would otherwise only print it: a failed check.
    threading.excepthook = lambda hook: checks.check(
        "no load thread died", False, f"{hook.thread.name}: {hook.exc_value!r}"
    )
    threads = [threading.Thread(target=reader) for _ in range(args.clients)]
    threads += [threading.Thread(target=writer), threading.Thread(target=killer)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for thread in writes:
        thread.join()
    elapsed = time.monotonic() - began
    total = sum(statuses.values())
    return {
        "seconds": round(elapsed, 1),
        "clients": args.clients,
        "requests": total,
        "requests_per_second": round(total / elapsed, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "max_ms": round(max(latencies, default=0) * 1000, 1),
        "answered_by_server": dict(sorted(per_server.items())),
        "reads_answered_by_server_while_a_was_down": dict(sorted(per_server_while_down.items())),
        "anonymous_reads_answered_from": answered_by,
        "writes_made": len(writes),
        "writes_acknowledged": len(acknowledged),
        "write_p50_ms": round(percentile(write_latencies, 0.50) * 1000, 1),
        "write_p99_ms": round(percentile(write_latencies, 0.99) * 1000, 1),
        "app_server_a": events,
        "reads_cut_off_by_the_kill_and_asked_again": cut_off,
        "_acknowledged": acknowledged,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--clients", type=int, default=12, help="concurrent anonymous readers")
    parser.add_argument("--kill-at", type=float, default=20.0, help="second app server a dies")
    parser.add_argument("--down", type=float, default=10.0, help="seconds before it restarts")
    parser.add_argument(
        "--async-replica",
        action="store_true",
        help="leave the replica asynchronous (edits may reach anonymous readers late)",
    )
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    missing = [name for name in ("redis-server", "haproxy") if not binary(name)]
    if missing:  # as the other suites do when a package could not be installed
        print(f"SKIPPED: {', '.join(missing)} missing (scripts/ensure-system-packages)")
        return 0
    if not os.environ.get("DATABASE_REPLICA_URLS"):
        sys.exit("needs a primary and a replica: run through scripts/with-postgres-replica")
    primary = os.environ["DATABASE_URL"]
    replica = os.environ["DATABASE_REPLICA_URLS"].split(",")[0]
    # Stopped from outside (Ctrl-C, make interrupted): leave through `finally`, stopping all.
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda signum, frame: sys.exit(128 + signum))

    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="tracker-cluster-"))
    env = dict(os.environ)
    cluster = Cluster(tmp, env)
    env.update(
        PRODUCTION="1",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        BEHIND_PROXY="1",
        CACHE_URL=f"redis://{HOST}:{cluster.ports['redis']}/0",
        STATIC_ROOT=str(tmp / "static"),
        DATABASE_QUERIES_HEADER="1",
        # Rate limits far above this run's: a 429 here would be a failed request.
        API_ANON_RATE="1000000/minute",
        API_USER_RATE="1000000/minute",
        PAGES_ANON_RATE="1000000/minute",
        PAGES_USER_RATE="1000000/minute",
        PYTHONUNBUFFERED="1",
    )
    checks = Checks()
    figures: dict = {"ok": False}
    try:
        cluster.start_redis()
        # Production serves hashed static files: collect them while the database is set up.
        collect = subprocess.Popen(
            [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env
        )
        manage(env, "migrate", "--noinput", "-v0")
        claims = 3 + int(args.duration) + 5
        setup_env = {**env, "CLUSTER_EDITOR": EDITOR, "CLUSTER_PASSWORD": PASSWORD}
        setup_env["CLUSTER_CLAIMS"] = str(claims)
        token, *ids = manage(setup_env, "shell", "-c", SETUP).strip().splitlines()[-1].split()
        claim_ids = [int(pk) for pk in ids]
        if collect.wait():
            raise RuntimeError("collectstatic failed")
        if not args.async_replica:
            synchronous_replica(primary)
        figures["replication"] = "asynchronous" if args.async_replica else "remote_apply"
        figures["setup_seconds"] = round(time.monotonic() - started, 1)
        for name in ("a", "b"):
            cluster.start_app(name)
        for name in ("a", "b"):
            cluster.wait_app(name)
        cluster.start_haproxy()
        before = replica_reads(replica)
        cross_server_checks(cluster, checks, token, claim_ids)
        figures.update(run_load(args, cluster, checks, token, claim_ids))

        acknowledged = figures.pop("_acknowledged")
        stored = stored_summaries(primary, list(acknowledged))
        lost = [key for key, summary in acknowledged.items() if stored.get(key) != summary]
        figures["writes_lost"] = len(lost)
        checks.check("no acknowledged write lost", not lost, f"{lost[:5]}")
        checks.check("writes were made", len(acknowledged) >= args.duration * 0.8, "too few")

        after = replica_reads(replica)
        figures["replica_counters"] = {
            "in_recovery": after["in_recovery"],
            "transactions": after["transactions"] - before["transactions"],
            "tuples_returned": after["tuples_returned"] - before["tuples_returned"],
        }
        checks.check("the replica is a standby", after["in_recovery"], "not in recovery")
        checks.check(
            "the replica's own counters grew",
            after["tuples_returned"] > before["tuples_returned"],
            f"{before} -> {after}",
        )
        # HAProxy's log: the requests it had to send again (to the other server) when one died.
        # (After the termination state, the connection counts end with the retries, "+" when
        # redispatched.)
        resent = r" \S{4} \d+/\d+/\d+/\d+/\+?([1-9]\d*) "
        retried = re.findall(resent, cluster.log_tail("haproxy", 10**8))
        figures["requests_resent_by_haproxy"] = len(retried)
        log = cluster.log_tail("a", 10**7) + cluster.log_tail("b", 10**7)
        figures["tracebacks_in_app_logs"] = log.count("Traceback")
        checks.check("no trace in the app servers' logs", "Traceback" not in log, log[-1500:])
    except (Exception, SystemExit) as exc:  # a failed run, with its cause in the figures
        checks.check("the cluster ran", False, repr(exc))
    finally:
        cluster.stop()
    figures["failed_requests"] = sum(
        1 for f in checks.failures if f.startswith(("reads answered", "writes acknowledged"))
    )
    figures["checks_passed"] = dict(sorted(checks.passed.items()))
    figures["failures"] = checks.failures[:20]
    figures["ok"] = not checks.failures
    figures["total_seconds"] = round(time.monotonic() - started, 1)
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(text + "\n")
    if checks.failures:
        for name in ("a", "b", "haproxy"):
            print(f"--- {name} log (tail)\n{cluster.log_tail(name)}", file=sys.stderr)
        # Last, so that a log cut to its tail still shows what failed.
        print("--- failed checks", *checks.failures[:20], sep="\n", file=sys.stderr)
    shutil.rmtree(tmp, ignore_errors=True)
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
