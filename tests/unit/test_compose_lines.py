"""compose/lines.py: an error path → its line and column in the YAML text."""

from __future__ import annotations

from core_monitor.compose.lines import locate, node_tree, syntax_error_at

TEXT = """\
services:
  web.v2:
    image: x
    ports:
      - "80:80"
      - "99999:80"
  db: &db
    image: y
  copy: *db
"""


def test_paths_point_at_their_key_or_item() -> None:
    tree = node_tree(TEXT)
    assert locate(tree, "services.web.v2.image") == (3, 5)  # a key holding a dot
    assert locate(tree, "services.web.v2.ports[1]") == (6, 9)
    assert locate(tree, "services.db") == (7, 3)
    assert locate(tree, "services.copy.image") == (8, 5)  # through an alias: its anchor


def test_a_path_the_text_does_not_spell_points_at_its_deepest_part() -> None:
    tree = node_tree(TEXT)
    assert locate(tree, "services.web.v2.deploy.replicas") == (2, 3)
    assert locate(tree, "services.web.v2.ports[7]") == (4, 5)
    assert locate(tree, "") == (1, 1)
    assert locate(None, "services") is None


def test_syntax_errors_have_their_mark() -> None:
    assert syntax_error_at("a: [1\n") == (2, 1)
    assert syntax_error_at("a: 1\na: 2\n") == (2, 1)  # a duplicate key
    assert syntax_error_at("a: 1\n") is None
