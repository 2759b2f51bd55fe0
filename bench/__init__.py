"""Benchmarks that run the real Roadie bot against the loopback Discord double (``python -m bench.<name>``)."""
