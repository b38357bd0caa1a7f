"""Installed size of s3_ingest's default install and of each extra, in this environment.

    .venv/bin/python bench/install_size.py            # table; --json for the figures

Walks the dependency closure from the installed metadata (importlib.metadata): requirements
whose markers hold here, extras followed (`moto[s3,server]` brings moto's s3 and server
requirements). Each distribution's size is the sum of the file sizes its RECORD lists, as they
are on disk (bytecode written after install is not in RECORD, so it is not counted). An editable
install of s3_ingest itself counts as its few link files, not its source tree.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib import metadata

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = "s3_ingest"


def _requirements(dist: metadata.Distribution, extras: set[str]) -> list[Requirement]:
    out = []
    for line in dist.requires or ():
        req = Requirement(line)
        if req.marker is None:
            out.append(req)
            continue
        # A requirement under an extra holds when that extra is asked for; others when the
        # marker holds with no extra.
        for extra in extras | {""}:
            if req.marker.evaluate({**default_environment(), "extra": extra}):
                out.append(req)
                break
    return out


VIA: dict[str, str] = {}  # distribution -> the first one found requiring it (why it is here)


def closure(root: str, extras: set[str]) -> set[str]:
    """Canonical names of `root` and everything it needs installed, with those extras."""
    seen: dict[str, set[str]] = {}
    todo = [(canonicalize_name(root), set(extras), "")]
    while todo:
        name, wanted, parent = todo.pop()
        if name in seen and wanted <= seen[name]:
            continue
        VIA.setdefault(name, parent)
        seen[name] = seen.get(name, set()) | wanted
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            print(f"warning: {name} is required but not installed", file=sys.stderr)
            continue
        for req in _requirements(dist, seen[name]):
            todo.append((canonicalize_name(req.name), set(req.extras), name))
    return {name for name in seen if _installed(name)}


def _installed(name: str) -> bool:
    try:
        metadata.distribution(name)
        return True
    except metadata.PackageNotFoundError:
        return False


def size_of(name: str) -> int:
    dist = metadata.distribution(name)
    total = 0
    for file in dist.files or ():
        try:
            total += file.locate().stat().st_size
        except OSError:
            pass  # listed but gone (or a path outside the environment that no longer exists)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--top", type=int, default=8, help="largest distributions listed")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    extras = sorted(metadata.distribution(ROOT).metadata.get_all("Provides-Extra") or [])
    default = closure(ROOT, set())
    sizes = {name: size_of(name) for name in default}
    closures = {"default": default}
    for extra in extras:
        closures[extra] = closure(ROOT, {extra})
        sizes.update({name: size_of(name) for name in closures[extra] if name not in sizes})
    mb = lambda names: sum(sizes[n] for n in names) / 1e6  # noqa: E731
    result = {
        label: {
            "distributions": len(names), "mb": round(mb(names), 1),
            "added_to_default_mb": round(mb(names - default), 1),
            "largest": [[n, round(sizes[n] / 1e6, 1), VIA.get(n, "")] for n in
                        sorted(names if label == "default" else names - default,
                               key=sizes.__getitem__, reverse=True)[: args.top]],
        }
        for label, names in closures.items()
    }
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        return
    print(f"{'install':<19}{'dists':>6}{'MB':>8}{'+ MB':>8}  (+ MB: added to the default)")
    for label, row in result.items():
        name = "s3_ingest" if label == "default" else f"s3_ingest[{label}]"
        print(f"{name:<19}{row['distributions']:>6}{row['mb']:>8.1f}"
              f"{row['added_to_default_mb']:>8.1f}")
    for label, row in result.items():
        print(f"\nlargest {'in the default' if label == 'default' else 'added by ' + label}"
              " (MB, required by):")
        for n, m, via in row["largest"]:
            print(f"  {n:<28}{m:>7.1f}  {via}")


if __name__ == "__main__":
    main()
