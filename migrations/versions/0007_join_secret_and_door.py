"""join secret (the QR link's) and the door (closed: no new participants)

Revision ID: 0007
Revises: 0006
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('join_secret', sa.String(length=32), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('joins_closed', sa.Boolean(), nullable=False, server_default=sa.false()))
    # Every meeting made before this revision gets its own secret (its QR code changes once).
    meeting = sa.table('meeting', sa.column('id', sa.Integer), sa.column('join_secret', sa.String))
    connection = op.get_bind()
    for (meeting_id,) in connection.execute(sa.select(meeting.c.id)).all():
        connection.execute(
            meeting.update().where(meeting.c.id == meeting_id).values(join_secret=secrets.token_urlsafe(12))
        )


def downgrade() -> None:
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('joins_closed')
        batch_op.drop_column('join_secret')
