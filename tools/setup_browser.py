"""Make sure the browser the browser test drives is installed: Debian's Chromium.

    python tools/setup_browser.py

Playwright's own browser download (``playwright install``) needs network access to a CDN that
these machines do not have, so the test drives the distribution's Chromium at /usr/bin/chromium
instead. When it is already there this returns at once; otherwise it runs
``apt-get update`` and ``apt-get install -y chromium`` (Debian and Ubuntu-like systems, as root).
Anywhere else it says what to install and exits non-zero.

A font with Chinese characters comes with it (WenQuanYi Micro Hei, 1.6 MB; Traditional
characters included), so the Chinese edition's screenshots show text rather than empty boxes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
PACKAGES = {CHROMIUM: "chromium", CJK_FONT: "fonts-wqy-microhei"}


def _run(command: list[str]) -> None:
    print("+", " ".join(command), flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(command, check=True, env=env)


def main() -> int:
    missing = [package for path, package in PACKAGES.items() if not path.is_file()]
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK) and (
            not missing or shutil.which("apt-get") is None or os.geteuid() != 0):
        # the font only makes screenshots readable: without apt-get or root, go on without it
        print(f"Chromium found: {CHROMIUM}" + (f" (not installed: {missing})" if missing else ""))
        return 0
    if shutil.which("apt-get") is None:
        print(f"{CHROMIUM} is missing and this is not a Debian-like system (no apt-get). Install "
              "Chromium with your package manager so that it is at /usr/bin/chromium (or link it "
              "there), then run the browser test again.", file=sys.stderr)
        return 1
    if os.geteuid() != 0:
        print(f"{CHROMIUM} is missing and installing it needs root. Run:\n"
              "    sudo apt-get update && sudo apt-get install -y chromium\n"
              "then run the browser test again.", file=sys.stderr)
        return 1
    try:
        _run(["apt-get", "update"])
        _run(["apt-get", "install", "-y", "--no-install-recommends", *missing])
    except subprocess.CalledProcessError as exc:
        print(f"Installing Chromium failed ({exc}). On Ubuntu the `chromium` package may be a "
              "snap stub; install a real Chromium at /usr/bin/chromium.", file=sys.stderr)
        return 1
    if not CHROMIUM.is_file():
        print(f"apt-get installed chromium, but {CHROMIUM} does not exist.", file=sys.stderr)
        return 1
    print(f"Chromium installed: {CHROMIUM}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
