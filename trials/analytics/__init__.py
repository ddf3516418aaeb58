"""Frames from the stored tables, rankings, profiles, metrics: polars, no SQL."""
