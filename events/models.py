"""Academic events, attendees, follow-up, field insights, speaker fees and rate cards.

Models arrive with their issue; every one of them subclasses crm.tenancy.TenantModel.
"""
