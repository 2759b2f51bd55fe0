"""tour business: settlement terms and nights, guest lists, /settings currency, show curfew

Revision ID: 0006_tour_business
Revises: 0005
Create Date: 2026-12-01 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_tour_business"
down_revision = "0005"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("guild_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("currency", sa.String(length=3), nullable=True))
    with op.batch_alter_table("shows", schema=None) as batch_op:
        batch_op.add_column(sa.Column("curfew", sa.Time(), nullable=True))

    op.create_table(
        "show_terms",
        sa.Column("show_id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("guarantee_minor", sa.BigInteger(), nullable=True),
        sa.Column("percentage_bp", sa.Integer(), nullable=True),
        sa.Column("break_even_minor", sa.BigInteger(), nullable=True),
        sa.Column("set_by", sa.BigInteger(), nullable=True),
        sa.Column("set_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["show_id"], ["shows.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("show_id"),
    )
    op.create_index("ix_show_terms_guild_id", "show_terms", ["guild_id"])
    op.create_table(
        "settlements",
        sa.Column("show_id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("guarantee_minor", sa.BigInteger(), nullable=True),
        sa.Column("percentage_bp", sa.Integer(), nullable=True),
        sa.Column("break_even_minor", sa.BigInteger(), nullable=True),
        sa.Column("tickets_sold", sa.Integer(), nullable=False),
        sa.Column("gross_minor", sa.BigInteger(), nullable=False),
        sa.Column("expenses_minor", sa.BigInteger(), nullable=False),
        sa.Column("merch_minor", sa.BigInteger(), nullable=True),
        sa.Column("comps", sa.Integer(), nullable=True),
        sa.Column("payout_minor", sa.BigInteger(), nullable=False),
        sa.Column("settled_by", sa.BigInteger(), nullable=False),
        sa.Column("settled_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["show_id"], ["shows.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("show_id"),
    )
    op.create_index("ix_settlements_guild_id", "settlements", ["guild_id"])
    op.create_table(
        "guest_lists",
        sa.Column("show_id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("per_member", sa.Integer(), nullable=False),
        sa.Column("closed_at", _utc(), nullable=True),
        sa.Column("closed_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["show_id"], ["shows.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("show_id"),
    )
    op.create_index("ix_guest_lists_guild_id", "guest_lists", ["guild_id"])
    op.create_table(
        "guests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("show_id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("search_key", sa.String(length=100), nullable=False),
        sa.Column("plus_ones", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("requested_by", sa.BigInteger(), nullable=False),
        sa.Column("requested_by_name", sa.String(length=100), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["show_id"], ["shows.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("show_id", "number", name="uq_guests_show_number"),
    )
    op.create_index("ix_guests_show_id", "guests", ["show_id"])


def downgrade() -> None:
    op.drop_index("ix_guests_show_id", table_name="guests")
    op.drop_table("guests")
    op.drop_index("ix_guest_lists_guild_id", table_name="guest_lists")
    op.drop_table("guest_lists")
    op.drop_index("ix_settlements_guild_id", table_name="settlements")
    op.drop_table("settlements")
    op.drop_index("ix_show_terms_guild_id", table_name="show_terms")
    op.drop_table("show_terms")
    with op.batch_alter_table("shows", schema=None) as batch_op:
        batch_op.drop_column("curfew")
    with op.batch_alter_table("guild_settings", schema=None) as batch_op:
        batch_op.drop_column("currency")
