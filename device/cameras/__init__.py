"""Camera sources: one small class per kind behind `device.cameras.base.Camera`."""

from device.cameras.base import Camera, CameraError, EndOfStream, Frame, ReopeningCamera
from device.cameras.factory import open_camera

__all__ = ["Camera", "CameraError", "EndOfStream", "Frame", "ReopeningCamera", "open_camera"]
