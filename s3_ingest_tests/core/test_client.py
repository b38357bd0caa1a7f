"""make_client: addressing, anonymous access, retries; and no secret in ClientSettings' repr."""

from __future__ import annotations

from typing import Any

import pytest
from botocore import UNSIGNED

from s3_ingest.core.client import ClientSettings, make_client

SECRET = "sekrit-123"
TOKEN = "tok-sekrit-456"


def presigned(client: Any, bucket: str = "my-bucket", key: str = "dir/a b.md") -> str:
    return client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key})


def test_path_style_with_custom_endpoint() -> None:
    client = make_client(
        ClientSettings(
            endpoint_url="http://127.0.0.1:9000",
            region_name="us-east-1",
            path_style=True,
            access_key_id="AKIDEXAMPLE",
            secret_access_key=SECRET,
        )
    )
    assert client.meta.config.s3["addressing_style"] == "path"
    assert client.meta.endpoint_url == "http://127.0.0.1:9000"
    url = presigned(client)
    assert url.startswith("http://127.0.0.1:9000/my-bucket/dir/a%20b.md?")
    assert SECRET not in url


def test_path_style_on_aws() -> None:
    client = make_client(
        ClientSettings(region_name="eu-west-1", path_style=True, access_key_id="AKID", secret_access_key=SECRET)
    )
    url = presigned(client)
    assert url.startswith("https://s3.eu-west-1.amazonaws.com/my-bucket/dir/a%20b.md?")


def test_virtual_hosted_by_default_on_aws() -> None:
    client = make_client(
        ClientSettings(region_name="eu-west-1", access_key_id="AKID", secret_access_key=SECRET)
    )
    assert client.meta.config.s3["addressing_style"] == "auto"
    url = presigned(client)
    assert url.startswith("https://my-bucket.s3.")
    assert "/my-bucket/" not in url


def test_region() -> None:
    client = make_client(ClientSettings(region_name="ap-south-1", anonymous=True))
    assert client.meta.region_name == "ap-south-1"


def test_anonymous_is_unsigned(monkeypatch: pytest.MonkeyPatch) -> None:
    # Even with credentials in the environment, an anonymous client signs nothing.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    client = make_client(
        ClientSettings(
            endpoint_url="http://127.0.0.1:9000",
            region_name="us-east-1",
            path_style=True,
            anonymous=True,
            access_key_id="AKIDIGNORED",
            secret_access_key=SECRET,
        )
    )
    assert client.meta.config.signature_version is UNSIGNED
    url = presigned(client)
    assert url == "http://127.0.0.1:9000/my-bucket/dir/a%20b.md"
    assert "Signature" not in url and "AKID" not in url


def test_keys_are_used() -> None:
    client = make_client(
        ClientSettings(
            region_name="us-east-1",
            access_key_id="AKIDEXAMPLE",
            secret_access_key=SECRET,
            session_token=TOKEN,
        )
    )
    creds = client._request_signer._credentials.get_frozen_credentials()
    assert (creds.access_key, creds.secret_key, creds.token) == ("AKIDEXAMPLE", SECRET, TOKEN)
    assert "AKIDEXAMPLE" in presigned(client)


@pytest.mark.parametrize(("attempts", "mode"), [(8, "standard"), (3, "standard"), (5, "adaptive")])
def test_retries(attempts: int, mode: str) -> None:
    client = make_client(
        ClientSettings(region_name="us-east-1", anonymous=True, max_attempts=attempts, retry_mode=mode)
    )
    assert client.meta.config.retries["mode"] == mode
    assert client.meta.config.retries["max_attempts"] == attempts


def test_default_retries_and_timeouts() -> None:
    client = make_client(ClientSettings(region_name="us-east-1", anonymous=True))
    assert client.meta.config.retries["mode"] == "standard"
    assert client.meta.config.retries["max_attempts"] == 8
    assert client.meta.config.connect_timeout == 10.0
    assert client.meta.config.read_timeout == 60.0
    assert client.meta.config.max_pool_connections == 64


def test_repr_hides_secrets() -> None:
    settings = ClientSettings(
        endpoint_url="http://minio:9000",
        access_key_id="AKIDEXAMPLE",
        secret_access_key=SECRET,
        session_token=TOKEN,
    )
    for text in (repr(settings), str(settings), f"{settings}", repr([settings])):
        assert SECRET not in text
        assert TOKEN not in text
        assert "http://minio:9000" in text
        assert "access keys" in text


@pytest.mark.parametrize(
    ("settings", "kind"),
    [
        (ClientSettings(anonymous=True, access_key_id="a", secret_access_key=SECRET), "anonymous"),
        (ClientSettings(access_key_id="a", secret_access_key=SECRET), "access keys"),
        (ClientSettings(profile_name="dev"), "profile dev"),
        (ClientSettings(), "default chain"),
    ],
)
def test_credentials_kind(settings: ClientSettings, kind: str) -> None:
    assert settings.credentials_kind == kind
    assert kind in repr(settings)
