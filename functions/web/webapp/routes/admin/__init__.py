"""What an admin (the `admins` group) does, under /manage, one module per capability."""
from webapp.routes.admin import channels, home, posts

BLUEPRINTS = tuple(module.blueprint for module in (home, channels, posts))
