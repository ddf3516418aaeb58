"""Orchestration: harvest, update, reconcile, counts refresh, snapshots, after a good run."""
