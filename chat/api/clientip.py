"""The client IP of an API request, and whether it may use the API (seed 004: "IP Validation").

Rules:

- `CHARLA_ENV=development` (default): any valid IP address is accepted, loopback included.
- `CHARLA_ENV=production`: the address must be a public one (`ipaddress.ip_address(x).is_global`); loopback,
  private, link-local, reserved and missing addresses are refused with 400 (`ClientIPError`).

Which address is the client's: the TCP peer, unless the peer is a proxy the deployer trusts. Name those proxies
in `CHARLA_TRUSTED_PROXIES` (comma-separated IPs or CIDRs, e.g. `127.0.0.1` for nginx on the same host, or
`10.0.0.0/8` for a load balancer's subnet; default: none). `X-Forwarded-For` is then walked right to left,
skipping trusted hops; the first untrusted address is the client. With no trusted proxies the header is ignored.

Uvicorn (which `streamlit run` starts with its default `proxy_headers=True`) rewrites the peer from
`X-Forwarded-For` before Charla sees it whenever the peer is one of `FORWARDED_ALLOW_IPS` (default
`127.0.0.1,::1`). Left alone, that would let any process on the machine claim any IP, and dodge the per-IP rate
limit, by sending the header. Charla undoes it: when `FORWARDED_ALLOW_IPS` is at its default and the peer it was
given is exactly the address uvicorn would have picked from the header, the real peer was loopback, and the
header counts only if loopback is in `CHARLA_TRUSTED_PROXIES`. (A remote client that puts its own address in
the header is therefore treated as loopback: refused in production, harmless in development.) A deployer who
sets `FORWARDED_ALLOW_IPS` explicitly has named uvicorn's trusted proxies, and uvicorn's answer is used as the
peer. Never set `FORWARDED_ALLOW_IPS=*` on a server clients can reach directly.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from chat import config
from chat.errors import ClientIPError
from chat.text import Lang, t

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
UVICORN_DEFAULT_TRUST = ("127.0.0.1", "::1")


class ClientIPRejected(ClientIPError):
    """ClientIPError whose reason is rendered in the reader's language."""

    def __init__(self, reason_key: str, address: str | None = None) -> None:
        self.reason_key = reason_key
        self.address = address
        super().__init__(reason=t(reason_key, "en"))

    def message(self, lang: Lang = "en") -> str:
        return t(self.key, lang, reason=t(self.reason_key, lang))


@dataclass(frozen=True)
class Trust:
    """A set of trusted proxy addresses and networks."""

    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Trust:
        """`10.0.0.1, 192.168.0.0/16, ::1` -> Trust; unreadable entries are skipped (and trust nothing)."""
        networks: list[Network] = []
        for item in text.split(","):
            try:
                networks.append(ipaddress.ip_network(item.strip(), strict=False))
            except ValueError:
                continue
        return cls(tuple(networks))

    def __contains__(self, address: object) -> bool:
        ip = parse_ip(address) if isinstance(address, str) else None
        return ip is not None and any(ip in net for net in self.networks if net.version == ip.version)


def trusted_proxies() -> Trust:
    """CHARLA_TRUSTED_PROXIES (read on each request, so a test's monkeypatch holds)."""
    return Trust.parse(os.environ.get("CHARLA_TRUSTED_PROXIES", ""))


def parse_ip(text: str | None) -> IPAddress | None:
    """An IP address from a peer or header value (`1.2.3.4:80`, `[::1]:80`, `::ffff:1.2.3.4` -> IPv4)."""
    host = (text or "").strip()
    if host.startswith("[") and "]" in host:
        host = host[1 : host.index("]")]
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    try:
        ip = ipaddress.ip_address(host.partition("%")[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def forwarded_hops(values: Iterable[str]) -> list[str]:
    """Every address named by the X-Forwarded-For header lines, leftmost (the claimed client) first."""
    return [hop.strip() for value in values for hop in value.split(",") if hop.strip()]


def walk(hops: Sequence[str], trust: Trust) -> str | None:
    """Right to left, the first hop not in `trust` (the leftmost when all are trusted)."""
    for hop in reversed(hops):
        if hop not in trust:
            return hop
    return hops[0] if hops else None


def undo_uvicorn(peer: str | None, hops: Sequence[str]) -> str | None:
    """The real TCP peer, when uvicorn's proxy-headers middleware replaced it from X-Forwarded-For."""
    if not hops or peer is None or os.environ.get("FORWARDED_ALLOW_IPS") is not None:
        return peer
    picked = walk(hops, Trust.parse(",".join(UVICORN_DEFAULT_TRUST)))
    if parse_ip(peer) is not None and parse_ip(peer) == parse_ip(picked):
        return UVICORN_DEFAULT_TRUST[0]
    return peer


def resolve(peer: str | None, forwarded: Iterable[str], trust: Trust | None = None) -> str | None:
    """The client's address: the peer, or the first untrusted X-Forwarded-For hop behind trusted proxies."""
    trust = trusted_proxies() if trust is None else trust
    hops = forwarded_hops(forwarded)
    peer = undo_uvicorn(peer, hops)
    if peer is None or peer not in trust or not hops:
        return peer
    return walk(hops, trust)


LOOPBACK = "127.0.0.1"


def client_address(peer: object, forwarded: Iterable[str] = ()) -> str:
    """The client's address for the rate limits (UI and API alike): the peer, loopback when it is unknown (Streamlit
    gives None on loopback), or the first untrusted X-Forwarded-For hop behind trusted proxies."""
    base = peer.strip() if isinstance(peer, str) and peer.strip() else LOOPBACK
    return resolve(base, forwarded) or base


def validate(address: str | None, *, production: bool | None = None) -> str:
    """The normalised address if it may use the API; ClientIPRejected otherwise."""
    production = config.is_production() if production is None else production
    if not address:
        raise ClientIPRejected("api.ip_missing")
    ip = parse_ip(address)
    if ip is None:
        raise ClientIPRejected("api.ip_invalid", address)
    if production and not ip.is_global:
        raise ClientIPRejected("api.ip_not_public", address)
    return str(ip)
