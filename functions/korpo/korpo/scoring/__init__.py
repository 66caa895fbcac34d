"""Turning events into points: the brand's rules, then an exactly-once award."""
