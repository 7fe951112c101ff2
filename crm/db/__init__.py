"""PostgreSQL backend with per-transaction tenant settings, RLS migration helpers, provisioning."""
