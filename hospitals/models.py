"""Master data: hospitals, departments, doctors, relations, distributors, products, usage share, sales.

Models arrive with their issue; every one of them subclasses crm.tenancy.TenantModel.
"""
