"""`s3-ingest serve` and `s3-ingest mcp` as real processes: the sources file's ACL applied at
start, the HTTP API and MCP (streamable HTTP and stdio, through the SDK's own client) under the
same tokens, and no token ever in the logs."""

from __future__ import annotations

import asyncio
import subprocess

import httpx
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError

from s3_ingest_tests.serve.corpus import (
    ALICE_KEYS, ALICE_TOKEN, OUTSIDER_TOKEN, STAFF_TOKEN, build_index, key_at, write_sources,
    write_tokens)
from s3_ingest_tests.serve.process import child_env, command, serving

TOKENS = (ALICE_TOKEN, STAFF_TOKEN, OUTSIDER_TOKEN)


@pytest.fixture
def files(tmp_path):
    index = tmp_path / "index.db"
    build_index(str(index), acl=False)  # the server applies the sources file's ACL
    return ["--index", str(index), "--sources", str(write_sources(tmp_path)),
            "--tokens", str(write_tokens(tmp_path))]


def test_the_http_api_serves_each_token_what_its_principals_may_see(tmp_path, files):
    wrong = "not-" + ALICE_TOKEN
    with serving(tmp_path, *files) as (base, log):
        assert httpx.get(f"{base}/search", params={"query": "kestrel"}).status_code == 401
        denied = httpx.get(f"{base}/search", params={"query": "kestrel"},
                           headers={"Authorization": f"Bearer {wrong}"})
        assert denied.status_code == 401 and wrong not in denied.text
        mine = httpx.get(f"{base}/search", params={"query": "kestrel", "limit": 3},
                         headers={"Authorization": f"Bearer {ALICE_TOKEN}"})
        assert [hit["key"] for hit in mine.json()["hits"]] == ALICE_KEYS
        document = httpx.get(f"{base}/documents/docs/{ALICE_KEYS[1]}",
                             headers={"Authorization": f"Bearer {ALICE_TOKEN}"})
        assert document.json()["text"].startswith("kestrel")
    text = log.read_text()
    assert "applied the ACLs of: docs" in text and "GET /search" in text
    for token in (*TOKENS, wrong):
        assert token not in text


def test_anonymous_access_is_explicit_and_warned_about(tmp_path, files):
    with serving(tmp_path, *files, "--allow-anonymous", "staff") as (base, log):
        answer = httpx.get(f"{base}/search", params={"query": "kestrel", "limit": 20})
        assert answer.status_code == 200
        assert [hit["key"] for hit in answer.json()["hits"]] == [
            key_at(i) for i in range(20) if key_at(i) not in ALICE_KEYS]
    assert "anonymous access is ON" in log.read_text()


async def _mcp_http(url: str, token: str | None) -> tuple[set[str], list[str], bool]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with create_mcp_http_client(headers=headers) as http:
        async with Client(streamable_http_client(url, http_client=http)) as client:
            tools = {tool.name for tool in (await client.list_tools()).tools}
            found = await client.call_tool("search", {"query": "kestrel", "limit": 3})
            hidden = await client.call_tool("get_document", {"source": "docs", "key": key_at(0)})
    return tools, [hit["key"] for hit in found.structured_content["hits"]], hidden.is_error


def test_mcp_over_streamable_http_under_the_same_tokens(tmp_path, files):
    with serving(tmp_path, *files) as (base, log):
        tools, keys, hidden = asyncio.run(_mcp_http(f"{base}/mcp/", ALICE_TOKEN))
        assert tools == {"search", "get_document"}
        assert keys == ALICE_KEYS and hidden is True
        # Without a token the SDK's client gets nowhere (the server answers its first POST
        # 401, as the raw request below shows).
        with pytest.raises(BaseExceptionGroup) as refused:
            asyncio.run(_mcp_http(f"{base}/mcp/", None))
        assert refused.group_contains(MCPError, depth=2)
        anonymous = httpx.post(f"{base}/mcp/", json={"jsonrpc": "2.0", "id": 1,
                                                     "method": "tools/list"})
        assert anonymous.status_code == 401 and "www-authenticate" in anonymous.headers
    assert ALICE_TOKEN not in log.read_text()


async def _mcp_stdio(args: list[str], token: str) -> tuple[list[str], dict]:
    params = StdioServerParameters(command=command()[0], args=command("mcp", *args)[1:],
                                   env=child_env(S3_INGEST_TOKEN=token))
    async with Client(params) as client:
        found = await client.call_tool("search", {"query": "kestrel", "limit": 3})
        document = await client.call_tool("get_document",
                                          {"source": "docs", "key": ALICE_KEYS[0]})
    return [hit["key"] for hit in found.structured_content["hits"]], document.structured_content


def test_mcp_over_stdio_as_the_caller_of_its_token(files):
    keys, document = asyncio.run(_mcp_stdio(files, ALICE_TOKEN))
    assert keys == ALICE_KEYS
    assert document["key"] == ALICE_KEYS[0] and document["text"].startswith("kestrel")


def test_mcp_over_stdio_refuses_a_bad_token_without_echoing_it(files):
    wrong = "wrong-" + STAFF_TOKEN
    done = subprocess.run(command("mcp", *files), env=child_env(S3_INGEST_TOKEN=wrong),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "S3_INGEST_TOKEN holds no valid token" in done.stderr
    assert wrong not in done.stderr + done.stdout
