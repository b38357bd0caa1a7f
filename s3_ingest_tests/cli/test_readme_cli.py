"""The README's command line section keeps up with the CLI: every command, and every option of
each, as `--help` shows them (walked from click's command tree), is in that command's synopsis."""

from __future__ import annotations

import re
from pathlib import Path

import click

from s3_ingest.cli.main import cli

README = Path(__file__).resolve().parents[2] / "README.md"


def _synopses() -> dict[str, str]:
    """command -> its synopsis in the section's first code block (a line starting
    `s3-ingest NAME`, and the indented lines that continue it)."""
    section = README.read_text().split("## Command line\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```\n", 2)[1]
    synopses: dict[str, str] = {}
    current = None
    for line in block.splitlines():
        found = re.match(r"s3-ingest ([a-z-]+)", line)
        if found:
            current = found.group(1)
            synopses[current] = synopses.get(current, "") + line
        elif current and line.startswith(" "):
            synopses[current] += " " + line
    return synopses


def _options(command: click.Command) -> list[tuple[str, ...]]:
    """Each option's names (`-v`, `--verbose`): one of them names it."""
    return [tuple(param.opts) for param in command.params
            if isinstance(param, click.Option) and not param.hidden]


def test_every_command_and_option_is_in_the_readme_synopsis() -> None:
    synopses = _synopses()
    ctx = click.Context(cli)
    missing = []
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        synopsis = synopses.get(name)
        if synopsis is None:
            missing.append(name)
            continue
        words = set(re.findall(r"-{1,2}[a-z][a-z-]*", synopsis))
        missing += [f"{name} {'/'.join(names)}" for names in _options(command)
                    if not words & set(names)]
    top = " ".join(synopses.values()) + README.read_text().split("## Command line\n", 1)[1]
    missing += [option for option in ("--version", "--help") if option not in top]
    assert missing == []


def test_the_readme_names_no_option_the_cli_lacks() -> None:
    ctx = click.Context(cli)
    for name, synopsis in _synopses().items():
        if name.startswith("-"):
            continue
        command = cli.get_command(ctx, name)
        assert command is not None, f"the README lists `s3-ingest {name}`, which does not exist"
        known = {option for names in _options(command) for option in names} | {"--help"}
        named = set(re.findall(r"(?<![\w-])-{1,2}[a-z][a-z-]*", synopsis))
        assert named <= known, (name, named - known)
