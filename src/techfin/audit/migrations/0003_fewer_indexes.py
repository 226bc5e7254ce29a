"""Fewer indexes on the audit log: each one is written by every event (a 100,000-row batch
filing writes 100,000 events), and these serve no query another index does not:

* `object_type` alone: the first column of (object_type, object_id, seq), which an object's
  history and the API's object_type filter read;
* `object_id` alone: no query looks events up by object id without their object type;
* PostgreSQL's LIKE twins (varchar_pattern_ops) of those two and of `hash`: no query matches
  them by prefix (the hash's uniqueness stays, as a named constraint).

The indexes are dropped directly: Django's AlterField would rebuild the whole log on SQLite and
rebuild the hash's unique index on PostgreSQL. The state changes are the model's.
"""

from django.conf import settings
from django.db import migrations, models

TABLE = "audit_auditevent"
DROPPED = ("object_type", "object_id", "hash")  # their single-column, non-unique indexes
HASH_KEY = "audit_auditevent_hash_key"  # PostgreSQL's name for unique=True


def drop_indexes(apps, schema_editor):
    connection = schema_editor.connection
    quote = schema_editor.quote_name
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    for name, info in constraints.items():
        if (len(info["columns"]) == 1 and info["columns"][0] in DROPPED and info["index"] and not info["unique"]
                and not info["primary_key"]):
            schema_editor.execute(f"DROP INDEX {quote(name)}")
    if connection.vendor == "postgresql":
        # unique=True's constraint, under the model's name for it. (SQLite keeps unique=True
        # inline in the table, where the same uniqueness stays.)
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, TABLE)
        names = [name for name, info in constraints.items() if info["columns"] == ["hash"] and info["unique"]
                 and not info["primary_key"] and name != "unique_event_hash"]
        for name in names[:1]:  # HASH_KEY, looked up rather than assumed
            schema_editor.execute(f"ALTER TABLE {quote(TABLE)} RENAME CONSTRAINT {quote(name)} "
                                  f"TO {quote('unique_event_hash')}")


def restore_indexes(apps, schema_editor):
    """The indexes as Django made them before (reverse migration)."""
    model = apps.get_model("audit", "AuditEvent")
    quote = schema_editor.quote_name
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute(f"ALTER TABLE {quote(TABLE)} RENAME CONSTRAINT {quote('unique_event_hash')} "
                              f"TO {quote(HASH_KEY)}")
    for name in ("object_type", "object_id"):
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[model._meta.get_field(name)]))
    if postgres:
        for name in ("object_type", "object_id", "hash"):
            schema_editor.execute(schema_editor._create_like_index_sql(model, model._meta.get_field(name)))


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0002_chain_head'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_indexes, restore_indexes)],
            state_operations=[
                migrations.AlterField(
                    model_name='auditevent',
                    name='hash',
                    field=models.CharField(max_length=64),
                ),
                migrations.AlterField(
                    model_name='auditevent',
                    name='object_id',
                    field=models.CharField(max_length=64, verbose_name='object id'),
                ),
                migrations.AlterField(
                    model_name='auditevent',
                    name='object_type',
                    field=models.CharField(max_length=100, verbose_name='object type'),
                ),
                migrations.AddConstraint(
                    model_name='auditevent',
                    constraint=models.UniqueConstraint(fields=('hash',), name='unique_event_hash'),
                ),
            ],
        ),
    ]
