"""Series (a lerend netwerk): its meetings in order, its facilitators, the pseudonyms of the network
pass (hashes only), and the link of an activity to the same activity in other meetings

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('theme', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('host_key_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('retention_days', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name='fk_series_owner', ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('serieshost',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['series_id'], ['series.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('series_id', 'user_id', name='uq_series_host')
    )
    op.create_table('seriesparticipant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('secret_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['series_id'], ['series.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('series_id', 'number', name='uq_seriesparticipant_number')
    )
    with op.batch_alter_table('seriesparticipant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seriesparticipant_code_hash'), ['code_hash'], unique=True)
        batch_op.create_index(batch_op.f('ix_seriesparticipant_secret_hash'), ['secret_hash'], unique=True)

    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('series_link', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )

    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('series_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('series_position', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_meeting_series_id'), ['series_id'], unique=False)
        batch_op.create_foreign_key('fk_meeting_series', 'series', ['series_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('series_participant_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint('uq_participant_pseudonym', ['meeting_id', 'series_participant_id'])
        batch_op.create_foreign_key(
            'fk_participant_pseudonym',
            'seriesparticipant',
            ['series_participant_id'],
            ['id'],
            ondelete='CASCADE',
        )



def downgrade() -> None:
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_constraint('fk_participant_pseudonym', type_='foreignkey')
        batch_op.drop_constraint('uq_participant_pseudonym', type_='unique')
        batch_op.drop_column('series_participant_id')

    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_constraint('fk_meeting_series', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_meeting_series_id'))
        batch_op.drop_column('series_position')
        batch_op.drop_column('series_id')

    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_column('series_link')

    with op.batch_alter_table('seriesparticipant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seriesparticipant_secret_hash'))
        batch_op.drop_index(batch_op.f('ix_seriesparticipant_code_hash'))

    op.drop_table('seriesparticipant')
    op.drop_table('serieshost')
    op.drop_table('series')
