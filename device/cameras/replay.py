"""Replay: a folder of photos shown one by one, as if items were dropped into an empty intake.

Photos may sit in `<class>/` sub-folders (the folder name is then the expected label); they are
shown in round-robin order over the folders, each sorted by name. Each photo is preceded and
followed by empty-intake frames. Frames are stamped at the configured rate, not paced in real
time, so a replay runs as fast as the loop can take it.
"""

import logging
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from device.cameras.base import Camera, CameraError, EndOfStream, Frame

log = logging.getLogger(__name__)
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}


def empty_intake(width: int, height: int) -> np.ndarray:
    """A plain grey floor with a soft gradient and fixed texture: the background between items."""
    ramp = np.linspace(90, 150, height, dtype=np.float32)[:, None, None]
    texture = np.random.default_rng(0).normal(0, 3, (height, width, 1)).astype(np.float32)
    return np.clip(ramp + texture, 0, 255).astype(np.uint8).repeat(3, axis=2)


def round_robin(paths: list[Path]) -> list[Path]:
    """One photo per folder in turn: a, b, c, a, b, c, ... (order within a folder kept)."""
    groups: dict[Path, list[Path]] = {}
    for p in paths:
        groups.setdefault(p.parent, []).append(p)
    columns = list(groups.values())
    rounds = max(map(len, columns), default=0)
    return [col[i] for i in range(rounds) for col in columns if i < len(col)]


class ReplayCamera(Camera):
    """Frames from a folder of images; `current` is the photo in view (None between items)."""

    def __init__(
        self,
        folder: str | Path,
        width: int = 640,
        height: int = 480,
        fps: float = 10.0,
        item_frames: int = 12,
        gap_frames: int = 6,
        loop: bool = False,
        limit: int | None = None,
    ):
        self.folder = Path(folder)
        self.width, self.height, self.fps = width, height, fps
        self.item_frames, self.gap_frames, self.loop = item_frames, gap_frames, loop
        self.limit = limit
        self.name = f"replay {self.folder}"
        self.photos: list[Path] = []
        self.skipped: list[Path] = []
        self.current: Path | None = None
        self._frames: Iterator[np.ndarray] | None = None
        self._count = 0

    def open(self) -> None:
        if not self.folder.is_dir():
            raise CameraError(f"replay folder not found: {self.folder}")
        found = [p for p in self.folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES]
        self.photos = round_robin(sorted(p for p in found if p.is_file()))[: self.limit]
        if not self.photos:
            suffixes = ", ".join(sorted(IMAGE_SUFFIXES))
            raise CameraError(f"no images ({suffixes}) under {self.folder}")
        self._frames = self._schedule()

    def expected_label(self, photo: Path) -> str | None:
        """The class folder a photo sits in, None for photos directly in the replay folder."""
        parent = photo.parent
        return parent.name if parent != self.folder else None

    def read(self) -> Frame | None:
        if self._frames is None:
            return None
        try:
            rgb = next(self._frames)
        except StopIteration:
            raise EndOfStream(self.name) from None
        self._count += 1
        return Frame(rgb, self._count / self.fps)

    def close(self) -> None:
        self._frames = None
        self.current = None

    def _schedule(self) -> Iterator[np.ndarray]:
        background = empty_intake(self.width, self.height)
        while True:
            for photo in self.photos:
                self.current = None
                yield from [background] * self.gap_frames
                item = self._load(photo)
                if item is None:
                    continue
                self.current = photo
                yield from [item] * self.item_frames
            self.current = None
            yield from [background] * self.gap_frames
            if not self.loop:
                return

    def _load(self, photo: Path) -> np.ndarray | None:
        bgr = cv2.imread(str(photo), cv2.IMREAD_COLOR)
        if bgr is None:
            if photo not in self.skipped:
                self.skipped.append(photo)
                log.warning("replay: skipping unreadable image %s", photo)
            return None
        bgr = cv2.resize(bgr, (self.width, self.height), interpolation=cv2.INTER_AREA)
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
