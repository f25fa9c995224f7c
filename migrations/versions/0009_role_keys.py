"""The roles' keys: co-facilitator, timekeeper and moderator (hashes; NULL when there is none)

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ('cohost_key_hash', 'timekeeper_key_hash', 'moderator_key_hash')


def upgrade() -> None:
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
