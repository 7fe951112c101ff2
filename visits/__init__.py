"""Cycle plans, visit plans, visit reports, follow-up tasks, medical inquiries, content library."""
