"""stale nudges are skipped with a reason; the date order is chosen, or follows the time zone

Revision ID: 0014_stale_nudges_date_order
Revises: 0013_show_events
Create Date: 2026-12-01 10:00:00

- ``nudges.skip_reason``: why a nudge was not sent (status ``skipped``: its moment passed in a way
  that makes it meaningless, e.g. a show's day-before after the show).
- ``guild_settings.date_order`` becomes nullable: NULL means "not chosen, follow the time zone"
  (month-first for US zones). Every stored value is set to NULL: until now the first saved setting
  stored ``day-first`` although nobody chose it, and a stored value can't tell the two apart.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_stale_nudges_date_order"
down_revision = "0013_show_events"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("nudges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("skip_reason", sa.String(length=300), nullable=True))
    with op.batch_alter_table("guild_settings", schema=None) as batch_op:
        batch_op.alter_column("date_order", existing_type=sa.String(length=16), nullable=True)
    op.execute("UPDATE guild_settings SET date_order = NULL")


def downgrade() -> None:
    op.execute("UPDATE guild_settings SET date_order = 'day-first' WHERE date_order IS NULL")
    with op.batch_alter_table("guild_settings", schema=None) as batch_op:
        batch_op.alter_column("date_order", existing_type=sa.String(length=16), nullable=False)
    with op.batch_alter_table("nudges", schema=None) as batch_op:
        batch_op.drop_column("skip_reason")
