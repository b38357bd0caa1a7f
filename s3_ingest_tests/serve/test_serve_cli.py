"""`s3-ingest serve` / `mcp` refuse bad configuration at start with one clear line, and the
sources file carries each source's ACL (inline or a Kendra ACL file)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from s3_ingest.cli.main import cli
from s3_ingest.core.sources.acl import source_acls
from s3_ingest.core.sources.loader import load_sources, parse_sources
from s3_ingest.core.sources.model import SourcesFileError
from s3_ingest.serve.auth import TOKENS_ENV_VAR
from s3_ingest_tests.serve.corpus import ACL, build_index, write_sources, write_tokens


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env={TOKENS_ENV_VAR: "", **(env or {})})


def test_serve_without_tokens_refuses_to_start(tmp_path):
    build_index(str(tmp_path / "index.db"))
    done = run("serve", "--index", str(tmp_path / "index.db"), "--sources",
               str(write_sources(tmp_path)))
    assert done.exit_code == 2
    assert "no tokens" in done.output and "--allow-anonymous" in done.output


def test_serve_without_an_index_creates_none_and_says_what_to_run(tmp_path):
    missing = tmp_path / "missing" / "index.db"
    done = run("serve", "--index", str(missing), "--sources", str(write_sources(tmp_path)),
               "--tokens", str(write_tokens(tmp_path)))
    assert done.exit_code == 2 and "run `s3-ingest sync` first" in done.output
    assert not missing.parent.exists()


def test_mcp_with_a_bad_acl_names_the_source_and_field(tmp_path):
    build_index(str(tmp_path / "index.db"))
    sources = tmp_path / "sources.yaml"
    sources.write_text("sources:\n  - name: docs\n    bucket: bucket-a\n    acl: missing.json\n")
    done = run("mcp", "--index", str(tmp_path / "index.db"), "--sources", str(sources),
               "--tokens", str(write_tokens(tmp_path)))
    assert done.exit_code == 2
    assert "source 'docs': field 'acl': ACL file" in done.output and "missing.json" in done.output


def test_the_acl_comes_inline_or_from_a_kendra_file_beside_the_sources_file(tmp_path):
    (tmp_path / "acl.json").write_text(json.dumps(ACL))
    inline = load_sources(write_sources(tmp_path))
    sources = tmp_path / "from-file.yaml"
    sources.write_text("sources:\n  - name: docs\n    bucket: bucket-a\n    acl: acl.json\n")
    from_file = load_sources(sources)
    expected = {"docs": {"": ["group:staff"], "team-a/": ["user:alice"]}}
    assert source_acls(inline) == source_acls(from_file, tmp_path) == expected


def test_a_malformed_inline_acl_is_a_sources_file_error():
    with pytest.raises(SourcesFileError, match="source 'docs': field 'acl"):
        parse_sources("sources:\n  - name: docs\n    bucket: b\n    acl:\n"
                      "      - {keyPrefix: a/, aclEntries: [{Name: x, Type: ROLE}]}\n")
