"""Brand feeds, one verb per module: fetch (HTTP), parse (feedparser), sanitize (nh3),
store (DynamoDB) and poll (picks due feeds and runs the others for each, concurrently).

Each verb takes and returns plain values (dataclasses), so parse and sanitize are tested
without a network or a table, and the hardening still to come slots into one place each:
address checks after DNS and after every redirect into fetch's session, feed discovery
before fetch, health rules into store's record_* functions.
"""
