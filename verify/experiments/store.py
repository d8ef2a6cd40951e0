"""The SQLite results store: one row per (experiment, instance hash, method, parameters, seed,
tool version), each written in its own transaction as its task finishes.

A sweep that is killed at any moment leaves only whole rows (SQLite's journal); running it
again skips every task that has a row (looked up by experiment, parameters, seed, method and
tool version, which determine the instance) and does the rest, so no row is lost or
duplicated. A unique index on that lookup key makes a duplicate impossible even if two sweeps
write the same database at once. ``status`` is an evidence-graded status, or ``error`` for a
task that raised or whose worker died (``error`` says what happened; ``--retry-errors`` and
``--retry-unknown`` redo a spec's tasks with those statuses).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from verify import __version__
from verify.errors import InputError, MissingFileError

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    experiment      TEXT NOT NULL,
    instance_sha256 TEXT NOT NULL,   -- '' when the task failed before its instance existed
    method          TEXT NOT NULL,
    params          TEXT NOT NULL,   -- canonical JSON (sorted keys)
    seed            INTEGER NOT NULL,
    tool_version    TEXT NOT NULL,
    status          TEXT NOT NULL,   -- an evidence-graded status, or 'error'
    result          TEXT,            -- the experiment's JSON result (NULL for an error)
    error           TEXT,            -- what went wrong, or why a task was stopped
    seconds         REAL,            -- wall time of the task in its worker
    versions        TEXT,            -- JSON: tool, Python and solver versions in the worker
    host            TEXT,
    finished_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (experiment, instance_sha256, method, params, seed, tool_version)
);
CREATE UNIQUE INDEX IF NOT EXISTS task ON results (experiment, params, seed, method, tool_version);
CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
SQLITE_MAGIC = b"SQLite format 3\x00"
COLUMNS = ("experiment", "instance_sha256", "method", "params", "seed", "tool_version", "status",
           "result", "error", "seconds", "versions", "host")


def check_database_file(path) -> None:
    """Refuse a file at ``path`` that is not a whole SQLite database (one-line InputError naming
    it): its header and size are read first, then SQLite's ``PRAGMA quick_check`` reads every
    page without writing. SQLite alone would take an empty file for a new database, and fail on
    a damaged page only when a query reaches it, after a sweep has begun writing. A missing
    file passes: a sweep creates it."""
    path = Path(path)
    if not path.exists():
        return
    if not path.is_file():
        raise InputError(f"{path}: not a results database: not a regular file")
    size = path.stat().st_size
    with open(path, "rb") as f:
        header = f.read(100)
    if size == 0:
        raise InputError(f"{path}: not a results database: the file is empty (remove it to start a new one)")
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        raise InputError(f"{path}: not a results database: not a SQLite file (it starts with {header[:16]!r})")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        raise InputError(f"{path}: not a results database: damaged header (page size {page_size})")
    # with a -wal file beside it a sweep may be copying pages into the file right now (page 1,
    # with the new page count, first): its size is then quick_check's to judge, through the WAL
    if not path.with_name(path.name + "-wal").exists():
        pages = int.from_bytes(header[28:32], "big")
        if size % page_size:
            raise InputError(f"{path}: not a results database: truncated or damaged ({size:,} bytes is "
                             f"not a whole number of {page_size:,}-byte pages)")
        # the header's page count is only current when its two change counters agree
        if header[24:28] == header[92:96] and pages * page_size > size:
            raise InputError(f"{path}: not a results database: truncated (the header says {pages:,} "
                             f"pages, the file holds {size // page_size:,})")
    try:
        db = sqlite3.connect(path, isolation_level=None)
    except sqlite3.Error as e:
        raise InputError(f"{path}: cannot open the results database: {e}") from None
    try:
        # no statement may write (query_only rather than mode=ro: a mode=ro connection leaves
        # a WAL database's -wal and -shm files behind when it closes)
        db.execute("PRAGMA query_only=1")
        damage = db.execute("PRAGMA quick_check(1)").fetchone()[0]
        tables = sorted(r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
    except sqlite3.DatabaseError as e:
        damage = str(e)
    finally:
        db.close()
    if damage != "ok":
        raise InputError(f"{path}: not a results database: damaged ({' '.join(damage.split())})")
    if tables and "store_meta" not in tables:  # another program's database: not ours to write to
        raise InputError(f"{path}: not a results database: a SQLite database of other tables "
                         f"({', '.join(tables[:5])})")


class Store:
    """A results database (created on first use). Use as a context manager, or ``close()``.

    ``create=False`` opens an existing database read-only (for reports): no statement may
    write to it. Either way the file is checked first (:func:`check_database_file`), so a
    damaged database is refused before it is used, and never written to."""

    def __init__(self, path, create: bool = True):
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise MissingFileError(f"{self.path}: no such results database")
        if create and not self.path.parent.is_dir():
            raise MissingFileError(f"{self.path}: directory {self.path.parent} does not exist")
        check_database_file(self.path)
        try:
            self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        except sqlite3.Error as e:
            raise InputError(f"{self.path}: cannot open the results database: {e}") from None
        try:
            if not create:
                self.db.execute("PRAGMA query_only=1")  # see check_database_file
            else:
                # WAL: readers (a report) never block the writer; NORMAL sync keeps every committed
                # row across a process kill (only an OS crash may lose the last few).
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=NORMAL")
                self.db.executescript(SCHEMA)
            row = self.db.execute("SELECT value FROM store_meta WHERE key='schema'").fetchone()
            if row is None and create:
                self.db.execute("INSERT OR IGNORE INTO store_meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            elif row is None or row[0] != str(SCHEMA_VERSION):
                raise InputError(f"{self.path}: results schema {row[0] if row else None}, this tool reads "
                                 f"{SCHEMA_VERSION}")
        except sqlite3.DatabaseError as e:
            self.db.close()
            raise InputError(f"{self.path}: not a results database ({e})") from None
        except InputError:
            self.db.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        self.db.close()

    def _run(self, sql: str, args=(), many: bool = False) -> tuple[list, int]:
        """(rows, rowcount) of one statement; damage that ``quick_check`` cannot see (a cell's
        bytes, say) or a failing disk is one line naming the database, not a traceback."""
        try:
            cur = self.db.executemany(sql, args) if many else self.db.execute(sql, args)
            return cur.fetchall(), cur.rowcount
        except sqlite3.DatabaseError as e:
            raise InputError(f"{self.path}: results database error: {e}") from None

    def done_keys(self, experiment: str, version: str = __version__, statuses=None) -> set[tuple]:
        """Lookup keys (experiment, params, seed, method) of the tasks that have a row (with one
        of ``statuses``, if given)."""
        rows, _ = self._run("SELECT experiment, params, seed, method, status FROM results "
                            "WHERE experiment = ? AND tool_version = ?", (experiment, version))
        return {tuple(r[:4]) for r in rows if statuses is None or r[4] in statuses}

    def delete(self, keys, version: str = __version__) -> None:
        """Drop the rows of these tasks (to run them again), in one transaction."""
        with self.db:
            self._run("BEGIN")
            self._run("DELETE FROM results WHERE experiment = ? AND params = ? AND seed = ? "
                      "AND method = ? AND tool_version = ?", [(*k, version) for k in keys], many=True)

    def add(self, row: dict) -> bool:
        """Insert one row in its own transaction; False if the task already had one."""
        values = [row.get(c) for c in COLUMNS]
        for i, c in enumerate(COLUMNS):
            if c in ("result", "versions") and values[i] is not None:
                values[i] = json.dumps(values[i], sort_keys=True)
        _, count = self._run(f"INSERT OR IGNORE INTO results ({', '.join(COLUMNS)}) "
                             f"VALUES ({', '.join('?' * len(COLUMNS))})", values)
        return count == 1

    def experiments(self) -> list[tuple[str, str, int]]:
        """(experiment, tool version, rows) for everything stored."""
        return self._run("SELECT experiment, tool_version, COUNT(*) FROM results "
                         "GROUP BY experiment, tool_version ORDER BY experiment, tool_version")[0]

    def rows(self, experiment: str, version: str | None = None) -> list[dict]:
        """Every row of ``experiment`` (of ``version``; default: the newest version stored), with
        ``params``, ``result`` and ``versions`` parsed, in a stable order."""
        if version is None:
            versions = [v for e, v, _ in self.experiments() if e == experiment]
            if not versions:
                return []
            version = max(versions, key=lambda v: [int(x) if x.isdigit() else x for x in v.split(".")])
        rows, _ = self._run(f"SELECT {', '.join(COLUMNS)}, finished_at FROM results WHERE experiment = ? "
                            "AND tool_version = ? ORDER BY params, method, seed", (experiment, version))
        out = []
        for values in rows:
            r = dict(zip(COLUMNS + ("finished_at",), values))
            for c in ("params", "result", "versions"):
                try:
                    r[c] = json.loads(r[c]) if r[c] is not None else None
                except (TypeError, ValueError):
                    raise InputError(f"{self.path}: results database damaged: column {c} of a "
                                     f"{experiment} row (seed {r['seed']}) is not JSON") from None
            out.append(r)
        return out
