"""An SSH host's input: the address, the private key and the host key, checked before
anything is stored; the key sealed, its fingerprint as ssh-keygen prints it."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa

from core_monitor.domain.hosts import HostState, address_problems, judge, key_fingerprint
from core_monitor.engine.ssh_keys import KeyProblem, host_key_line, private_key_public_line
from core_monitor.errors import ValidationFailed
from core_monitor.hosts.clients import SshKey
from core_monitor.hosts.ssh_login import SshLogin, seal, unseal
from core_monitor.vault import SecretBox

# ssh-keygen -t ed25519 made it; `ssh-keygen -lf` printed the fingerprint
PUBLIC = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN9eJhA+ZNBpQdfabj6MEvRwvVZh5pl084ZXdgrQNYIj"
PRINTED = "SHA256:azBNnzyjEXVszHy3/5gOK/f3Vn4aQp4ik9oknBuxF38"


def _openssh(key: ed25519.Ed25519PrivateKey, password: bytes | None = None) -> str:
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, encryption
    ).decode()


def _pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | dsa.DSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


def _paths(address: str, *, tls: bool = False, ssh: bool = True) -> set[str]:
    return {p.path for p in address_problems(address, tls=tls, ssh=ssh)}


@pytest.mark.parametrize(
    "address",
    ["ssh://root@10.0.0.5", "ssh://deploy@build-01.example:2222", "ssh://ops@[::1]:22"],
)
def test_an_ssh_address_with_a_user_a_host_and_a_key_is_accepted(address: str) -> None:
    assert _paths(address) == set()


@pytest.mark.parametrize(
    "address",
    [
        "ssh://10.0.0.5",  # no user
        "ssh://root@",  # no host
        "ssh://root:secret@10.0.0.5",  # a password in the address
        "ssh://root@10.0.0.5:port",
        "ssh://root@10.0.0.5/var/run/docker.sock",
        "ssh://ro ot@10.0.0.5",
        "ssh://-oProxyCommand=x@10.0.0.5",  # not a login name
    ],
)
def test_an_ssh_address_needs_a_user_and_a_host(address: str) -> None:
    assert _paths(address) == {"address"}


def test_an_ssh_host_needs_its_key_and_no_tls_and_a_key_needs_ssh() -> None:
    assert _paths("ssh://root@10.0.0.5", ssh=False) == {"ssh"}
    assert _paths("ssh://root@10.0.0.5", tls=True) == {"tls"}
    assert _paths("tcp://10.0.0.5:2376", tls=True) == {"ssh"}
    assert _paths("unix:///var/run/docker.sock") == {"ssh"}
    assert _paths("ftp://10.0.0.5", ssh=False) == {"address"}


def test_a_changed_host_key_is_its_own_state() -> None:
    assert judge("E1", None, host_key_changed=True) == HostState.HOST_KEY_CHANGED
    assert judge("E1", None) == HostState.UNREACHABLE


def test_fingerprints_are_those_ssh_keygen_prints() -> None:
    assert key_fingerprint(PUBLIC) == PRINTED
    assert key_fingerprint(f"{PUBLIC} a comment") == PRINTED


def test_a_private_key_is_known_by_its_public_half() -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    line = private_key_public_line(_openssh(key))
    assert line.startswith("ssh-ed25519 ")
    assert private_key_public_line(_pem(rsa.generate_private_key(65537, 2048))).startswith(
        "ssh-rsa "
    )
    assert private_key_public_line(_pem(ec.generate_private_key(ec.SECP256R1()))).startswith(
        "ecdsa-sha2-nistp256 "
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("not a key", "not an OpenSSH or PEM private key"),
        (PUBLIC, "not an OpenSSH or PEM private key"),
        (_openssh(ed25519.Ed25519PrivateKey.generate(), b"pass"), "passphrase"),
        (_pem(dsa.generate_private_key(1024)), "only Ed25519, ECDSA and RSA"),
    ],
)
def test_an_unusable_private_key_is_refused_with_why(text: str, says: str) -> None:
    with pytest.raises(KeyProblem, match=says):
        private_key_public_line(text)


@pytest.mark.parametrize(
    "text",
    [
        PUBLIC,
        f"{PUBLIC} root@server",  # a .pub file
        f"[10.0.0.5]:2222 {PUBLIC}",  # ssh-keyscan / known_hosts
        f"10.0.0.5,server {PUBLIC}\n",
    ],
)
def test_a_host_key_is_kept_as_type_and_base64(text: str) -> None:
    assert host_key_line(text) == PUBLIC


@pytest.mark.parametrize(
    "text", ["", "ssh-ed25519", "ssh-ed25519 !!!", "ssh-dss AAAAB3NzaC1kc3MAAACBAP", "x y z"]
)
def test_a_host_key_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(KeyProblem, match="not an SSH public host key"):
        host_key_line(text)


def test_a_login_is_sealed_and_unsealed() -> None:
    box = SecretBox("a-test-key")
    private = _openssh(ed25519.Ed25519PrivateKey.generate())
    sealed = seal(box, SshLogin(private, f"[h]:22 {PUBLIC}"), pinned=None)
    assert private not in sealed.key and "PRIVATE" not in sealed.key
    assert sealed.host_key == PUBLIC
    assert sealed.fingerprint == key_fingerprint(private_key_public_line(private))
    again = unseal(box, sealed, first_use=True)
    assert again == SshKey(private, PUBLIC, first_use=False)  # pinned: that key only
    # a confirmation accepts the key now shown
    assert unseal(box, sealed, first_use=False, trust_new=True) == SshKey(private, None, True)
    kept = seal(box, SshLogin(private), pinned=PUBLIC)
    assert kept.host_key == PUBLIC
    unpinned = seal(box, SshLogin(private), pinned=None)
    # nothing pinned: a probe pins the first key seen; a long-lived client accepts none
    assert unseal(box, unpinned, first_use=True) == SshKey(private, None, first_use=True)
    assert unseal(box, unpinned, first_use=False) == SshKey(private, None, first_use=False)
    assert unseal(box, None, first_use=True) is None


def test_a_bad_login_names_each_field_and_no_key_means_no_storage() -> None:
    box = SecretBox("a-test-key")
    with pytest.raises(ValidationFailed) as refused:
        seal(box, SshLogin("x", "y"), pinned=None)
    assert {e.path for e in refused.value.errors} == {"ssh.private_key", "ssh.known_host_key"}
    private = _openssh(ed25519.Ed25519PrivateKey.generate())
    with pytest.raises(ValidationFailed) as no_key:
        seal(SecretBox(None), SshLogin(private), pinned=None)
    assert [e.path for e in no_key.value.errors] == ["ssh"]
