"""Where Korpo may connect, and where it may send the public: one rule for both.

- A fetch (poll_feeds) connects only to public unicast addresses, checked on the address the
  socket connects to, after DNS (korpo.feeds.guard, `refusal` below).
- A destination (a post's or a challenge's web address, where share links send the public)
  is never fetched, so no DNS: it is parsed as browsers parse it (the WHATWG URL Standard,
  through pywhatwgurl), and refused when its host is an IP address that is not public, in any
  spelling a browser accepts (`127.1`, `0x7f.1`, `0177.0.0.1`, `2130706433`, `169.254.43518`,
  fullwidth digits, percent-encoding, `[::ffff:127.0.0.1]`…), or a local name (`localhost`,
  `*.local`, `*.internal`, `*.lan`, `*.home.arpa`, a name without a dot). A brand's redirect
  must not lead readers into their own network (a router's page, a metadata service).

The local stack and the tests serve their feeds and pages from 127.0.0.1; they, and only
they, set KORPO_FEEDS_ALLOW_PRIVATE_NETWORKS=1 (never template.yaml), which lets both checks
reach loopback and private networks and local names. Link-local addresses, where cloud
metadata services live, stay refused even then.
"""
from __future__ import annotations

import ipaddress
import os
from functools import lru_cache

ALLOW_PRIVATE_ENV = "KORPO_FEEDS_ALLOW_PRIVATE_NETWORKS"
WEB_SCHEMES = ("http:", "https:")
MAX_DESTINATION_CHARS = 8192  # hostile input is bounded before any parsing

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
# Names that only mean something inside a network (RFC 6761, 6762, 8375, and common use).
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa")

INVALID, PRIVATE = "invalid", "private"


class RefusedDestination(ValueError):
    """A web address the public may not be sent to; `reason` is INVALID (not an absolute
    http(s) URL as browsers parse it, or one with credentials) or PRIVATE (a host inside a
    network)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


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
    """Why a connection to `ip` (or the public's visit) is refused, or None when allowed."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return "scoped IPv6 address"
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            # IPv4-mapped, 6to4, Teredo, NAT64: the network may deliver to the IPv4 address
            # inside. A real host is reached by its A record; these are refused outright.
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


def web_destination(url: object, allow_private: bool | None = None) -> str:
    """`url` as browsers read it (its WHATWG serialization: `https://127.1/` is
    `https://127.0.0.1/`, `http://ÉXAMPLE.fr` is `http://xn--xample-9ua.fr/`) when the public
    may be sent there; else RefusedDestination. No DNS."""
    if allow_private is None:
        allow_private = private_networks_allowed()
    if not isinstance(url, str):
        raise RefusedDestination(INVALID, "a web address is text")
    href, reason, message = _checked(url, allow_private)
    if reason:
        raise RefusedDestination(reason, message)
    return href


def destination_refusal(url: object, allow_private: bool | None = None) -> str | None:
    """INVALID, PRIVATE, or None when the public may be sent to `url`."""
    try:
        web_destination(url, allow_private)
    except RefusedDestination as refused:
        return refused.reason
    return None


@lru_cache(maxsize=4096)  # pages test every post's address, the click path every new code
def _checked(url: str, allow_private: bool) -> tuple[str, str | None, str]:
    """(the serialization, None, "") or ("", the reason, why)."""
    # Browsers drop tabs and new lines anywhere and spaces and controls at the ends; such a
    # character could hide another scheme or host from a reader, so it is refused instead.
    if not url or len(url) > MAX_DESTINATION_CHARS or any(
            ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url):
        return "", INVALID, "not a web address"
    from pywhatwgurl import URL  # ~6 ms, at the first check of a container

    try:
        parsed = URL(url)
    except Exception:  # noqa: BLE001 - whatever the parser refuses (hostile input) is refused
        return "", INVALID, "not a URL as browsers read it"
    if parsed.protocol not in WEB_SCHEMES or not parsed.hostname:
        return "", INVALID, "only http and https addresses with a host"
    if parsed.username or parsed.password:
        return "", INVALID, "an address with credentials"
    host = parsed.hostname
    ip: IPAddress | None = None
    if host.startswith("["):
        ip = ipaddress.IPv6Address(host[1:-1])
    else:
        try:  # a browser serializes an IPv4 host dotted-decimal, and never a domain so
            ip = ipaddress.IPv4Address(host)
        except ValueError:
            ip = None
    if ip is not None:
        reason = refusal(ip, allow_private)
        if reason:
            return "", PRIVATE, f"{host} is refused: {reason}"
    elif "" in host.removesuffix(".").split("."):  # "a..b": no resolver's name
        return "", INVALID, f"{host} has an empty label"
    elif not allow_private and _is_local_name(host):
        return "", PRIVATE, f"{host} is a local name"
    return parsed.href, None, ""


def _is_local_name(host: str) -> bool:
    name = host.rstrip(".")
    return name == "localhost" or name.endswith(_LOCAL_SUFFIXES) or "." not in name
