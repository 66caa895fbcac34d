"""People: employees' profiles, teams, board names and privacy (export, delete)."""
