"""Scheduled refreshes (APScheduler); see issue 5."""
