"""The README's "From Python" examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def python_blocks() -> list[str]:
    text = README.read_text()
    section = text.split("## From Python", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_readme_examples_run(nav_run, capsys):
    blocks = python_blocks()
    assert len(blocks) == 2
    assert len(blocks[0].strip().splitlines()) <= 12
    namespace: dict = {}
    exec(compile(blocks[0], "README example 1", "exec"), namespace)
    assert "return" in capsys.readouterr().out
    # The second example loads a run of `metarl train`: point it at the test's tiny run.
    exec(compile(blocks[1].replace('"runs/nav2d"', repr(str(nav_run))), "README example 2", "exec"), namespace)
    assert "[" in capsys.readouterr().out
