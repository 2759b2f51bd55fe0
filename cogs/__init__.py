"""Slash-command cogs: thin adapters from Discord interactions to ``bot.services``."""
