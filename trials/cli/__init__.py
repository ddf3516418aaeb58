"""Thin click commands: the ``trials`` entry point."""

import sys

try:
    from trials.cli.main import main
except KeyboardInterrupt:  # Ctrl-C while the command is still starting: no traceback, the usual exit code
    sys.stderr.write("\ninterrupted while starting\n")
    raise SystemExit(130) from None

__all__ = ["main"]
