"""The event log: one SQLite row per item (WAL mode) and JPEG captures of uncertain items.

Nothing here may stop or slow the bin's sorting: rows and captures are written by one background
thread, a locked database or a full or read-only disk is logged, rows that could not be written
are kept in memory and retried with the next item, and a capture that cannot be saved is skipped.
"""

import contextlib
import json
import logging
import queue
import shutil
import sqlite3
import threading
import time
from collections import deque
from datetime import datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from device.decision import Decision

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY,
    time REAL NOT NULL,          -- unix seconds
    label TEXT NOT NULL,         -- the model's top label
    confidence REAL NOT NULL,    -- its averaged probability
    probs TEXT NOT NULL,         -- JSON {label: probability}
    compartment TEXT NOT NULL,   -- where the item was routed
    uncertain INTEGER NOT NULL,  -- 1: below the threshold, sent to the fallback compartment
    ms TEXT NOT NULL,            -- JSON {stage: milliseconds}
    model_sha256 TEXT NOT NULL,
    capture TEXT,                -- file name under captures/, NULL when none was saved
    true_label TEXT              -- filled in by a person labelling the capture
)
"""
COLUMNS = "time, label, confidence, probs, compartment, uncertain, ms, model_sha256, capture"
PENDING_MAX = 1000


class EventLog:
    """Writes item rows to `<state>/events.db` and uncertain frames to `<state>/captures/`."""

    def __init__(
        self,
        state_dir: Path,
        model_sha256: str = "",
        capture_uncertain: bool = True,
        capture_max_bytes: int = 200 << 20,
        jpeg_quality: int = 90,
    ):
        self.db_path = state_dir / "events.db"
        self.capture_dir = state_dir / "captures"
        self.model_sha256 = model_sha256
        self.capture_uncertain, self.capture_max_bytes = capture_uncertain, capture_max_bytes
        self.jpeg_params = [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality]
        self.pending: deque[tuple[Any, ...]] = deque(maxlen=PENDING_MAX)
        self._conn: sqlite3.Connection | None = None  # used by the writer thread only
        self._queue: queue.Queue[tuple | None] = queue.Queue()
        self._writer = threading.Thread(target=self._write_loop, name="event-log", daemon=True)
        self._writer.start()
        self._captures: deque[tuple[Path, int]] | None = None  # oldest first
        self._capture_bytes = 0

    def record(self, decision: Decision, ms: dict[str, float], crop: np.ndarray | None) -> None:
        """Queue one routed item for the writer; `crop` (RGB) is saved if the item was uncertain."""
        keep = decision.uncertain and self.capture_uncertain and crop is not None
        self._queue.put((decision, dict(ms), crop.copy() if keep else None, time.time()))

    def flush(self) -> None:
        """Wait until everything recorded so far has been handled by the writer."""
        self._queue.join()

    def _write_loop(self) -> None:
        while (job := self._queue.get()) is not None:
            try:
                self._write(*job)
            except Exception:  # the writer must outlive any single bad row
                log.exception("event log: item not logged")
            finally:
                self._queue.task_done()
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._queue.task_done()

    def _write(
        self, decision: Decision, ms: dict[str, float], crop: np.ndarray | None, when: float
    ) -> None:
        capture = self._save_capture(crop) if crop is not None else None
        self.pending.append(
            (
                when,
                decision.label,
                decision.confidence,
                json.dumps(decision.probs),
                decision.compartment,
                int(decision.uncertain),
                json.dumps({k: round(v, 3) for k, v in ms.items()}),
                self.model_sha256,
                capture,
            )
        )
        self._flush()

    def rows(self) -> list[dict[str, Any]]:
        """Every logged row, oldest first, JSON fields decoded (after a flush)."""
        self.flush()
        if not self.db_path.exists():
            return []
        with contextlib.closing(sqlite3.connect(self.db_path, timeout=5)) as conn:
            conn.row_factory = sqlite3.Row
            rows = [dict(r) for r in conn.execute("SELECT * FROM items ORDER BY id")]
        for r in rows:
            r["probs"], r["ms"] = json.loads(r["probs"]), json.loads(r["ms"])
        return rows

    def export_captures(self, dest: Path) -> int:
        """Copy saved captures to dest/<true_label or 'unlabelled'>/ (train/'s layout)."""
        count = 0
        for row in self.rows():
            src = self.capture_dir / row["capture"] if row["capture"] else None
            if src is None or not src.is_file():
                continue
            folder = dest / (row["true_label"] or "unlabelled")
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, folder / src.name)
            count += 1
        return count

    def close(self) -> None:
        """Write what is queued, then stop the writer."""
        if self._writer.is_alive():
            self._queue.put(None)
            self._writer.join()

    def _connect(self) -> sqlite3.Connection | None:
        if self._conn is None:
            try:
                self.db_path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.db_path, timeout=0.5, isolation_level=None)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")  # WAL: durable enough, no fsync per row
                conn.execute(SCHEMA)
            except (sqlite3.Error, OSError) as exc:
                log.warning("event log %s unavailable: %s", self.db_path, exc)
                return None
            self._conn = conn
        return self._conn

    def _flush(self) -> None:
        conn = self._connect()
        if conn is None:
            log.warning("event log: %d row(s) kept in memory", len(self.pending))
            return
        try:
            with conn:
                conn.executemany(
                    f"INSERT INTO items ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    self.pending,
                )
            self.pending.clear()
        except sqlite3.Error as exc:
            log.warning("event log: %s; %d row(s) kept in memory", exc, len(self.pending))

    def _save_capture(self, crop: np.ndarray) -> str | None:
        path = self.capture_dir / f"{datetime.now():%Y%m%dT%H%M%S_%f}.jpg"
        try:
            if self._captures is None:
                self.capture_dir.mkdir(parents=True, exist_ok=True)
                self._scan_captures()
            ok, data = cv2.imencode(".jpg", cv2.cvtColor(crop, cv2.COLOR_RGB2BGR), self.jpeg_params)
            if not ok:
                raise OSError("JPEG encoding failed")
            path.write_bytes(data.tobytes())
        except OSError as exc:
            log.warning("capture not saved: %s", exc)
            self._captures = None
            return None
        self._captures.append((path, data.size))
        self._capture_bytes += data.size
        while self._capture_bytes > self.capture_max_bytes and self._captures:
            old, size = self._captures.popleft()
            with contextlib.suppress(OSError):
                old.unlink(missing_ok=True)
            self._capture_bytes -= size
        return path.name if path.exists() else None

    def _scan_captures(self) -> None:
        files = sorted(self.capture_dir.glob("*.jpg"))
        self._captures = deque((p, p.stat().st_size) for p in files)
        self._capture_bytes = sum(size for _, size in self._captures)
