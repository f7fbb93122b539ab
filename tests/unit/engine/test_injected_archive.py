"""The archive that writes secrets and configs into a created container."""

from __future__ import annotations

import io
import tarfile

from core_monitor.domain.compose import InjectedFile
from core_monitor.engine.docker.mutations import files_archive


def test_each_file_at_its_path_with_its_owner_and_mode() -> None:
    files = [
        InjectedFile(target="/run/secrets/token", content="pässword", secret=True),
        InjectedFile(target="/etc/app/site.conf", content="x", uid=1000, gid=1001, mode=0o400),
    ]
    with tarfile.open(fileobj=io.BytesIO(files_archive(files))) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert sorted(members) == ["etc/app/site.conf", "run/secrets/token"]
        token, site = members["run/secrets/token"], members["etc/app/site.conf"]
        assert (token.mode, token.uid, token.gid) == (0o444, 0, 0)
        assert (site.mode, site.uid, site.gid) == (0o400, 1000, 1001)
        assert site.isfile()
        extracted = tar.extractfile(token)
        assert extracted is not None
        assert extracted.read() == "pässword".encode()
