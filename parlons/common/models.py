"""Base model mixins shared by every app. Imports nothing else of ours."""

from __future__ import annotations

import secrets

from django.db import models


def new_public_id() -> str:
    """A short, unguessable, URL-safe identifier shown in URLs and the API instead of database ids."""
    return secrets.token_urlsafe(9)


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class PublicIdModel(models.Model):
    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)

    class Meta:
        abstract = True
