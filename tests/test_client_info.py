"""The client address: X-Forwarded-For is read only as far as TWOFACTOR_TRUSTED_PROXIES allows."""

import pytest
from django.core.checks import run_checks
from django.test import RequestFactory

from twofactor.client_info import client_ip


def request_from(remote: str, forwarded: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def test_without_trusted_proxies_a_forged_header_is_ignored(settings):
    settings.TWOFACTOR_TRUSTED_PROXIES = 0
    assert client_ip(request_from("198.51.100.7", "203.0.113.66")) == "198.51.100.7"


def test_one_trusted_hop_takes_the_address_the_proxy_appended(settings):
    settings.TWOFACTOR_TRUSTED_PROXIES = 1  # Heroku, Render: the router appends the client it saw
    assert client_ip(request_from("10.1.2.3", "203.0.113.66, 198.51.100.7")) == "198.51.100.7"
    assert client_ip(request_from("10.1.2.3", "198.51.100.7")) == "198.51.100.7"


def test_two_trusted_hops(settings):
    settings.TWOFACTOR_TRUSTED_PROXIES = "2"
    assert client_ip(request_from("10.0.0.2", "203.0.113.66, 198.51.100.7, 10.0.0.1")) == "198.51.100.7"


def test_too_few_hops_fall_back_to_the_connecting_address(settings):
    settings.TWOFACTOR_TRUSTED_PROXIES = 2
    assert client_ip(request_from("10.0.0.2", "198.51.100.7")) == "10.0.0.2"
    assert client_ip(request_from("10.0.0.2")) == "10.0.0.2"


def test_trusted_proxy_addresses(settings):
    settings.TWOFACTOR_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request_from("10.9.9.9", "203.0.113.66, 198.51.100.7")) == "198.51.100.7"
    # Not sent by the trusted proxy: the header is the sender's own word.
    assert client_ip(request_from("192.0.2.50", "203.0.113.66, 198.51.100.7")) == "192.0.2.50"


def test_garbage_in_the_header_never_moves_the_trusted_position(settings):
    settings.TWOFACTOR_TRUSTED_PROXIES = 1
    assert client_ip(request_from("10.1.2.3", "not-an-ip, , 198.51.100.7")) == "198.51.100.7"
    assert client_ip(request_from("not-an-ip")) is None


@pytest.mark.parametrize("value", [-1, "many", ["10.0.0.1", "proxy.example.com"]])
def test_nonsense_trusted_proxies_is_a_system_check_error(settings, value):
    settings.TWOFACTOR_TRUSTED_PROXIES = value
    assert "twofactor.E009" in {message.id for message in run_checks()}


def test_no_proxy_is_trusted_unless_configured(settings):
    del settings.TWOFACTOR_TRUSTED_PROXIES
    assert client_ip(request_from("198.51.100.7", "203.0.113.66")) == "198.51.100.7"


def test_rate_limits_count_an_ipv6_client_by_its_network_and_ipv4_by_its_address(settings):
    from twofactor.client_info import budget_address

    assert budget_address(request_from("198.51.100.7")) == "198.51.100.7"
    assert budget_address(request_from("2001:db8:1:2:aaaa::1")) == "2001:db8:1:2::/64"
    assert budget_address(request_from("2001:db8:1:2:ffff::9")) == "2001:db8:1:2::/64"
    assert budget_address(request_from("::ffff:198.51.100.7")) == "198.51.100.7"
    assert budget_address(request_from("not-an-address")) == "unknown"
    settings.TWOFACTOR_IPV6_PREFIX = 48
    assert budget_address(request_from("2001:db8:1:2::1")) == "2001:db8:1::/48"


def test_an_ipv6_prefix_out_of_range_is_a_system_check_error(settings):
    settings.TWOFACTOR_IPV6_PREFIX = 129
    assert "twofactor.E032" in {message.id for message in run_checks()}
