"""`make bench`: figures measured in one run, printed and written to bench-results.json."""
