"""What employees share beyond the news: challenges (and, for a destination-URL challenge,
the post of its own through which it is shared)."""
