"""Academic events, attendees, follow-up, field insights, speaker fees and rate cards."""
