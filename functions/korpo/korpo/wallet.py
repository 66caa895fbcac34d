"""Moved to korpo.shop.wallet; this name stays so existing imports keep working (the same
module object)."""
import sys

from korpo.shop import wallet as _moved

sys.modules[__name__] = _moved
