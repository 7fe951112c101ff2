"""Quality, adverse-event and service complaints with lot trace and SLAs.

Models arrive with their issue; every one of them subclasses crm.tenancy.TenantModel.
"""
