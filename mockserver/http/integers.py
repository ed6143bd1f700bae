"""The Java integer types of Abiquo's model, which bound every number a model refuses or a contract states.

Plain values, no marshmallow: the models check bodies against them while serving, and only the media schemas
(http/schemas.py and each context's schemas.py, loaded with the contract) make fields of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import AbiquoError


@dataclass(frozen=True)
class JavaInteger:
    """A Java integer type of Abiquo's model. Jackson refuses a number its field cannot hold, so a field declared
    with one states its bounds in the contract and refuses anything outside them, the same in every model."""

    name: str
    bits: int

    @property
    def low(self) -> int:
        return -(2 ** (self.bits - 1))

    @property
    def high(self) -> int:
        return 2 ** (self.bits - 1) - 1

    def field(self, metadata: dict | None = None, **options):
        """A marshmallow field of this type, for a media schema."""
        from marshmallow import fields
        from marshmallow.validate import Range

        described = {"format": f"int{self.bits}", **(metadata or {})}
        return fields.Integer(strict=True, validate=Range(self.low, self.high), metadata=described, **options)

    def holds(self, value: object) -> bool:
        return type(value) is int and self.low <= value <= self.high

    def check(self, body: dict, name: str) -> None:
        """400 GEN-2 unless ``body[name]``, when present, is an integer this type holds."""
        if name in body and not self.holds(body[name]):
            raise AbiquoError(
                "GEN-2",
                f"Invalid document: '{name}' must be an integer from {self.low} to {self.high} (a Java {self.name})",
            )


JAVA_INT = JavaInteger("int", 32)
JAVA_LONG = JavaInteger("long", 64)
