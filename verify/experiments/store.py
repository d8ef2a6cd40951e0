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
COLUMNS = ("experiment", "instance_sha256", "method", "params", "seed", "tool_version", "status",
           "result", "error", "seconds", "versions", "host")


class Store:
    """A results database (created on first use). Use as a context manager, or ``close()``."""

    def __init__(self, path, create: bool = True):
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise MissingFileError(f"{self.path}: no such results database")
        if create and not self.path.parent.is_dir():
            raise MissingFileError(f"{self.path}: directory {self.path.parent} does not exist")
        try:
            self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            # WAL: readers (a report) never block the writer; NORMAL sync keeps every committed
            # row across a process kill (only an OS crash may lose the last few).
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(SCHEMA)
            row = self.db.execute("SELECT value FROM store_meta WHERE key='schema'").fetchone()
            if row is None:
                self.db.execute("INSERT OR IGNORE INTO store_meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            elif row[0] != str(SCHEMA_VERSION):
                raise InputError(f"{self.path}: results schema {row[0]}, this tool reads {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as e:
            raise InputError(f"{self.path}: not a results database ({e})") from None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        self.db.close()

    def done_keys(self, experiment: str, version: str = __version__, statuses=None) -> set[tuple]:
        """Lookup keys (experiment, params, seed, method) of the tasks that have a row (with one
        of ``statuses``, if given)."""
        cur = self.db.execute("SELECT experiment, params, seed, method, status FROM results "
                              "WHERE experiment = ? AND tool_version = ?", (experiment, version))
        return {tuple(r[:4]) for r in cur.fetchall() if statuses is None or r[4] in statuses}

    def delete(self, keys, version: str = __version__) -> None:
        """Drop the rows of these tasks (to run them again), in one transaction."""
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("DELETE FROM results WHERE experiment = ? AND params = ? AND seed = ? "
                                "AND method = ? AND tool_version = ?", [(*k, version) for k in keys])

    def add(self, row: dict) -> bool:
        """Insert one row in its own transaction; False if the task already had one."""
        values = [row.get(c) for c in COLUMNS]
        for i, c in enumerate(COLUMNS):
            if c in ("result", "versions") and values[i] is not None:
                values[i] = json.dumps(values[i], sort_keys=True)
        cur = self.db.execute(f"INSERT OR IGNORE INTO results ({', '.join(COLUMNS)}) "
                              f"VALUES ({', '.join('?' * len(COLUMNS))})", values)
        return cur.rowcount == 1

    def experiments(self) -> list[tuple[str, str, int]]:
        """(experiment, tool version, rows) for everything stored."""
        return self.db.execute("SELECT experiment, tool_version, COUNT(*) FROM results "
                               "GROUP BY experiment, tool_version ORDER BY experiment, tool_version").fetchall()

    def rows(self, experiment: str, version: str | None = None) -> list[dict]:
        """Every row of ``experiment`` (of ``version``; default: the newest version stored), with
        ``params``, ``result`` and ``versions`` parsed, in a stable order."""
        if version is None:
            versions = [v for e, v, _ in self.experiments() if e == experiment]
            if not versions:
                return []
            version = max(versions, key=lambda v: [int(x) if x.isdigit() else x for x in v.split(".")])
        cur = self.db.execute(f"SELECT {', '.join(COLUMNS)}, finished_at FROM results WHERE experiment = ? "
                              "AND tool_version = ? ORDER BY params, method, seed", (experiment, version))
        out = []
        for values in cur.fetchall():
            r = dict(zip(COLUMNS + ("finished_at",), values))
            for c in ("params", "result", "versions"):
                r[c] = json.loads(r[c]) if r[c] is not None else None
            out.append(r)
        return out
