"""Event log: rows, captures under a cap, export layout; failures never stop sorting."""

import sqlite3

import numpy as np

from device.decision import Decision
from device.events import EventLog


def decision(label="metal", confidence=0.9, uncertain=False):
    probs = dict.fromkeys(["cardboard", "metal", "paper", "plastic", "trash"], 0.025)
    probs[label] = confidence
    return Decision(label, confidence, probs, "trash" if uncertain else label, uncertain)


CROP = np.random.default_rng(0).integers(0, 255, (60, 80, 3), np.uint8)
MS = {"capture": 0.1, "invoke": 12.0, "route": 1100.0}


def test_rows_hold_everything_about_each_item(tmp_path):
    log = EventLog(tmp_path, model_sha256="ab" * 32)
    log.record(decision(), MS, CROP)
    log.record(decision("plastic", 0.41, uncertain=True), MS, CROP)
    rows = log.rows()
    assert [(r["label"], r["compartment"], r["uncertain"]) for r in rows] == [
        ("metal", "metal", 0),
        ("plastic", "trash", 1),
    ]
    assert rows[1]["probs"]["plastic"] == 0.41 and rows[1]["ms"] == MS
    assert rows[0]["model_sha256"] == "ab" * 32 and rows[0]["time"] > 1.7e9
    assert rows[0]["capture"] is None  # only uncertain items are captured
    assert (tmp_path / "captures" / rows[1]["capture"]).stat().st_size > 0
    mode = sqlite3.connect(tmp_path / "events.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_captures_stay_under_the_cap_oldest_dropped_first(tmp_path):
    log = EventLog(tmp_path, capture_max_bytes=10**9)
    log.record(decision(uncertain=True), MS, CROP)
    size = (tmp_path / "captures" / log.rows()[0]["capture"]).stat().st_size
    log = EventLog(tmp_path, capture_max_bytes=int(2.5 * size))
    for _ in range(4):
        log.record(decision(uncertain=True), MS, CROP)
    names = [r["capture"] for r in log.rows()]
    kept = sorted(p.name for p in (tmp_path / "captures").iterdir())
    assert kept == names[-2:]  # the oldest three are gone (one from before the restart)


def test_export_writes_the_class_folder_layout(tmp_path):
    log = EventLog(tmp_path / "state")
    for label in ("paper", "metal"):
        log.record(decision(label, 0.3, uncertain=True), MS, CROP)
    log.record(decision("paper", 0.95), MS, CROP)
    log.flush()
    with sqlite3.connect(tmp_path / "state" / "events.db") as db:
        db.execute("UPDATE items SET true_label = 'cardboard' WHERE id = 1")
    assert log.export_captures(tmp_path / "out") == 2
    assert [
        len(list((tmp_path / "out" / d).glob("*.jpg"))) for d in ("cardboard", "unlabelled")
    ] == [1, 1]


def test_unwritable_capture_folder_is_logged_and_the_row_still_written(tmp_path, caplog):
    (tmp_path / "captures").write_text("a file where the folder should be")
    (tmp_path / "captures").chmod(0o444)
    log = EventLog(tmp_path)
    log.record(decision(uncertain=True), MS, CROP)
    (row,) = log.rows()
    assert row["uncertain"] == 1 and row["capture"] is None
    assert "capture not saved" in caplog.text


def test_locked_database_keeps_rows_in_memory_until_it_is_free(tmp_path, caplog):
    log = EventLog(tmp_path)  # record() only queues: the writer thread meets the lock
    log.record(decision(), MS, None)
    log.flush()
    blocker = sqlite3.connect(tmp_path / "events.db", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    log.record(decision("paper"), MS, None)
    log.flush()  # the writer gave up on the lock
    assert "locked" in caplog.text and len(log.pending) == 1
    blocker.execute("COMMIT")
    log.record(decision("plastic"), MS, None)
    assert [r["label"] for r in log.rows()] == ["metal", "paper", "plastic"]
    assert not log.pending
