"""Use cases, Discord-free: take an AsyncSession and plain values, return plain data.

Services never commit: they add, change and ``flush`` (so ids exist and constraint errors surface
where they happen); the caller's unit of work (:mod:`bot.uow`) commits once, or rolls back when a
service raises. A service that schedules a nudge goes through :func:`bot.services.nudges.schedule`,
which records the due time on the session for the unit of work to wake the dispatcher after commit.
"""
