"""The board and its months, and what the programme brought:

standings  a month's top N and one employee's rank (Queries that do not grow with employees)
monthly    closing a month: its standings frozen into the archive, the next month opened
stats      the daily counters award_points keeps, read for a period
hll        the unique-visitors estimate those counters carry (HyperLogLog)
dashboard  the admins' stats of a period, overall or for a challenge, team, channel, network,
           post
"""
