"""The tenant's own working and rest days on top of China's calendar (crm.workdays), walled by RLS."""

import django.db.models.deletion
from django.db import migrations, models

from crm.db.migrations import EnableTenantRLS


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_walled_users'),
        ('crm', '0003_statistics'),
    ]

    operations = [
        migrations.CreateModel(
            name='WorkdayOverride',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField(verbose_name='date')),
                ('is_workday', models.BooleanField(verbose_name='working day')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='note')),
                ('tenant', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.tenant', verbose_name='tenant')),
            ],
            options={
                'verbose_name': 'working-day override',
                'verbose_name_plural': 'working-day overrides',
                'ordering': ['date'],
                'constraints': [models.UniqueConstraint(fields=('tenant', 'date'), name='workday_override_tenant_date')],
            },
        ),
        EnableTenantRLS("workdayoverride"),
    ]
