"""Korpo's domain: feeds, share links, clicks, scoring, the board. No AWS event shapes here."""
