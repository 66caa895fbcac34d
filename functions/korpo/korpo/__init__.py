"""Korpo's domain, shipped as the Lambda layer. No AWS event shapes here.

The base, which every package may use and which uses none of them:
settings (the template's Parameters), secrets (read from SSM Parameter Store, once per
container), brand (an admin's values over them), ids, months, aws (clients), mail (e-mail
through SES), models (the tables), outbox (messages owed outside: written first, retried,
never sent twice).

The capabilities, each a package, each importing only the base and the packages listed before
it (tests/unit/test_layout.py keeps it so):
tracking, board, scoring, shop, people, feeds, content, announcements.
"""
