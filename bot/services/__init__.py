"""Use cases, Discord-free: take an AsyncSession and plain values, return plain data."""
