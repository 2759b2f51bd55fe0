"""deals, key dates, splits; business channel setting

Revision ID: 0009_deals_and_splits
Revises: 0008_promotion
Create Date: 2026-12-01 10:00:00
"""

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision = "0009_deals_and_splits"
down_revision = "0008_promotion"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("guild_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("business_channel_id", sa.BigInteger(), nullable=True))

    op.create_table(
        "deals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("search_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("counterparty", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("value_minor", sa.BigInteger(), nullable=True),
        sa.Column("guarantee_minor", sa.BigInteger(), nullable=True),
        sa.Column("percentage_bp", sa.Integer(), nullable=True),
        sa.Column("settle_kind", sa.String(length=16), nullable=True),
        sa.Column("show_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["show_id"], ["shows.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("guild_id", "number", name="uq_deals_guild_number"),
    )
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.create_index("ix_deals_guild_status", ["guild_id", "status"], unique=False)

    op.create_table(
        "deal_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("deal_status_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deal_status_changes_deal_id"), ["deal_id"], unique=False)

    op.create_table(
        "deal_dates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("what", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("deal_id", "position", name="uq_deal_dates_position"),
    )
    with op.batch_alter_table("deal_dates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deal_dates_deal_id"), ["deal_id"], unique=False)

    op.create_table(
        "track_splits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("party_key", sa.String(length=120), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("share_bp", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["release_id"], ["releases.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["track_id"], ["release_tracks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("track_id", "party_key", name="uq_track_splits_party"),
    )
    with op.batch_alter_table("track_splits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_track_splits_release_id"), ["release_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_track_splits_track_id"), ["track_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("track_splits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_track_splits_track_id"))
        batch_op.drop_index(batch_op.f("ix_track_splits_release_id"))
    op.drop_table("track_splits")
    with op.batch_alter_table("deal_dates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deal_dates_deal_id"))
    op.drop_table("deal_dates")
    with op.batch_alter_table("deal_status_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deal_status_changes_deal_id"))
    op.drop_table("deal_status_changes")
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_index("ix_deals_guild_status")
    op.drop_table("deals")
    with op.batch_alter_table("guild_settings", schema=None) as batch_op:
        batch_op.drop_column("business_channel_id")
