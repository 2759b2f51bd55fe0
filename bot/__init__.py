"""Roadie: the road manager of a music act's Discord server."""
