"""nudge claim leases: who claimed a nudge and until when (several processes)

Revision ID: 0016_nudge_leases
Revises: 0015_guild_counters
"""

import sqlalchemy as sa
from alembic import op

from bot.db.types import UTCDateTime

revision = "0016_nudge_leases"
down_revision = "0015_guild_counters"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("nudges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("lease_until", UTCDateTime(timezone=True), nullable=True))
    # rows 'sending' from before leases existed: expired at once, so whoever starts first resends them
    op.execute("UPDATE nudges SET lease_until = claimed_at WHERE status = 'sending'")


def downgrade() -> None:
    with op.batch_alter_table("nudges", schema=None) as batch_op:
        batch_op.drop_column("lease_until")
        batch_op.drop_column("claimed_by")
