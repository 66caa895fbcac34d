"""Brand feeds, one verb per module:

guard     which addresses a fetch may connect to (SSRF), and the local-only switch
fetch     HTTP GET through the guard: conditional, capped in size and time, redirects noted
deadline  the watchdog that cuts a fetch at its wall-clock deadline (slow drips included)
parse     RSS/Atom with feedparser
jsonfeed  JSON Feed 1.x, Korpo's own small reader
entry     the rules both follow: ids, dates, links, text
limits    what one parse may cost: entities refused, fields, depth and entries bounded, CPU
sanitize  nh3 policy for HTML, text for titles, http(s)-only URLs
discover  a site or profile URL -> the feed it advertises, validated
channels  an admin adds a channel: discover, then store
store     feeds, health and posts in DynamoDB (only what changed is written)
poll      picks due feeds and runs fetch -> parse -> store for each, concurrently

Each verb takes and returns plain values (dataclasses), so parse and sanitize are tested
without a network or a table.
"""
