"""tour business: settlement, guest lists, advancing, songs and set lists, currency, curfew

Revision ID: 0007_tour_business
Revises: 0006_studio
Create Date: 2026-12-01 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_tour_business"
down_revision = "0006_studio"
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
    op.create_table(
        "advance_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("show_id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("search_key", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("days_before", sa.Integer(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("custom", sa.Boolean(), nullable=False),
        sa.Column("done_by", sa.BigInteger(), nullable=True),
        sa.Column("done_at", _utc(), nullable=True),
        sa.ForeignKeyConstraint(["show_id"], ["shows.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("show_id", "position", name="uq_advance_items_position"),
    )
    op.create_index("ix_advance_items_show_id", "advance_items", ["show_id"])
    op.create_table(
        "advance_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("show_id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("search_key", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.ForeignKeyConstraint(["show_id"], ["shows.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("show_id", "number", name="uq_advance_contacts_number"),
    )
    op.create_index("ix_advance_contacts_show_id", "advance_contacts", ["show_id"])
    op.create_table(
        "songs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("search_key", sa.String(length=200), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=True),
        sa.Column("isrc", sa.String(length=12), nullable=True),
        sa.Column("writers", sa.String(length=300), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("deleted_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("guild_id", "number", name="uq_songs_guild_number"),
    )
    op.create_index("ix_songs_guild_key", "songs", ["guild_id", "search_key"])
    op.create_table(
        "setlist_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("show_id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("song_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["show_id"], ["shows.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["song_id"], ["songs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("show_id", "position", name="uq_setlist_entries_position"),
    )
    op.create_index("ix_setlist_entries_show_id", "setlist_entries", ["show_id"])
    op.create_index("ix_setlist_entries_song_id", "setlist_entries", ["song_id"])


def downgrade() -> None:
    op.drop_index("ix_setlist_entries_song_id", table_name="setlist_entries")
    op.drop_index("ix_setlist_entries_show_id", table_name="setlist_entries")
    op.drop_table("setlist_entries")
    op.drop_index("ix_songs_guild_key", table_name="songs")
    op.drop_table("songs")
    op.drop_index("ix_advance_contacts_show_id", table_name="advance_contacts")
    op.drop_table("advance_contacts")
    op.drop_index("ix_advance_items_show_id", table_name="advance_items")
    op.drop_table("advance_items")
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
