"""debtor.quiet_times: the debtor's own "not at these times"

Canonical text such as "Mon-Fri 12:00-14:00; Sun" (bot/compliance/quiet.py), set by the
portfolio's optional quiet_times column and honoured by the compliance gate.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('debtor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quiet_times', sqlmodel.sql.sqltypes.AutoString(length=200),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('debtor', schema=None) as batch_op:
        batch_op.drop_column('quiet_times')
