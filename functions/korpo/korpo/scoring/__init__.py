"""Turning events into points:

rules   the brand's rules as plain values (defaults from the Parameters, an admin's edits)
store   where award_points reads rules, challenges and teams (cached in the warm container)
award   a batch of events written exactly once: ledger, board, ranks, balance, stats
ledger  the ledger in plain words: one line per awarded or capped event
repair  console repairs: replay events, recompute a month from the ledger
"""
