"""Moved to korpo.people.employees; this name stays so existing imports keep working (it is
the same module object, so a test's monkeypatch of one is a patch of the other)."""
import sys

from korpo.people import employees as _moved

sys.modules[__name__] = _moved
