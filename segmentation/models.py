"""Scorecards, tier assignments, overrides, what-if and the quarterly re-score.

Models arrive with their issue; every one of them subclasses crm.tenancy.TenantModel.
"""
