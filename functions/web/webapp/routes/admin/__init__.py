"""What an admin (the `admins` group) does, under /manage, one module per capability."""
from webapp.routes.admin import (
    challenges, channels, home, invitations, people, posts, rewards, settings, stats,
)

BLUEPRINTS = tuple(module.blueprint for module in (home, stats, channels, posts, challenges,
                                                   people, invitations, rewards, settings))
