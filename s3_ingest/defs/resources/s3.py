"""The S3 client of a source, as a Dagster resource built on dagster-aws's S3Resource.

dagster-aws's own client has no path-style addressing, retry mode or pool size, which MinIO,
Ceph and concurrent fetches need, so get_client() builds the client through the core with those
settings, once per resource instance. Secrets arrive as EnvVar references: the UI shows the
variable's name, never its value.
"""

from __future__ import annotations

from typing import Any

from dagster import EnvVar
from dagster_aws.s3 import S3Resource
from pydantic import Field, PrivateAttr

from s3_ingest.core.s3.client import ClientSettings, make_client
from s3_ingest.core.sources.model import Source
from s3_ingest.defs.asset_layout import source_id


class S3SourceResource(S3Resource):
    path_style: bool = Field(default=False, description="Path-style addressing (MinIO, Ceph).")
    retry_mode: str = Field(default="standard", description="botocore retry mode.")
    max_pool_connections: int = Field(default=64, description="HTTP connections kept open.")
    connect_timeout: float = Field(default=10.0, description="Seconds to open a connection.")
    read_timeout: float = Field(default=60.0, description="Seconds to wait for a response.")

    _client: Any = PrivateAttr(default=None)

    def __repr_args__(self) -> Any:
        # Once Dagster resolves the EnvVars these fields hold the secrets themselves.
        for name, value in super().__repr_args__():
            secret = name in ("aws_secret_access_key", "aws_session_token") and value
            yield name, "<redacted>" if secret else value

    def client_settings(self) -> ClientSettings:
        return ClientSettings(
            endpoint_url=self.endpoint_url,
            region_name=self.region_name,
            path_style=self.path_style,
            access_key_id=self.aws_access_key_id,
            secret_access_key=self.aws_secret_access_key,
            session_token=self.aws_session_token,
            profile_name=self.profile_name,
            anonymous=self.use_unsigned_session,
            max_attempts=self.max_attempts,
            retry_mode=self.retry_mode,
            max_pool_connections=self.max_pool_connections,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            use_ssl=self.use_ssl,
        )

    def get_client(self) -> Any:
        if self._client is None:
            self._client = make_client(self.client_settings())
        return self._client


def s3_resource_key(source: Source) -> str:
    return f"s3_{source_id(source)}"


def s3_resource_for(source: Source) -> S3SourceResource:
    """The resource for a source; credentials stay references to environment variables."""
    creds = source.credentials

    def env(name: str | None) -> Any:
        return EnvVar(name) if name else None

    return S3SourceResource(
        endpoint_url=source.endpoint_url,
        region_name=source.region,
        # An explicit use_ssl also reaches AWS's own endpoints and a bare SQS events endpoint.
        use_ssl=(
            source.use_ssl
            if source.use_ssl is not None
            else not (source.endpoint_url or "").startswith("http://")
        ),
        path_style=source.path_style,
        aws_access_key_id=env(creds.access_key_id_env),
        aws_secret_access_key=env(creds.secret_access_key_env),
        aws_session_token=env(creds.session_token_env),
        profile_name=creds.profile,
        use_unsigned_session=creds.anonymous,
        max_attempts=source.max_attempts,
        connect_timeout=source.connect_timeout,
        read_timeout=source.read_timeout,
        max_pool_connections=max(10, source.fetch_concurrency * 2),
    )


def client_of(resource: Any) -> Any:
    """A sensor or check may receive the resource itself or, like ops, the client it hands out."""
    return resource.get_client() if hasattr(resource, "get_client") else resource
