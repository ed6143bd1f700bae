"""Shapes of the users media types (one schema per media type)."""

from __future__ import annotations

from marshmallow import Schema, fields

from ..http.schemas import LinkSchema, media_type
from ..infrastructure.schemas import EnterpriseSchema, Entity


class PrivilegeSchema(Entity):
    name = fields.String(required=True)


class Privileges(Schema):
    links = fields.List(fields.Nested(LinkSchema), required=True)
    collection = fields.List(fields.Nested(PrivilegeSchema), required=True)


@media_type("user", collection="users")
class UserSchema(Entity):
    nick = fields.String(required=True)
    name = fields.String(required=True)
    surname = fields.String(required=True)
    email = fields.String(required=True)
    locale = fields.String(required=True)
    authType = fields.String(required=True)
    active = fields.Boolean(required=True)
    locked = fields.Boolean(required=True)
    firstLogin = fields.Boolean(required=True)
    privileges = fields.Nested(Privileges, metadata={"description": "with ?expand=privileges: the user's privileges"})
    expands = fields.Nested(Privileges, metadata={"description": "with ?expand=privileges: the same, as 3.8 names it"})


@media_type("role")
class RoleSchema(Entity):
    name = fields.String(required=True)
    privileges = fields.List(fields.String(), required=True)
    blocked = fields.Boolean(required=True)


class RoleWithPrivilegesSchema(Entity):
    name = fields.String(required=True)
    blocked = fields.Boolean(required=True)
    privileges = fields.Nested(Privileges, required=True)


@media_type("userwithrole", collection="userswithroles")
class UserWithRoleSchema(UserSchema):
    role = fields.Nested(RoleWithPrivilegesSchema, required=True)
    enterprise = fields.Nested(EnterpriseSchema, required=True, allow_none=True)
