"""Where web hooks may send requests: the SSRF guard.

A hook URL is operator-supplied, but the server makes the request from inside the network, so
an unchecked URL could reach the cloud metadata service (169.254.169.254), the database, or an
admin port on localhost. The rule: every address a host name resolves to must be *public*
(Python's ``ipaddress`` ``is_global``, not multicast; IPv4-mapped IPv6 is judged by its IPv4
address), unless it lies in a network the operator allowed explicitly
(``ConvergenceApp.webhook_allowed_networks``, e.g. ``["10.1.2.0/24"]``).

The check runs when a hook is configured (so a bad URL is refused with a clear message) and
again inside the HTTP client's resolver at every delivery: the client connects only to the
addresses that were just checked, so a DNS answer that changes between configuration and
delivery (DNS rebinding) cannot bypass it. Redirects are never followed (see delivery.py).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tornado.netutil import DefaultLoopResolver, Resolver

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class TargetRefused(Exception):
    """A hook URL is malformed or points somewhere the allow-list forbids. The message is
    meant for the operator who configured the hook."""


@dataclass(frozen=True, slots=True)
class Target:
    """A syntactically valid hook URL, split into what the resolver needs."""

    url: str
    scheme: str
    host: str
    port: int


def _effective(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@dataclass(frozen=True)
class TargetPolicy:
    """The allow-list. ``allowed_networks`` may contain private ranges (also loopback, for
    tests and single-host setups); ``require_https`` refuses plain ``http`` URLs."""

    allowed_networks: tuple[IPNetwork, ...] = ()
    require_https: bool = False

    @classmethod
    def from_strings(cls, networks: Iterable[str], *, require_https: bool = False) -> TargetPolicy:
        """Parse CIDR strings (``"127.0.0.1/32"``, ``"fd00::/8"``); raises ``ValueError``."""
        return cls(
            tuple(ipaddress.ip_network(n.strip(), strict=False) for n in networks),
            require_https=require_https,
        )

    def address_allowed(self, address: IPAddress) -> bool:
        address = _effective(address)
        for network in self.allowed_networks:
            if network.version == address.version and address in network:
                return True
        return address.is_global and not address.is_multicast

    def parse(self, url: str) -> Target:
        """Check a URL's syntax (scheme, host, no credentials); no network access."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise TargetRefused(f"not a valid URL: {exc}") from None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise TargetRefused("a web hook URL must start with http:// or https://")
        if scheme == "http" and self.require_https:
            raise TargetRefused("this server only sends web hooks over https")
        if parts.username is not None or parts.password is not None:
            raise TargetRefused("a web hook URL must not carry credentials; use the hook secret")
        if parts.fragment:
            raise TargetRefused("a web hook URL must not have a #fragment")
        host = parts.hostname
        if not host:
            raise TargetRefused("a web hook URL needs a host")
        return Target(url, scheme, host, port or (443 if scheme == "https" else 80))

    def check_addresses(self, host: str, addresses: Iterable[IPAddress]) -> None:
        """Refuse unless every address is allowed (one bad address refuses the host)."""
        found = list(addresses)
        if not found:
            raise TargetRefused(f"'{host}' does not resolve to any address")
        for address in found:
            if not self.address_allowed(address):
                raise TargetRefused(
                    f"'{host}' resolves to {address}, which is not a public address; an "
                    "operator can allow it with ConvergenceApp.webhook_allowed_networks"
                )

    async def check(self, url: str, resolver: Resolver | None = None) -> Target:
        """Parse ``url`` and resolve its host now; refuse it unless every address is allowed.
        Used at configuration time; deliveries check again in :class:`AllowListResolver`."""
        target = self.parse(url)
        await AllowListResolver(self, resolver).resolve(target.host, target.port)
        return target


class AllowListResolver(Resolver):
    """A tornado resolver that resolves with ``inner`` (default: the event loop's
    ``getaddrinfo``, which does not block) and refuses hosts with any forbidden address.

    Given to the HTTP client, it is where every connection's addresses come from, so what
    is checked is exactly what is connected to.
    """

    def initialize(self, policy: TargetPolicy, inner: Resolver | None = None) -> None:
        self.policy = policy
        self.inner = inner if inner is not None else DefaultLoopResolver()

    async def resolve(
        self, host: str, port: int, family: socket.AddressFamily = socket.AF_UNSPEC
    ) -> list[tuple[int, Any]]:
        try:
            found = await self.inner.resolve(host, port, family)
        except OSError as exc:
            raise TargetRefused(f"'{host}' does not resolve: {exc}") from None
        addresses: list[IPAddress] = []
        for _family, sockaddr in found:
            # IPv6 sockaddrs may carry a zone ("fe80::1%eth0"): drop it before parsing.
            addresses.append(ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0]))
        self.policy.check_addresses(host, addresses)
        return list(found)

    def close(self) -> None:
        self.inner.close()
