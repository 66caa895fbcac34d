"""Moved to korpo.shop.wallet; kept so existing imports keep working."""
from korpo.shop.wallet import balance_of

__all__ = ["balance_of"]
