"""Korpo's domain, shipped as the Lambda layer. No AWS event shapes here.

The base, which every package may use and which uses none of them:
settings (the template's Parameters), secrets (read from SSM Parameter Store, once per
container), brand (an admin's values over them), ids, months, aws (clients), mail (e-mail
through SES), models (the tables), addresses (which hosts a fetch may reach and where the
public may be sent: one rule for feeds and destinations), languages (whose language a page
or an e-mail speaks), fields (every wrong field of a form named at once), texts (the one
rule for the text people send: every field of every form and body), outbox (messages owed
outside: written first, retried, never sent twice).

The capabilities, each a package, each importing only the base and the packages listed before
it (tests/unit/test_layout.py keeps it so):
tracking, board, scoring, shop, people, feeds, content, announcements.
"""
