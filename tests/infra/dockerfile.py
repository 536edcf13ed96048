"""A small Dockerfile reader: stages, instructions (continuations joined), build context."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def args(self, keyword: str) -> list[str]:
        return [a for k, a in self.instructions if k == keyword]


def parse(path: Path) -> tuple[dict[str, str], list[Stage]]:
    """Global ARG defaults and the stages, in order."""
    text = re.sub(r"\\\n", " ", path.read_text())
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        keyword, rest = keyword.upper(), re.sub(r"\s+", " ", rest.strip())
        if keyword == "FROM":
            match = re.fullmatch(r"(\S+)(?: AS (\S+))?", rest, re.I)
            assert match, f"unreadable FROM: {rest}"
            stages.append(Stage(base=match.group(1), name=match.group(2)))
        elif not stages:
            if keyword == "ARG":
                name, _, default = rest.partition("=")
                global_args[name] = default.strip('"')
        else:
            stages[-1].instructions.append((keyword, rest))
    return global_args, stages


def expand(value: str, args: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args[m.group(1) or m.group(2)], value)


def copy_build_context(root: Path, dockerignore: Path, destination: Path, clean: bool = True) -> list[str]:
    """Copies what an allow-list .dockerignore ("*" then "!path" lines) lets into the context;
    with clean=False over what `destination` already holds, as `COPY . .` does."""
    lines = [l.strip() for l in dockerignore.read_text().splitlines() if l.strip() and not l.startswith("#")]
    assert lines[0] == "*", ".dockerignore must start by excluding everything"
    allowed = [l[1:].rstrip("/") for l in lines[1:]]
    assert all(l.startswith("!") for l in lines[1:]), "only allow-list entries after '*'"
    if clean:
        shutil.rmtree(destination, ignore_errors=True)
    destination.mkdir(parents=True, exist_ok=True)
    for entry in allowed:
        source = root / entry
        assert source.exists(), f".dockerignore allows {entry}, which does not exist"
        if source.is_dir():
            shutil.copytree(source, destination / entry, dirs_exist_ok=True)
        else:
            shutil.copy2(source, destination / entry)
    return allowed
