"""Measure the tracker at world scale against Datasette and against the raw floor.

Run by ``benchmarks/run.sh`` (``make bench``) once the world database exists; prints a Markdown
table and writes ``var/bench/results-<label>.json``. Every server listens on 127.0.0.1 only and
every load run is bounded (``wrk -d``).

    python benchmarks/bench.py --label sqlite --sqlite-file var/bench/world.sqlite3
    python benchmarks/bench.py --label postgresql --sqlite-file var/bench/world.sqlite3  # with
        DATABASE_URL pointing at PostgreSQL: the app reads PostgreSQL, Datasette the SQLite copy
"""

import argparse
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
PYTHON = ROOT / ".venv" / "bin" / "python"
TOOLS = VAR / "venv" / "bin"  # datasette and sqlite-utils, kept apart from the app's packages
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
COLUMNS = (
    "id, key, status, source_id, locator, country_id, body_id, review_id, issued_on, "
    "issued_on_precision, paragraph, kind, affected_groups, summary, recommendation, follow_up, "
    "external_id, recommending_state_id, upr_position"
)
FLOOR_SQL = (
    f"SELECT {COLUMNS} FROM tracker_concern WHERE country_id = {{p}} AND status = 'published' "
    "ORDER BY issued_on DESC, key LIMIT 50"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (gunicorn's worker), from /proc."""
    total = 0.0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
    return total


def to_ms(text: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    number, unit = match.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url: str, pid: int, seconds: int, connections: int) -> dict:
    """Bounded load on one loopback URL; throughput, p50/p99, errors, server CPU per request."""
    assert url.startswith("http://127.0.0.1:"), url
    urllib.request.urlopen(url, timeout=60).read()  # warm up caches and connections
    before = cpu_seconds(pid)
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cpu = cpu_seconds(pid) - before
    if "99%" not in out:
        raise SystemExit(f"wrk gave no latency figures for {url}:\n{out}")
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "url": url.split("/", 3)[3],
        "connections": connections,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
        "p99_ms": to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),
        "cpu_ms_per_request": 1000 * cpu / max(requests, 1),
        "requests": requests,
        "errors": errors + (int(non_2xx.group(1)) if non_2xx else 0),
    }


class Server:
    """A server process on a free loopback port, stopped on exit."""

    def __init__(self, argv: list[str], env: dict, probe: str):
        self.port = free_port()
        argv = [a.replace("{port}", str(self.port)) for a in argv]
        self.proc = subprocess.Popen(
            argv, env={**os.environ, **env}, cwd=ROOT, stdout=subprocess.DEVNULL
        )
        self.base = f"http://127.0.0.1:{self.port}"
        wait_for(self.base + probe)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def gunicorn(cache: bool) -> Server:
    env = {"RESPONSE_CACHE_SECONDS": "300", "CACHE_URL": "locmem://"} if cache else {}
    env["RESPONSE_CACHE_SECONDS"] = env.get("RESPONSE_CACHE_SECONDS", "0")
    # The rate limits stay on (their cost is part of each request) but never trip. The per-user
    # limit counts anonymous clients by address too, so it needs raising as well.
    env["API_ANON_RATE"] = "1000000000/day"
    env["API_USER_RATE"] = "1000000000/day"
    argv = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "tracker.wsgi",
        "--workers", "1",
        "--bind", "127.0.0.1:{port}",
        "--no-control-socket",
        "--log-level", "warning",
    ]  # fmt: skip
    return Server(argv, env, "/")


def datasette(sqlite_file: Path) -> Server:
    argv = [
        str(TOOLS / "datasette"),
        "serve",
        "--immutable", str(sqlite_file),
        "--host", "127.0.0.1",
        "--port", "{port}",
        # Facet suggestions would halve its throughput; a publisher would turn them off too.
        "--setting", "suggest_facets", "off",
    ]  # fmt: skip
    return Server(argv, {}, "/-/versions.json")


def busiest_countries(sqlite_file: Path, n: int) -> list[str]:
    with sqlite3.connect(sqlite_file) as db:
        rows = db.execute(
            "SELECT country_id FROM tracker_concern WHERE key LIKE 'world-%' "
            "GROUP BY country_id ORDER BY count(*) DESC LIMIT ?",
            [n],
        ).fetchall()
    return [r[0] for r in rows]


