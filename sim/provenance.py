"""What a result needs to be reproduced: package versions, git commit, time; and where it goes."""

from __future__ import annotations

import platform
import subprocess
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = ("ssr-sim", "mesa", "numpy", "scipy", "networkx", "pandas", "pydantic", "pyarrow")


def package_versions(packages: tuple[str, ...] = PACKAGES) -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_state(directory: Path | None = None) -> dict[str, Any]:
    """Commit and dirtiness of the checkout holding ``directory`` (default: this package); None outside git."""
    where = directory or Path(__file__).resolve().parent

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=where, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no") if commit else None
    return {"git_commit": commit, "git_dirty": None if status is None else bool(status)}


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def provenance(**extra: Any) -> dict[str, Any]:
    """Versions, git state and a UTC timestamp, plus whatever the caller adds (seed, hashes)."""
    return {**extra, "created": now(), "versions": package_versions(), **git_state()}


def stamped_folder(parent: Path, label: str = "") -> Path:
    """A folder under ``parent`` named by the local time (``<label>_<time>``, or ``<time>``) that
    does not exist yet, so a result never lands in an earlier one's folder: a second folder in
    the same second gets ``_1``, then ``_2``. Runs and sweeps both name their folders here."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    name = f"{label}_{stamp}" if label else stamp
    folder = parent / name
    suffix = 1
    while folder.exists():
        folder = parent / f"{name}_{suffix}"
        suffix += 1
    return folder
