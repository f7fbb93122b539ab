"""COREMON_TRUSTED_PROXIES: addresses and networks, a bad entry named at start."""

from __future__ import annotations

import pytest

from core_monitor.errors import ConfigurationError
from core_monitor.settings import load_settings


def test_trusted_proxies_are_addresses_and_networks() -> None:
    settings = load_settings(trusted_proxies=" 10.0.0.0/8, 127.0.0.1 ,::1,")
    assert settings.trusted_proxy_list == ["10.0.0.0/8", "127.0.0.1", "::1"]
    assert load_settings().trusted_proxy_list == []


@pytest.mark.parametrize("value", ["*", "proxy.example.com", "10.0.0.0/33", "127.0.0.1;x"])
def test_anything_else_stops_the_start_naming_the_variable(value: str) -> None:
    with pytest.raises(ConfigurationError, match="COREMON_TRUSTED_PROXIES"):
        load_settings(trusted_proxies=value)