def raw_floor(code: str, sqlite_file: Path, iterations: int = 300) -> dict:
    """The 50-row query and its JSON in-process: sqlite3 or psycopg, no web framework."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        db = psycopg.connect(url)
        sql = FLOOR_SQL.format(p="%s")
    else:
        db = sqlite3.connect(sqlite_file)
        sql = FLOOR_SQL.format(p="?")
    cursor = db.cursor()
    times, cpu_start = [], time.process_time()
    for _ in range(iterations):
        start = time.perf_counter()
        cursor.execute(sql, [code])
        names = [d[0] for d in cursor.description]
        body = json.dumps([dict(zip(names, row, strict=True)) for row in cursor], default=str)
        times.append(time.perf_counter() - start)
    cpu = time.process_time() - cpu_start
    db.close()
    times.sort()
    return {
        "url": "in-process query + json.dumps",
        "rps": iterations / sum(times),
        "p50_ms": 1000 * times[len(times) // 2],
        "p99_ms": 1000 * times[int(len(times) * 0.99)],
        "cpu_ms_per_request": 1000 * cpu / iterations,
        "requests": iterations,
        "errors": 0 if len(body) > 2 else 1,
    }


def timed(argv: list[str], env: dict | None = None) -> dict:
    """Wall time and peak memory of a command (``/usr/bin/time -v``)."""
    start = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-v", *argv],
        env={**os.environ, **(env or {})},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-2000:] + done.stderr[-4000:])
        raise SystemExit(f"failed: {' '.join(argv)}")
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
    return {"seconds": time.perf_counter() - start, "peak_mb": peak_kb / 1024}


def imports(rows: int) -> dict:
    """Import ``rows`` UHRI-format rows into an empty tracker database (after the reference
    seeds), beside ``sqlite-utils insert`` of the same file into an empty SQLite file."""
    csv_path = VAR / f"uhri-{rows}.csv"
    if not csv_path.exists():
        with csv_path.open("w") as handle:
            subprocess.run(
                [str(PYTHON), "benchmarks/make_uhri.py", str(rows)], stdout=handle, check=True
            )
    env = {}
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        target = VAR / "import.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{target}"
    else:  # a fresh database beside the world one
        import psycopg

        with psycopg.connect(url, autocommit=True) as db:
            db.execute("DROP DATABASE IF EXISTS tracker_import")
            db.execute("CREATE DATABASE tracker_import")
        env["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/tracker_import"
    manage = [str(PYTHON), "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], env={**os.environ, **env}, cwd=ROOT, check=True)
    subprocess.run(
        [*manage, "load_seeds"], env={**os.environ, **env}, cwd=ROOT, check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    result = {"rows": rows, "tracker": timed([*manage, "import", "uhri", str(csv_path)], env)}
    floor_db = VAR / "sqlite-utils.db"
    floor_db.unlink(missing_ok=True)
    result["sqlite_utils"] = timed(
        [str(TOOLS / "sqlite-utils"), "insert", str(floor_db), "uhri", str(csv_path), "--csv"]
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", required=True)
    parser.add_argument("--sqlite-file", type=Path, default=VAR / "world.sqlite3")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--import-rows", type=int, default=200_000)
    args = parser.parse_args()
    countries = busiest_countries(args.sqlite_file, 3)
    code = countries[0]
    results: dict = {"label": args.label, "country": code, "runs": {}}
    runs = results["runs"]
    pages = {
        "country page": f"/countries/{code}/",
        "compare page": f"/compare/?countries={','.join(countries)}&theme=torture",
        "home page": "/",
    }
    with gunicorn(cache=False) as app, datasette(args.sqlite_file) as ds:
        # The API and Datasette side by side: one process each, the same query, same load.
        runs["API list"] = wrk(f"{app.base}/api/concerns/?country={code}", app.proc.pid,
                               args.seconds, 4)  # fmt: skip
        runs["Datasette"] = wrk(
            f"{ds.base}/world/tracker_concern.json?country_id={code}&status=published"
            "&_sort_desc=issued_on&_size=50&_shape=array",
            ds.proc.pid, args.seconds, 4,
        )  # fmt: skip
        for name, path in pages.items():
            runs[name] = wrk(app.base + path, app.proc.pid, args.seconds, 1)
        runs["full-text search"] = wrk(
            f"{app.base}/api/concerns/?q=journalists", app.proc.pid, args.seconds, 1
        )
    with gunicorn(cache=True) as app:
        for name, path in pages.items():
            runs[f"{name}, cached"] = wrk(app.base + path, app.proc.pid, args.seconds, 1)
    runs["raw floor"] = raw_floor(code, args.sqlite_file)
    if args.import_rows:
        results["import"] = imports(args.import_rows)
    (VAR / f"results-{args.label}.json").write_text(json.dumps(results, indent=2))
    print(markdown(results))


def markdown(results: dict) -> str:
    runs = results["runs"]
    floor = runs["raw floor"]["cpu_ms_per_request"]
    lines = [
        f"### {results['label']} (country {results['country']})",
        "",
        "| target | conns | req/s | p50 ms | p99 ms | CPU ms/req | x floor CPU | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in runs.items():
        lines.append(
            f"| {name} | {r.get('connections', '-')} | {r['rps']:.0f} | {r['p50_ms']:.1f} | "
            f"{r['p99_ms']:.1f} | {r['cpu_ms_per_request']:.2f} | "
            f"{r['cpu_ms_per_request'] / floor:.1f} | {r['errors']} |"
        )
    ratio = runs["API list"]["rps"] / runs["Datasette"]["rps"]
    lines += ["", f"API list / Datasette throughput: **{ratio:.2f}x**"]
    if "import" in results:
        imp = results["import"]
        t, s = imp["tracker"], imp["sqlite_utils"]
        lines += [
            "",
            f"Import of {imp['rows']:,} UHRI rows: tracker {t['seconds']:.1f} s, peak "
            f"{t['peak_mb']:.0f} MB; sqlite-utils insert {s['seconds']:.1f} s, peak "
            f"{s['peak_mb']:.0f} MB; ratio {t['seconds'] / s['seconds']:.1f}x",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
