"""The first schema: models, evaluations, metrics, actions.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    tz = sa.DateTime(timezone=True)
    op.create_table("models",
                    sa.Column("name", sa.String(200), primary_key=True),
                    sa.Column("checkpoint", sa.String(1000), nullable=False),
                    sa.Column("trained_constitution", sa.String(64)),
                    sa.Column("trained_cells", sa.JSON),
                    sa.Column("updated_at", tz, nullable=False))
    op.create_table("evaluations",
                    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("model", sa.String(200), nullable=False, index=True),
                    sa.Column("checkpoint", sa.String(1000), nullable=False),
                    sa.Column("weights_sha", sa.String(64)),
                    sa.Column("created_at", tz, nullable=False, index=True),
                    sa.Column("config_sha", sa.String(64)),
                    sa.Column("constitution_sha", sa.String(64)),
                    sa.Column("data_sha", sa.String(64)),
                    sa.Column("results_path", sa.String(1000)),
                    sa.Column("cells", sa.JSON),
                    sa.Column("samples_total", sa.Integer, nullable=False))
    op.create_table("metrics",
                    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("evaluation_id", sa.Integer, sa.ForeignKey("evaluations.id"), nullable=False, index=True),
                    sa.Column("name", sa.String(200), nullable=False),
                    sa.Column("rate", sa.Float),
                    sa.Column("lo", sa.Float),
                    sa.Column("hi", sa.Float),
                    sa.Column("k", sa.Integer, nullable=False),
                    sa.Column("n", sa.Integer, nullable=False),
                    sa.Column("status", sa.String(20), nullable=False),
                    sa.Column("message", sa.String(500), nullable=False))
    op.create_table("actions",
                    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("evaluation_id", sa.Integer, sa.ForeignKey("evaluations.id"), nullable=False, index=True),
                    sa.Column("trigger", sa.String(500), nullable=False),
                    sa.Column("action", sa.String(50), nullable=False),
                    sa.Column("status", sa.String(20), nullable=False),
                    sa.Column("detail", sa.JSON),
                    sa.Column("created_at", tz, nullable=False))


def downgrade() -> None:
    for table in ("actions", "metrics", "evaluations", "models"):
        op.drop_table(table)
