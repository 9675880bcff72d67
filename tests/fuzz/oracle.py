"""What every input must get from the CLI: exit 0, or exit 2 with exactly one line on stderr,
and never a traceback."""

from __future__ import annotations

USAGE_ERROR = 2


def verdict(status: int, stderr: str) -> str | None:
    """None when the outcome keeps the promise; otherwise what is wrong with it."""
    if "Traceback" in stderr:
        return f"a traceback (exit {status}):\n{stderr}"
    if status == 0:
        return None
    if status != USAGE_ERROR:
        return f"exit {status}, expected 0 or {USAGE_ERROR}:\n{stderr}"
    lines = stderr.strip().splitlines()
    if len(lines) != 1:
        return f"exit {USAGE_ERROR} with {len(lines)} lines on stderr, expected one:\n{stderr}"
    return None
