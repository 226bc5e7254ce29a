"""Fewer indexes on filings: each one is written by every filed loan (a 100,000-row batch pays for
each), and these serve no query another index does not (see `Filing.Meta`):

* `bank_id` and `enterprise_id` alone: the first columns of unique_contract_per_bank and
  (bank, status, disbursed_on), and of (enterprise, disbursed_on);
* `filed_by_id`: nothing reads filings by filer, and a filer cannot be deleted (the filing's
  audit event names the same user, PROTECTed);
* `third_party_id`: now only where one is named (most loans have none);
* PostgreSQL's LIKE twins (varchar_pattern_ops) of `status` and `confirmation_no`: no query
  matches either by prefix (`status` keeps a plain index; the confirmation number's uniqueness
  becomes a named constraint).

The indexes are dropped directly: Django's own AlterField would rebuild the whole table on
SQLite and drop and re-check every foreign key on PostgreSQL, for each field. The state
changes are the model's.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TABLE = "filings_filing"
# Columns whose single-column, non-unique indexes go (the new indexes are created after).
DROPPED = ("bank_id", "enterprise_id", "filed_by_id", "third_party_id", "status", "confirmation_no")
CONFIRMATION_KEY = "filings_filing_confirmation_no_key"  # PostgreSQL's name for unique=True


def _single_column_indexes(schema_editor, column, *, unique):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    return [name for name, info in constraints.items()
            if info["columns"] == [column] and info["index"] and bool(info["unique"]) is unique
            and not info["primary_key"] and not info["foreign_key"]]


def drop_indexes(apps, schema_editor):
    connection = schema_editor.connection
    quote = schema_editor.quote_name
    for column in DROPPED:
        for name in _single_column_indexes(schema_editor, column, unique=False):
            schema_editor.execute(f"DROP INDEX {quote(name)}")
    if connection.vendor == "postgresql":
        # unique=True's constraint, under the name the model's UniqueConstraint gives it. (SQLite
        # keeps unique=True inline in the table, where the same uniqueness stays.)
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, TABLE)
        names = [name for name, info in constraints.items() if info["columns"] == ["confirmation_no"]
                 and info["unique"] and not info["primary_key"] and name != "unique_confirmation_no"]
        for name in names[:1]:  # CONFIRMATION_KEY, looked up rather than assumed
            schema_editor.execute(f"ALTER TABLE {quote(TABLE)} RENAME CONSTRAINT {quote(name)} "
                                  f"TO {quote('unique_confirmation_no')}")


def restore_indexes(apps, schema_editor):
    """The indexes as Django made them before (reverse migration)."""
    model = apps.get_model("filings", "Filing")
    postgres = schema_editor.connection.vendor == "postgresql"
    quote = schema_editor.quote_name
    if postgres:
        schema_editor.execute(f"ALTER TABLE {quote(TABLE)} RENAME CONSTRAINT {quote('unique_confirmation_no')} "
                              f"TO {quote(CONFIRMATION_KEY)}")
    for name in ("bank", "enterprise", "filed_by", "third_party", "status"):
        field = model._meta.get_field(name)
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))
    if postgres:
        for name in ("status", "confirmation_no"):
            schema_editor.execute(schema_editor._create_like_index_sql(model, model._meta.get_field(name)))


class Migration(migrations.Migration):

    dependencies = [
        ('banks', '0002_thirdparty'),
        ('enterprises', '0005_guangzhou_districts'),
        ('filings', '0004_continuation'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_indexes, restore_indexes)],
            state_operations=[
                migrations.AlterField(
                    model_name='filing',
                    name='bank',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='filings', to='banks.bank', verbose_name='bank'),
                ),
                migrations.AlterField(
                    model_name='filing',
                    name='confirmation_no',
                    field=models.CharField(blank=True, max_length=30, null=True, verbose_name='confirmation number'),
                ),
                migrations.AlterField(
                    model_name='filing',
                    name='enterprise',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='filings', to='enterprises.enterprise', verbose_name='enterprise'),
                ),
                migrations.AlterField(
                    model_name='filing',
                    name='filed_by',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name='filing',
                    name='status',
                    field=models.CharField(choices=[('submitted', 'Submitted'), ('accepted', 'Accepted'), ('rejected', 'Rejected'), ('withdrawn', 'Withdrawn')], max_length=12, verbose_name='status'),
                ),
                migrations.AlterField(
                    model_name='filing',
                    name='third_party',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='filings', to='banks.thirdparty', verbose_name='third party'),
                ),
                migrations.AddConstraint(
                    model_name='filing',
                    constraint=models.UniqueConstraint(fields=('confirmation_no',), name='unique_confirmation_no'),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name='filing',
            index=models.Index(fields=['status'], name='filing_status_idx'),
        ),
        migrations.AddIndex(
            model_name='filing',
            index=models.Index(condition=models.Q(('third_party__isnull', False)), fields=['third_party'], name='filing_third_party_idx'),
        ),
    ]
