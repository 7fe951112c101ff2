"""Scorecards, tier assignments, overrides, what-if and the quarterly re-score."""
