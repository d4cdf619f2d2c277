"""ledger (entries, Merkle nodes, state, signed tree heads, witnesses) and SM2 signing keys

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-21 21:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import shuzheng.db

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_entries",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("time", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("payload_digest", sa.String(length=64), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_ledger_entries")),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_entries_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_entries_subject"), ["subject"], unique=False)

    op.create_table(
        "ledger_nodes",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_ledger_nodes")),
    )
    state = op.create_table(
        "ledger_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("frontier", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_state")),
    )
    # The one row every appender locks: the empty ledger.
    op.bulk_insert(state, [{"id": 1, "size": 0, "frontier": b""}])

    op.create_table(
        "ledger_tree_heads",
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(), nullable=False),
        sa.Column("timestamp_ms", sa.BigInteger(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_ledger_tree_heads")),
    )
    op.create_table(
        "ledger_witnesses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_witnesses")),
        sa.UniqueConstraint("name", name=op.f("uq_ledger_witnesses_name")),
    )
    op.create_table(
        "ledger_cosignatures",
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("witness_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tree_size"],
            ["ledger_tree_heads.tree_size"],
            name=op.f("fk_ledger_cosignatures_tree_size_ledger_tree_heads"),
        ),
        sa.ForeignKeyConstraint(
            ["witness_id"],
            ["ledger_witnesses.id"],
            name=op.f("fk_ledger_cosignatures_witness_id_ledger_witnesses"),
        ),
        sa.PrimaryKeyConstraint("tree_size", "witness_id", name=op.f("pk_ledger_cosignatures")),
    )

    op.create_table(
        "security_signing_keys",
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("private_key_enc", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", shuzheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("retired_at", shuzheng.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_security_signing_keys")),
    )
    with op.batch_alter_table("security_signing_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_security_signing_keys_owner"), ["owner"], unique=False)
        batch_op.create_index(
            "uq_security_signing_keys_active_owner",
            ["owner"],
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("security_signing_keys", schema=None) as batch_op:
        batch_op.drop_index("uq_security_signing_keys_active_owner")
        batch_op.drop_index(batch_op.f("ix_security_signing_keys_owner"))

    op.drop_table("security_signing_keys")
    op.drop_table("ledger_cosignatures")
    op.drop_table("ledger_witnesses")
    op.drop_table("ledger_tree_heads")
    op.drop_table("ledger_state")
    op.drop_table("ledger_nodes")
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entries_subject"))
        batch_op.drop_index(batch_op.f("ix_ledger_entries_actor_id"))

    op.drop_table("ledger_entries")
