"""The corpus harness's own pure parts: how it reads a .env and projects Compose's paths."""

from __future__ import annotations

from pathlib import Path

from core_monitor.errors import FieldError
from tests.support import corpus


def test_dotenv_is_read_like_compose_reads_it() -> None:
    text = (
        "# comment\n\nexport A=1\nB='two words'\nC=\"quoted # not a comment\"\n"
        "D=plain # trailing comment\nE=\nF=a=b\n"
    )
    assert corpus.read_dotenv(text) == {
        "A": "1",
        "B": "two words",
        "C": "quoted # not a comment",
        "D": "plain",
        "E": "",
        "F": "a=b",
    }


def test_compose_absolute_paths_go_back_to_project_relative_ones() -> None:
    project = corpus.CorpusProject(Path("/p/app"), "app", ("compose.yaml",))
    data = {
        "services": {
            "web": {
                "build": {"context": "/p/app"},
                "volumes": [
                    {"type": "bind", "source": "/p/app/conf/nginx.conf", "target": "/a"},
                    {"type": "bind", "source": "/p/app", "target": "/b"},
                    {"type": "bind", "source": f"{corpus.FAKE_HOME}/x", "target": "/c"},
                    {"type": "bind", "source": "/p/application", "target": "/d"},
                    {"type": "volume", "source": "data", "target": "/e"},
                ],
            }
        }
    }
    web = corpus.localize(data, project)["services"]["web"]
    assert web["image"] == "app-web"
    assert [v["source"] for v in web["volumes"]] == [
        "./conf/nginx.conf",
        ".",
        "~/x",
        "/p/application",
        "data",
    ]


def test_refusals_group_without_names_and_indices() -> None:
    error = FieldError("services.laravel.test.volumes[3]", "bind source './x' must be absolute")
    assert corpus.reason(error, ["laravel.test"]) == "volumes: bind source … must be absolute"
    assert corpus.reason(FieldError("secrets", "unsupported key")) == "secrets: unsupported key"


def test_differences_name_the_field() -> None:
    ours = {"services": {"a": {"volumes": [{"target": "/m/"}], "env": {"X": None}}}}
    theirs = {"services": {"a": {"volumes": [{"target": "/m"}], "env": {"X": "1", "Y": "2"}}}}
    assert corpus.differences(ours, theirs) == [
        "services.a.env.X: ours None != Compose '1'",
        "services.a.env.Y: only in Compose",
        "services.a.volumes[0].target: ours '/m/' != Compose '/m'",
    ]


def test_the_corpus_projects_are_found() -> None:
    keys = [p.key for p in corpus.projects()]
    assert len(keys) >= 60
    override = corpus.load_project(corpus.CORPUS / "override-files")
    assert override.compose_files == ("compose.yaml", "compose.prod.yaml")
    assert "compose.prod.yaml" in corpus.bundle(override)
    assert "compose.yaml" not in corpus.bundle(override)
    assert corpus.read_floor() >= 0
