"""feeds.guard: which addresses a feed fetch may connect to. Properties over all addresses."""
from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from korpo.feeds.guard import (
    ForbiddenAddress, HostNotFound, UnsafeUrl, check_address, check_url, refusal, resolve,
)

NOT_PUBLIC_V4 = ["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
                 "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16",
                 "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4",
                 "240.0.0.0/4"]
METADATA = ["169.254.169.254", "169.254.170.2", "169.254.100.1", "fd00:ec2::254", "fe80::1"]


def _in(network: str) -> st.SearchStrategy[ipaddress.IPv4Address]:
    net = ipaddress.ip_network(network)
    return st.integers(int(net.network_address), int(net.broadcast_address)).map(
        ipaddress.IPv4Address)


_not_public_v4 = st.one_of([_in(n) for n in NOT_PUBLIC_V4])


@settings(max_examples=300)
@given(_not_public_v4)
def test_every_non_public_ipv4_address_is_refused(ip):
    assert refusal(ip) is not None
    with pytest.raises(ForbiddenAddress):
        check_address(str(ip), allow_private=False)


@settings(max_examples=300)
@given(_not_public_v4)
def test_ipv4_in_ipv6_clothing_is_refused_too(ip):
    for wrapped in (f"::ffff:{ip}", f"64:ff9b::{ip}",
                    str(ipaddress.IPv6Address((0x2002 << 112) | (int(ip) << 80)))):
        assert refusal(ipaddress.ip_address(wrapped)) is not None, wrapped


@settings(max_examples=500)
@given(st.ip_addresses())
def test_allowed_addresses_are_global_unicast(ip):
    if refusal(ip) is None:
        assert ip.is_global and not ip.is_multicast and not ip.is_reserved
        assert not ip.is_loopback and not ip.is_link_local and not ip.is_private


@settings(max_examples=300)
@given(st.ip_addresses())
def test_the_local_switch_never_opens_link_local_or_metadata(ip):
    if refusal(ip, allow_private=True) is None and ip.version == 4:
        assert not ip.is_link_local and ip not in ipaddress.ip_network("0.0.0.0/8")


@pytest.mark.parametrize("address", METADATA)
def test_metadata_addresses_are_refused_even_with_the_switch(address):
    with pytest.raises(ForbiddenAddress):
        check_address(address, allow_private=True)


def test_the_switch_opens_loopback_and_private_networks_only():
    assert check_address("127.0.0.1", allow_private=True)
    assert check_address("10.1.2.3", allow_private=True)
    with pytest.raises(ForbiddenAddress):
        check_address("127.0.0.1", allow_private=False)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946",
                                     "1.1.1.1"])
def test_public_addresses_pass(address):
    assert str(check_address(address, allow_private=False)) == address


def test_scoped_ipv6_is_refused():
    with pytest.raises(ForbiddenAddress):
        check_address("fe80::1%eth0", allow_private=True)


def test_names_are_judged_by_every_address_they_resolve_to(monkeypatch):
    import socket

    answers = {"mixed.example": ["93.184.216.34", "10.0.0.1"], "public.example": ["1.1.1.1"]}

    def fake_getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    assert resolve("public.example", 443, allow_private=False) == ["1.1.1.1"]
    with pytest.raises(ForbiddenAddress):  # one private answer is enough to refuse
        resolve("mixed.example", 443, allow_private=False)
    with pytest.raises(HostNotFound):
        resolve("nowhere.example", 443, allow_private=False)


def test_localhost_by_name_is_refused(monkeypatch):
    monkeypatch.delenv("KORPO_FEEDS_ALLOW_PRIVATE_NETWORKS", raising=False)
    with pytest.raises(ForbiddenAddress):
        resolve("localhost", 80)


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "ftp://e.example.com/feed", "gopher://e.example.com/", "feed.xml",
    "http://", "http://user:pw@e.example.com/feed", "http://e.example.com:0/",
    "http://169.254.169.254/latest/meta-data/", "http://[::1]/feed", "http://127.0.0.1/feed",
    "http://e.example.com:99999/",
])
def test_urls_refused_before_any_connection(url, monkeypatch):
    monkeypatch.delenv("KORPO_FEEDS_ALLOW_PRIVATE_NETWORKS", raising=False)
    with pytest.raises(UnsafeUrl):
        check_url(url)


def test_ordinary_urls_pass_the_cheap_check():
    assert check_url("https://blog.example.com/feed/") == "https://blog.example.com/feed/"


def _in6(network: str) -> st.SearchStrategy[ipaddress.IPv6Address]:
    net = ipaddress.ip_network(network)
    return st.integers(int(net.network_address), int(net.broadcast_address)).map(
        ipaddress.IPv6Address)


@settings(max_examples=200)
@given(_in6("fec0::/10"))
def test_ipv6_site_local_is_refused_even_with_the_switch(ip):
    # ipaddress calls fec0::/10 global; it is a private range of some networks still.
    assert refusal(ip) is not None and refusal(ip, allow_private=True) is not None
    with pytest.raises(ForbiddenAddress):
        check_address(str(ip), allow_private=True)
