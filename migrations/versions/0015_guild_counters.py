"""per-guild #N counters (safe under concurrent adds from several processes)

Revision ID: 0015_guild_counters
Revises: 0014_stale_nudges_date_order
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_guild_counters"
down_revision = "0014_stale_nudges_date_order"
branch_labels = None
depends_on = None

NUMBERED = (
    "goals",
    "reminders",
    "shows",
    "releases",
    "checkin_schedules",
    "studio_sessions",
    "songs",
    "promo_outlets",
    "promo_pitches",
    "deals",
)


def upgrade() -> None:
    op.create_table(
        "guild_counters",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "scope"),
    )
    for table in NUMBERED:  # numbers are never reused: start after the highest one handed out
        op.execute(
            f"INSERT INTO guild_counters (guild_id, scope, last) "
            f"SELECT guild_id, '{table}', MAX(number) FROM {table} GROUP BY guild_id"
        )


def downgrade() -> None:
    op.drop_table("guild_counters")
