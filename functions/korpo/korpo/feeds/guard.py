"""Which addresses a feed fetch may connect to (SSRF): public unicast addresses only.

A feed URL is typed by an admin, and a feed or a page can redirect anywhere. Without this
guard an admin (or a site an admin trusts) could make our Lambda read the instance metadata
service, a database on a private network, or a service on localhost. The check is made on
the address the socket actually connects to, after DNS and on every connection (so on every
redirect hop too): see fetch.GuardedAdapter, which resolves once, checks, and connects to
the checked address (no second lookup that DNS rebinding could answer differently).

The local stack and the tests serve feeds from 127.0.0.1; they, and only they, set
KORPO_FEEDS_ALLOW_PRIVATE_NETWORKS=1 (never set by template.yaml). Even then link-local
addresses, where cloud metadata services live, stay refused.
"""
from __future__ import annotations

import ipaddress
import os
import socket
from urllib.parse import urlsplit

ALLOW_PRIVATE_ENV = "KORPO_FEEDS_ALLOW_PRIVATE_NETWORKS"
SCHEMES = frozenset({"http", "https"})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Refused even with the local switch on: metadata services (AWS 169.254.169.254 and
# fd00:ec2::254, the Lambda runtime API's 169.254.100.1, GCP, Azure) live here.
_ALWAYS_REFUSED = (
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("fe80::/10"),
    ipaddress.ip_network("fd00:ec2::/32"),
    ipaddress.ip_network("0.0.0.0/8"),
    ipaddress.ip_network("::/128"),
)
# Python's is_global misses these: shared address space (carrier-grade NAT, also used for
# internal load balancers), IETF protocol assignments (a few anycast services there are
# "global", none is a feed host), multicast, and IPv6 site-local addresses (fec0::/10,
# deprecated by RFC 3879 but still routed inside some networks; ipaddress calls them global).
_NOT_PUBLIC = (
    ipaddress.ip_network("100.64.0.0/10"),
    ipaddress.ip_network("192.0.0.0/24"),
    ipaddress.ip_network("224.0.0.0/4"),
    ipaddress.ip_network("ff00::/8"),
    ipaddress.ip_network("fec0::/10"),
)
# IPv6 prefixes that carry an IPv4 address which the network may route to (NAT64 and its
# local-use prefix): the embedded IPv4 address is judged too.
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


class UnsafeUrl(ValueError):
    """A feed URL (or a redirect target) we refuse to fetch: scheme, host or address."""


class ForbiddenAddress(UnsafeUrl):
    """The host resolves to an address that is not public (private, loopback, metadata…)."""


class HostNotFound(LookupError):
    """The host name does not resolve: the site's problem (or a typo), not a refusal."""


def private_networks_allowed() -> bool:
    """The local stack's and tests' switch; read on each check so a test can flip it."""
    return os.environ.get(ALLOW_PRIVATE_ENV, "").strip().lower() in ("1", "true", "yes")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]  # the client's address
    if any(ip in net for net in _NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def refusal(ip: IPAddress, allow_private: bool = False) -> str | None:
    """Why a connection to `ip` is refused, or None when it is allowed."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return "scoped IPv6 address"
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            # IPv4-mapped, 6to4, Teredo, NAT64: the network may deliver to the IPv4 address
            # inside. A real feed host is reached by its A record; these are refused outright.
            return f"IPv6 transition address carrying {embedded}"
    if any(ip in net for net in _ALWAYS_REFUSED if net.version == ip.version):
        return "link-local, metadata or unspecified address"
    if any(ip in net for net in _NOT_PUBLIC if net.version == ip.version) or \
            ip.is_multicast or ip.is_reserved:
        return "not a public unicast address"
    if not ip.is_global:
        if allow_private and (ip.is_private or ip.is_loopback):
            return None
        return "private or loopback address"
    return None


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
