"""chat.api.clientip: which address is the client's, and whether it may use the API."""

from __future__ import annotations

import pytest

from chat.api.clientip import ClientIPRejected, Trust, parse_ip, resolve, undo_uvicorn, validate

NONE = Trust()
LOCAL = Trust.parse("127.0.0.1,::1")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.2.3.4", "1.2.3.4"),
        ("1.2.3.4:8080", "1.2.3.4"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("::ffff:8.8.8.8", "8.8.8.8"),
        ("fe80::1%eth0", "fe80::1"),
        ("unknown", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_ip(text: str | None, expected: str | None) -> None:
    ip = parse_ip(text)
    assert (str(ip) if ip else None) == expected


def test_trust_parses_ips_and_networks_and_skips_junk() -> None:
    trust = Trust.parse(" 10.0.0.0/8 , 192.0.2.1, nonsense, ::1")
    assert "10.9.8.7" in trust and "192.0.2.1" in trust and "::1" in trust
    assert "192.0.2.2" not in trust and "junk" not in trust


def test_forwarded_for_is_ignored_from_an_untrusted_peer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    assert resolve("198.51.100.7", ["1.1.1.1"], NONE) == "198.51.100.7"
    assert resolve("198.51.100.7", ["1.1.1.1"], LOCAL) == "198.51.100.7"


def test_trusted_hops_are_skipped_right_to_left(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    trust = Trust.parse("10.0.0.0/8")
    assert resolve("10.0.0.2", ["6.6.6.6, 8.8.8.8", "10.0.0.9"], trust) == "8.8.8.8"
    assert resolve("10.0.0.2", ["10.0.0.5, 10.0.0.6"], trust) == "10.0.0.5"  # all trusted: the leftmost
    assert resolve("10.0.0.2", [], trust) == "10.0.0.2"


def test_uvicorn_rewrite_is_undone_so_local_clients_cannot_spoof(monkeypatch: pytest.MonkeyPatch) -> None:
    """Uvicorn (default FORWARDED_ALLOW_IPS) already turned peer 127.0.0.1 + XFF 8.8.8.8 into peer 8.8.8.8."""
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    assert undo_uvicorn("8.8.8.8", ["8.8.8.8"]) == "127.0.0.1"
    assert resolve("8.8.8.8", ["8.8.8.8"], NONE) == "127.0.0.1"
    assert resolve("8.8.8.8", ["1.1.1.1, 8.8.8.8", "127.0.0.1"], NONE) == "127.0.0.1"
    # ...unless the deployer trusts loopback (nginx on the same host): then the header is walked
    assert resolve("8.8.8.8", ["1.1.1.1, 8.8.8.8"], LOCAL) == "8.8.8.8"
    # a peer uvicorn did not touch stays itself
    assert resolve("198.51.100.7", ["8.8.8.8"], NONE) == "198.51.100.7"


def test_explicit_forwarded_allow_ips_is_the_deployers_word(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.2")
    assert resolve("8.8.8.8", ["8.8.8.8"], NONE) == "8.8.8.8"


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "10.0.0.1", "192.168.1.1", "8.8.8.8"])
def test_development_accepts_any_ip(address: str) -> None:
    assert validate(address, production=False) == address


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "api.ip_not_public"),
        ("::1", "api.ip_not_public"),
        ("10.0.0.1", "api.ip_not_public"),
        ("169.254.1.1", "api.ip_not_public"),
        ("192.0.2.5", "api.ip_not_public"),
        ("100.64.0.1", "api.ip_not_public"),
        ("testclient", "api.ip_invalid"),
        (None, "api.ip_missing"),
    ],
)
def test_production_requires_a_public_ip(address: str | None, reason: str) -> None:
    with pytest.raises(ClientIPRejected) as info:
        validate(address, production=True)
    assert info.value.reason_key == reason and info.value.status == 400
    assert info.value.message("es") != info.value.message("en")


def test_production_accepts_public_ips() -> None:
    assert validate("8.8.8.8", production=True) == "8.8.8.8"
    assert validate("::ffff:8.8.4.4", production=True) == "8.8.4.4"
    assert validate("2606:4700:4700::1111", production=True) == "2606:4700:4700::1111"
