"""What an admin (the `admins` group) does, under /manage, one module per capability."""
from webapp.routes.admin import challenges, home, people, rewards, settings

BLUEPRINTS = tuple(module.blueprint for module in (home, people, rewards, challenges, settings))
