"""`make smoke URL=…`: a check of a running stack, deployed or local (`python -m infra.smoke`).

It reads, and clicks one share link as a bot would (that click is recorded, as any link
preview's is, and must earn nothing). One line per check: ok, warning, FAILED or skipped
(with why); the exit status is 1 when any check failed.

report    a check's result and how it prints; the bounds every check keeps
target    where the stack's resources are: GET {URL}/_local (the local stack) or CloudFormation
pages     the home page in each language, its security headers, a static asset
channels  the channels' health, judged from the Catalog as the admins' pages judge it
clicks    a bot's click on a share link: redirected, recorded as a bot, paid nothing
queues    the dead-letter queues are empty
run       the command: locate the stack, run the checks, print, exit
"""
