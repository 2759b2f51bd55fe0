"""Data files shipped with Roadie (release checklist templates)."""
