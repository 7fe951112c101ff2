"""Profile fields, and API tokens stored hashed with an expiry (replacing DRF's plain-text tokens).

DRF's ``authtoken_token`` kept every token in clear, readable by the app role across tenants.
Its tokens are carried over (hashed, valid 30 more days) so that API clients keep working,
then the table is dropped; ``rest_framework.authtoken`` is no longer installed.
"""

import accounts.models
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from crm.db.migrations import EnableTenantRLS

# Before the tenant policy exists on accounts_apitoken (FORCE'd, it would refuse the owner).
CARRY_OVER_TOKENS = """
DO $$
BEGIN
    IF to_regclass('public.authtoken_token') IS NOT NULL THEN
        INSERT INTO accounts_apitoken (tenant_id, user_id, name, key_hash, created_at, expires_at)
        SELECT u.tenant_id, t.user_id, 'API', encode(sha256(convert_to(t.key, 'UTF8')), 'hex'), t.created,
               now() + interval '30 days'
        FROM authtoken_token t JOIN accounts_user u ON u.id = t.user_id
        WHERE u.tenant_id IS NOT NULL;
        DROP TABLE authtoken_token;
        DELETE FROM django_migrations WHERE app = 'authtoken';
    END IF;
END $$;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_rls'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='language',
            field=models.CharField(blank=True, choices=[('zh-hans', 'Simplified Chinese'), ('en', 'English')], max_length=10, verbose_name='language'),
        ),
        migrations.AddField(
            model_name='user',
            name='session_salt',
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(blank=True, max_length=100, verbose_name='name')),
                ('key_hash', models.CharField(editable=False, max_length=64, verbose_name='key hash')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('expires_at', models.DateTimeField(default=accounts.models._token_expiry, verbose_name='expires at')),
                ('last_used_at', models.DateTimeField(blank=True, null=True, verbose_name='last used at')),
                ('tenant', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.tenant', verbose_name='tenant')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'API token',
                'verbose_name_plural': 'API tokens',
                'indexes': [models.Index(fields=['tenant', 'user'], name='apitoken_tenant_user_idx')],
                'constraints': [models.UniqueConstraint(fields=('tenant', 'key_hash'), name='apitoken_tenant_hash_uniq')],
            },
        ),
        # The pre-tenant lookup (crm_auth_token) finds a token by its hash alone.
        migrations.RunSQL(
            "CREATE INDEX apitoken_key_hash_idx ON accounts_apitoken (key_hash)",
            "DROP INDEX IF EXISTS apitoken_key_hash_idx",
        ),
        migrations.RunSQL(CARRY_OVER_TOKENS, migrations.RunSQL.noop),
        EnableTenantRLS('apitoken'),
    ]
