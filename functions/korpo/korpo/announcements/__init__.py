"""Announcements: what the programme tells people beyond its pages.

webhooks     Slack and Microsoft Teams incoming webhooks: the host rule, each medium's
             escaping, a bounded post with a retry or two (never raising)
unsubscribe  the signed unsubscribe token and what it does
mailing      once per employee: the claim written before a send
texts        the e-mails' words, in English and French
digest       the weekly digest (send_digest's schedule)
challenges   a new challenge: webhooks at once, e-mails by send_digest's next run
winners      the month's winners: the e-mail to winners and admins, Slack and Teams

The e-mails themselves are built and sent by korpo.mail.
"""
