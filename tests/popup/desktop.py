"""A throwaway X display (Xvfb) and xdotool, for the pop-up's real Tk windows."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageGrab

WAIT = 15.0


@dataclass
class Display:
    name: str
    proc: subprocess.Popen[bytes]

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "DISPLAY": self.name}

    def xdotool(self, *args: str, timeout: float = WAIT) -> str:
        done = subprocess.run(["xdotool", *args], env=self.env, capture_output=True,
                              text=True, timeout=timeout, check=False)
        return done.stdout.strip()

    def window(self, title: str) -> str:
        """The id of the visible window whose title is ``title`` (waits for it)."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            found = self.xdotool("search", "--onlyvisible", "--name", f"^{title}$").split()
            if found:
                return found[-1]
            time.sleep(0.1)
        raise AssertionError(f"no window titled {title!r} appeared")

    def gone(self, window_id: str) -> bool:
        """True once the window is unmapped or destroyed (waits a while for it)."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            visible = self.xdotool("search", "--onlyvisible", "--name", ".").split()
            if window_id not in visible:
                return True
            time.sleep(0.1)
        return False

    def press(self, window_id: str, *keys: str) -> None:
        """Focus the window and type ``keys`` as real X input (XTEST)."""
        self.xdotool("windowfocus", "--sync", window_id)
        for key in keys:
            self.xdotool("key", "--clearmodifiers", key)

    def geometry(self, window_id: str) -> tuple[int, int, int, int]:
        values = dict(line.split("=", 1) for line in self.xdotool(
            "getwindowgeometry", "--shell", window_id).splitlines() if "=" in line)
        return int(values["X"]), int(values["Y"]), int(values["WIDTH"]), int(values["HEIGHT"])

    def screenshot(self, window_id: str, path: Path) -> Image.Image:
        x, y, width, height = self.geometry(window_id)
        image = ImageGrab.grab(bbox=(x, y, x + width, y + height), xdisplay=self.name)
        image.save(path)
        return image

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_xvfb() -> Display:
    """Xvfb on a display number it picks itself (``-displayfd``): no clash with others."""
    read, write = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1024x768x24",
                             "-nolisten", "tcp"], pass_fds=(write,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as answer:
        number = answer.readline().strip()
    if not number:
        proc.kill()
        raise RuntimeError("Xvfb did not start")
    return Display(f":{number}", proc)
