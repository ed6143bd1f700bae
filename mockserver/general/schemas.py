"""Shapes of the session media types (``GET /api/login/sessions``)."""

from __future__ import annotations

from marshmallow import fields

from ..http.schemas import media_type
from ..infrastructure.schemas import Entity


@media_type("session", collection="sessions")
class SessionSchema(Entity):
    key = fields.String(required=True, metadata={"description": "the session's public key (not the cookie's value)"})
    nick = fields.String(required=True)
    authType = fields.String(required=True)
    expirationDate = fields.String(
        required=True, metadata={"description": "ISO 8601, e.g. 2016-03-01T12:11:19.000+0000"}
    )
    idUser = fields.Integer(required=True)
