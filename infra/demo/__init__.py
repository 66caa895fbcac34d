"""The demo brand of the local stack: its feeds (served from files by static.py) and its
employees, rewards and challenge (seed.py)."""
