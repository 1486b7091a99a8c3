"""Helpers for the API tests: JSON clients per organisation, personal tokens, processes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from parlons.accounts.services import api_token_create

API = "/api/v1"


class ApiClient:
    """A test client speaking JSON to /api/v1 on one organisation's host."""

    def __init__(self, client: Client, token: str | None = None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def _call(self, method: str, path: str, data: Any = None, **extra: Any) -> Any:
        headers = {**self.headers, **extra.pop("headers", {})}
        kwargs: dict[str, Any] = {"headers": headers, **extra}
        if data is not None and method != "get":
            kwargs.update(data=json.dumps(data), content_type="application/json")
        elif data is not None:
            kwargs["data"] = data
        return getattr(self.client, method)(f"{API}{path}", **kwargs)

    def get(self, path: str, data: Any = None, **extra: Any) -> Any:
        return self._call("get", path, data, **extra)

    def post(self, path: str, data: Any = None, **extra: Any) -> Any:
        return self._call("post", path, data if data is not None else {}, **extra)

    def patch(self, path: str, data: Any = None, **extra: Any) -> Any:
        return self._call("patch", path, data if data is not None else {}, **extra)


@pytest.fixture
def api(client_for):
    """api(user=None, organisation=None, token=None) -> ApiClient."""

    def make(user=None, organisation=None, token: str | None = None) -> ApiClient:
        return ApiClient(client_for(user, organisation), token=token)

    return make


@pytest.fixture
def token_for():
    """token_for(user, organisation) -> the clear value of a new personal token."""

    def make(user, organisation) -> str:
        _token, plaintext = api_token_create(user=user, organisation=organisation, name="tests")
        return plaintext

    return make
