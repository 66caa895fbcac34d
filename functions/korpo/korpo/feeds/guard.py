"""Which addresses a feed fetch may connect to (SSRF): public unicast addresses only.

A feed URL is typed by an admin, and a feed or a page can redirect anywhere. Without this
guard an admin (or a site an admin trusts) could make our Lambda read the instance metadata
service, a database on a private network, or a service on localhost. The check is made on
the address the socket actually connects to, after DNS and on every connection (so on every
redirect hop too): see fetch.GuardedAdapter, which resolves once, checks, and connects to
the checked address (no second lookup that DNS rebinding could answer differently).

Which addresses are refused (`refusal`) is korpo.addresses' rule, the one destinations
follow too. The local stack and the tests serve feeds from 127.0.0.1; they, and only they,
set KORPO_FEEDS_ALLOW_PRIVATE_NETWORKS=1 (never set by template.yaml). Even then link-local
addresses, where cloud metadata services live, stay refused.
"""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

# The address rule is the base's (korpo.addresses): destinations share it, without DNS.
from korpo.addresses import ALLOW_PRIVATE_ENV, IPAddress, private_networks_allowed, refusal

__all__ = ["ALLOW_PRIVATE_ENV", "ForbiddenAddress", "HostNotFound", "UnsafeUrl",
           "check_address", "check_url", "private_networks_allowed", "refusal", "resolve"]

SCHEMES = frozenset({"http", "https"})


class UnsafeUrl(ValueError):
    """A feed URL (or a redirect target) we refuse to fetch: scheme, host or address."""


class ForbiddenAddress(UnsafeUrl):
    """The host resolves to an address that is not public (private, loopback, metadata…)."""


class HostNotFound(LookupError):
    """The host name does not resolve: the site's problem (or a typo), not a refusal."""


def check_address(address: str, allow_private: bool | None = None) -> IPAddress:
    """The parsed address if a fetch may connect to it; else ForbiddenAddress."""
    if allow_private is None:
        allow_private = private_networks_allowed()
    if "%" in address:  # fe80::1%eth0: an interface-scoped address is never public
        raise ForbiddenAddress(f"{address} is a scoped IPv6 address")
    ip = ipaddress.ip_address(address)
    reason = refusal(ip, allow_private)
    if reason:
        raise ForbiddenAddress(f"{address} is refused: {reason}")
    return ip


def resolve(host: str, port: int, allow_private: bool | None = None) -> list[str]:
    """Every address `host` resolves to, all of them allowed, in resolver order.

    All or nothing: a name that resolves to one public and one private address is refused,
    or an attacker's DNS could steer us to the private one.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise HostNotFound(f"cannot resolve {host!r}: {exc.strerror or exc}") from None
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = str(sockaddr[0])
        check_address(address, allow_private)
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise HostNotFound(f"{host!r} resolves to no address")
    return addresses


def check_url(url: str) -> str:
    """Cheap checks before any network I/O: http(s), a host, no credentials. Returns the URL.

    Addresses are checked later, at connection time (resolve); a literal IP is checked here
    too, so an obviously internal URL fails with a clear message at once.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl(f"not a valid URL: {exc}") from None
    if parts.scheme.lower() not in SCHEMES:
        raise UnsafeUrl(f"only http and https URLs are fetched, not {parts.scheme or 'none'!r}")
    if not parts.hostname:
        raise UnsafeUrl("the URL has no host")
    if parts.username or parts.password:
        raise UnsafeUrl("URLs with credentials are not fetched")
    if port == 0:
        raise UnsafeUrl("port 0 is not a port")
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return url
    check_address(str(literal))
    return url
