"""What a signed-in employee does, one module per capability: the news and sharing, the
boards, my points, the shop, my profile."""
from webapp.routes.employee import board, news, points, profile, shop

BLUEPRINTS = tuple(module.blueprint for module in (news, board, points, shop, profile))
