"""Build the configured camera, wrapped so that it is reopened with backoff when it fails."""

from device.cameras.base import Camera, CameraError, ReopeningCamera
from device.config import CameraConfig, resolve
from device.errors import UserError


def make_camera(cfg: CameraConfig) -> Camera:
    """The bare camera named by `[camera] type`."""
    if cfg.type == "picamera2":
        from device.cameras.picam import PiCamera

        return PiCamera(cfg.width, cfg.height, cfg.fps)
    if cfg.type == "opencv":
        from device.cameras.opencv import OpenCVCamera

        source = cfg.source
        if isinstance(source, str) and "://" not in source and not source.isdigit():
            source = str(resolve(source))
        return OpenCVCamera(source, cfg.width, cfg.height)
    from device.cameras.replay import ReplayCamera

    return ReplayCamera(
        resolve(str(cfg.source)),
        cfg.width,
        cfg.height,
        cfg.fps,
        cfg.replay_item_frames,
        cfg.replay_gap_frames,
        cfg.replay_loop,
    )


def open_camera(cfg: CameraConfig) -> ReopeningCamera:
    """Open the configured camera; a camera that cannot open at start is a UserError."""
    camera = ReopeningCamera(make_camera(cfg), cfg.reopen_initial_s, cfg.reopen_max_s, cfg.stall_s)
    try:
        camera.open()
    except CameraError as exc:
        raise UserError(f"[camera] {exc}") from None
    return camera
