"""Database layer: models, engine and session factory."""
