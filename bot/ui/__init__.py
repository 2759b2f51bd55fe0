"""Rendering helpers: embeds, views, progress bars, timestamps, limit-safe truncation."""
