"""What employees read and share:

posts       the news: newest first, hidden ones left out; an admin hiding a post
curate      pins, suggested share texts, expiry, posts added by hand
challenges  challenges as admins run them, and the goal's progress employees see
"""
