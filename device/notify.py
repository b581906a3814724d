"""systemd notifications (sd_notify) over $NOTIFY_SOCKET; a no-op when not run by systemd."""

import logging
import os
import socket
import time

log = logging.getLogger(__name__)


class Notifier:
    """READY=1, STATUS=..., WATCHDOG=1 (every half of $WATCHDOG_USEC), STOPPING=1."""

    def __init__(self, environ: dict[str, str] | None = None):
        env = os.environ if environ is None else environ
        address = env.get("NOTIFY_SOCKET", "")
        if address.startswith("@"):  # abstract namespace
            address = "\0" + address[1:]
        self.address = address
        usec = int(env.get("WATCHDOG_USEC", "0") or 0)
        self.watchdog_interval = usec / 2e6 if usec > 0 else None
        self._next_ping = 0.0
        self._status = ""

    @property
    def enabled(self) -> bool:
        return bool(self.address)

    def send(self, message: str) -> None:
        if not self.address:
            return
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
                s.sendto(message.encode(), self.address)
        except OSError as exc:
            log.warning("sd_notify failed: %s", exc)

    def ready(self, status: str) -> None:
        self._status = status
        self.send(f"READY=1\nSTATUS={status}")

    def status(self, status: str) -> None:
        """Send STATUS only when it changed."""
        if status != self._status:
            self._status = status
            self.send(f"STATUS={status}")

    def watchdog(self, now: float | None = None) -> None:
        """Ping the watchdog when due; call it from the main loop."""
        if self.watchdog_interval is None:
            return
        now = time.monotonic() if now is None else now
        if now >= self._next_ping:
            self._next_ping = now + self.watchdog_interval
            self.send("WATCHDOG=1")

    def stopping(self) -> None:
        self.send("STOPPING=1")
