"""The SSRF guard: which addresses a web hook may reach, checked by resolving the host (only
local resolution happens here: no packet is ever sent to a refused address)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tornado.netutil import DefaultLoopResolver, OverrideResolver, Resolver

from convergence_jupyter.webhooks.allow_list import AllowListResolver, TargetPolicy, TargetRefused

DEFAULT = TargetPolicy()

# Literal forms of private, loopback, link-local, metadata and otherwise special targets.
REFUSED_BY_DEFAULT = [
    "http://10.0.0.1/hook",
    "http://172.16.5.4/hook",
    "http://192.168.1.10:8080/hook",
    "http://127.0.0.1/hook",
    "http://127.1.2.3/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://0.0.0.0/hook",
    "http://100.64.0.1/hook",
    "http://[::1]/hook",
    "http://[fe80::1]/hook",
    "http://[fd00::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::ffff:169.254.169.254]/hook",
    "http://2130706433/hook",  # 127.0.0.1 as one decimal number
    "http://0x7f000001/hook",  # ... and in hex
    "http://localhost/hook",
    "http://localhost:8888/hook",
    "http://224.0.0.1/hook",
]


def check(url: str, policy: TargetPolicy = DEFAULT) -> None:
    asyncio.run(policy.check(url))


@pytest.mark.parametrize("url", REFUSED_BY_DEFAULT)
def test_non_public_targets_are_refused_by_default(url: str) -> None:
    with pytest.raises(TargetRefused, match="not a public address"):
        check(url)


def test_a_public_address_is_allowed() -> None:
    check("https://93.184.216.34/hook")  # resolving a literal sends nothing


def test_operator_allowed_networks_let_private_targets_through() -> None:
    policy = TargetPolicy.from_strings(["127.0.0.1/32", "10.1.2.0/24"])
    check("http://127.0.0.1:9999/hook", policy)
    check("http://10.1.2.3/hook", policy)
    for url in ("http://10.1.3.1/hook", "http://127.0.0.2/hook", "http://169.254.169.254/"):
        with pytest.raises(TargetRefused):
            check(url, policy)


def test_a_host_with_one_bad_address_is_refused() -> None:
    """localhost resolves to 127.0.0.1 and usually ::1: allowing only one of them is not
    enough when the other is among the answers."""
    resolver = OverrideResolver(DefaultLoopResolver(), {"two.test": "127.0.0.1"})
    policy = TargetPolicy.from_strings(["127.0.0.1/32"])
    asyncio.run(policy.check("http://two.test/hook", resolver))

    async def both() -> None:
        inner = _FixedResolver([("127.0.0.1", 80), ("10.9.9.9", 80)])
        await AllowListResolver(policy, inner).resolve("two.test", 80)

    with pytest.raises(TargetRefused, match=r"10\.9\.9\.9"):
        asyncio.run(both())


class _FixedResolver(Resolver):
    """A DNS answer with several addresses (what a real resolver returns for such a name)."""

    def initialize(self, answers: list[tuple[str, int]]) -> None:
        self.answers = answers

    async def resolve(
        self, host: str, port: int, family: socket.AddressFamily = socket.AF_UNSPEC
    ) -> list[tuple[int, Any]]:
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, (a, p)) for a, p in self.answers]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/x", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("gopher://example.com/", "http:// or https://"),
        ("http://user:pw@example.com/", "credentials"),
        ("http://example.com/#frag", "fragment"),
        ("http:///nohost", "needs a host"),
        ("http://example.com:99999/", "not a valid URL"),
    ],
)
def test_malformed_urls_are_refused_without_resolving(url: str, message: str) -> None:
    with pytest.raises(TargetRefused, match=message):
        DEFAULT.parse(url)


def test_https_can_be_required() -> None:
    with pytest.raises(TargetRefused, match="https"):
        TargetPolicy(require_https=True).parse("http://93.184.216.34/")
    TargetPolicy(require_https=True).parse("https://93.184.216.34/")


PRIVATE_V4 = [
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16")
]


@given(st.sampled_from(PRIVATE_V4), st.integers(min_value=0, max_value=2**24 - 1))
def test_every_private_v4_address_and_its_v6_mapping_is_refused(
    network: ipaddress.IPv4Network, offset: int
) -> None:
    address = network[offset % network.num_addresses]
    assert not DEFAULT.address_allowed(address)
    assert not DEFAULT.address_allowed(ipaddress.IPv6Address(f"::ffff:{address}"))


@given(st.integers(min_value=0, max_value=255))
def test_an_allowed_network_admits_exactly_its_addresses(last: int) -> None:
    policy = TargetPolicy.from_strings(["192.168.7.0/25"])
    address = ipaddress.IPv4Address(f"192.168.7.{last}")
    assert policy.address_allowed(address) is (last < 128)


def test_bad_allowed_networks_are_a_configuration_error() -> None:
    with pytest.raises(ValueError):
        TargetPolicy.from_strings(["not-a-network"])
