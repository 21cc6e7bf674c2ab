"""The migrations build exactly the schema the models declare, on both backends.

A column added to storage/models.py without its Alembic migration (or the reverse) fails
here rather than in production at the first query.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (the tables register themselves in SQLModel.metadata)
from storage.db import Database


async def test_the_migrated_schema_matches_the_models(database_url: str) -> None:
    db = Database(database_url)

    def differences(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))

    try:
        async with db.engine.connect() as connection:
            diff = await connection.run_sync(differences)
    finally:
        await db.dispose()
    assert diff == []
