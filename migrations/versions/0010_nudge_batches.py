"""nudge batches: rows delivered together in one message share a batch id (its nonce)

Revision ID: 0010_nudge_batches
Revises: 0009_deals_and_splits
Create Date: 2026-12-01 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_nudge_batches"
down_revision = "0009_deals_and_splits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("nudges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("batch_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_nudges_batch", ["batch_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("nudges", schema=None) as batch_op:
        batch_op.drop_index("ix_nudges_batch")
        batch_op.drop_column("batch_id")
