"""Tracked links, from the share to the click and the conversion (track_click's edge):

links          a share link: one code per employee, post, network (and challenge), its stored
               destination (no open redirect)
share_targets  each network's share page, with the link and a text ending with the disclosure
share_intents  an employee opened a share target: one event per link and brand day
clicks         following a link: resolve, classify, record exactly one click event, 302
agents         what the headers say: a person's browser, a bot, or neither proven
visitors       the keyed daily visitor hash (never a raw IP) and the sharer's own cookie
conversions    conversions reported by the brand: signed by its server, or by a pixel
eventstore     track_click's few DynamoDB calls, on one bare boto3 client
fallback       clicks DynamoDB refused wait in SQS until the next drain
edge_pages     the edge's own pages (a link that does not work, a request too large), in
               the visitor's language

No AWS event shapes: track_click's handler turns the request into these calls.
"""
