"""Time-driven work: APScheduler wakes Roadie; the database holds every nudge."""
