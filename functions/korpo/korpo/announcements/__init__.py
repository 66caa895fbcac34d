"""Announcements: what the programme tells people beyond its pages.

- webhooks.py     Slack and Microsoft Teams incoming webhooks: the host rule, each medium's
                  escaping, a bounded post with a retry or two (never raising)
- mail.py         a plain-text e-mail with its one-click unsubscribe headers (RFC 8058), sent
                  as raw MIME through SES
- unsubscribe.py  the signed unsubscribe token and what it does
- mailing.py      once per employee: the claim written before a send
- texts.py        the e-mails' words, in English and French
- digest.py       the weekly digest (send_digest's schedule)
- challenges.py   a new challenge: webhooks at once, e-mails by send_digest's next run

The monthly winners' e-mail stays in korpo.announce (reset_monthly); its webhooks are here.
"""
