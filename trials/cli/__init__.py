"""Thin click commands: the ``trials`` entry point."""

from trials.cli.main import main

__all__ = ["main"]
