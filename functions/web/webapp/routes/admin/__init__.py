"""What an admin (the `admins` group) does, under /manage, one module per capability."""
from webapp.routes.admin import home, stats

BLUEPRINTS = tuple(module.blueprint for module in (home, stats))
