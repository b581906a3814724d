"""Cameras: replay folder, OpenCV on a video file the test writes, reopening with backoff."""

import shutil

import cv2
import numpy as np
import pytest

from device import config
from device.cameras.base import CameraError, EndOfStream, ReopeningCamera
from device.cameras.factory import open_camera
from device.cameras.opencv import OpenCVCamera
from device.cameras.replay import ReplayCamera, empty_intake
from device.errors import UserError


def read_all(camera, limit=1000):
    frames = []
    with pytest.raises(EndOfStream):
        for _ in range(limit):
            frame = camera.read()
            frames.append((frame.rgb.copy(), frame.t, camera.current))
    return frames


def test_replay_shows_each_photo_between_empty_intake_frames(samples):
    cam = ReplayCamera(samples, 64, 48, fps=10, item_frames=4, gap_frames=2, limit=6)
    cam.open()
    frames = read_all(cam)
    assert len(frames) == 6 * (2 + 4) + 2
    shown = [p for _, _, p in frames[2::6]]
    assert [cam.expected_label(p) for p in shown] == [
        "cardboard",
        "metal",
        "paper",
        "plastic",
        "trash",
        "cardboard",
    ]
    assert all(p is None for _, _, p in frames[:2] + frames[-2:])
    background = empty_intake(64, 48)
    assert np.array_equal(frames[0][0], background) and not np.array_equal(frames[2][0], background)
    photo = cv2.cvtColor(cv2.imread(str(shown[0])), cv2.COLOR_BGR2RGB)
    assert np.array_equal(frames[2][0], cv2.resize(photo, (64, 48), interpolation=cv2.INTER_AREA))
    assert [t for _, t, _ in frames[:3]] == pytest.approx([0.1, 0.2, 0.3])


def test_replay_skips_and_counts_corrupt_images(tmp_path, samples):
    shutil.copytree(samples / "metal", tmp_path / "metal")
    (tmp_path / "metal" / "broken.jpg").write_bytes(b"not a jpeg")
    cam = ReplayCamera(tmp_path, 32, 24, item_frames=2, gap_frames=1)
    cam.open()
    frames = read_all(cam)
    assert cam.skipped == [tmp_path / "metal" / "broken.jpg"]
    assert len(frames) == 4 * 1 + 3 * 2 + 1  # gaps for all four, items for the three good ones


def test_replay_loops_when_asked(samples):
    cam = ReplayCamera(samples / "paper", 32, 24, item_frames=1, gap_frames=1, loop=True)
    cam.open()
    assert all(cam.read() is not None for _ in range(50))


def test_replay_of_a_missing_folder_is_a_start_error(tmp_path):
    cfg = config.CameraConfig(type="replay", source=str(tmp_path / "none"))
    with pytest.raises(UserError, match="replay folder not found"):
        open_camera(cfg)


@pytest.fixture
def video(tmp_path):
    """An MJPG .avi of 6 frames: red, green, blue, red, green, blue."""
    path = tmp_path / "intake.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (64, 48))
    assert writer.isOpened()
    for i in range(6):
        rgb = np.zeros((48, 64, 3), np.uint8)
        rgb[..., i % 3] = 200
        writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def test_opencv_camera_reads_a_video_file_as_rgb(video):
    cam = OpenCVCamera(str(video))
    cam.open()
    means = []
    with pytest.raises(EndOfStream):
        while True:
            frame = cam.read()
            assert frame.rgb.shape == (48, 64, 3) and frame.rgb.dtype == np.uint8
            means.append(frame.rgb.reshape(-1, 3).mean(axis=0))
    cam.close()
    assert len(means) == 6
    assert [int(np.argmax(m)) for m in means] == [0, 1, 2, 0, 1, 2]  # R, G, B in RGB order
    assert all(m.max() > 180 for m in means)


def test_opencv_camera_that_does_not_exist_is_a_start_error(tmp_path):
    with pytest.raises(CameraError):
        OpenCVCamera(str(tmp_path / "missing.avi")).open()
    with pytest.raises(UserError, match="cannot open opencv camera 99"):
        open_camera(config.CameraConfig(type="opencv", source=99))


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_failed_camera_is_reopened_with_exponential_backoff(tmp_path, samples, caplog):
    folder = tmp_path / "intake"
    folder.mkdir()
    shutil.copy(samples / "trash" / "0.jpg", folder)
    clock = Clock()
    cam = ReopeningCamera(
        ReplayCamera(folder, 32, 24, loop=True), 0.5, 4.0, stall_s=1.0, clock=clock
    )
    cam.open()
    assert cam.read() is not None
    shutil.rmtree(folder)
    cam.camera.close()  # the device drops out: reads give nothing
    attempts = []
    for step in range(200):  # 20 s of a loop polling every 0.1 s
        clock.now = 0.1 * step
        before = cam.failures
        assert cam.read() is None
        if cam.failures != before:
            attempts.append(round(clock.now, 1))
    # stalled after 1 s, then reopen attempts 0.5, 1, 2, 4, 4, ... s apart (capped)
    gaps = [round(b - a, 1) for a, b in zip(attempts, attempts[1:], strict=False)]
    assert attempts[0] == pytest.approx(1.1)
    assert gaps[:5] == pytest.approx([0.5, 1.0, 2.0, 4.0, 4.0], abs=0.11)  # 0.1 s polling
    assert "unavailable" in cam.status and "retry" in cam.status
    assert any("replay folder not found" in r.message for r in caplog.records)

    shutil.copytree(samples / "trash", folder)  # the device comes back
    clock.now += 5.0
    frame = cam.read()
    assert frame is not None and cam.is_open and cam.failures == 0
    assert cam.status.endswith("running")
