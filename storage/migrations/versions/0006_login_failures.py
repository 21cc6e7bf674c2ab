"""login failures, for the login rate limit

login_failure: one row per failed (or running) admin login, by username and client address,
so every worker counts the same failures.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 23:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('login_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_login_failure_username'), 'login_failure', ['username'], unique=False)
    op.create_index(op.f('ix_login_failure_address'), 'login_failure', ['address'], unique=False)
    op.create_index(op.f('ix_login_failure_at'), 'login_failure', ['at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_login_failure_at'), table_name='login_failure')
    op.drop_index(op.f('ix_login_failure_address'), table_name='login_failure')
    op.drop_index(op.f('ix_login_failure_username'), table_name='login_failure')
    op.drop_table('login_failure')
