"""The ``ssr-sim`` entry point: it loads the command line inside a handler, so that Ctrl-C
while numpy, pandas and Mesa load (about two seconds) ends as Ctrl-C during a run does: one
line and exit status 130, no traceback. This module imports nothing heavy itself."""

import sys

#: Exit status after Ctrl-C, as a shell reports a process ended by SIGINT (128 + 2).
INTERRUPTED = 130


def interrupted() -> int:
    """Say so on stderr and give the exit status for an interrupted command."""
    print("interrupted", file=sys.stderr)
    return INTERRUPTED


def main() -> int:
    try:
        from .cli import main as run_command
    except KeyboardInterrupt:
        return interrupted()
    return run_command()
