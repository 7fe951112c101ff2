"""Cycle plans, visit plans, visit reports, follow-up tasks, medical inquiries, content library.

Models arrive with their issue; every one of them subclasses crm.tenancy.TenantModel.
"""
