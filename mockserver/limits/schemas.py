"""The shape of the limit media type: an enterprise's limit in one datacenter."""

from __future__ import annotations

from ..http.integers import JAVA_INT
from ..http.schemas import media_type
from ..infrastructure.constants import LIMIT_TYPES
from ..infrastructure.schemas import Entity

# Each number has the Java type Abiquo's model gives it (infrastructure/constants.py LIMIT_TYPES), stated in the
# contract as its minimum and maximum and refused beyond them (limits/model.py).
LimitSchema = media_type("limit", collection="limits")(
    type(
        "LimitSchema",
        (Entity,),
        {
            "__doc__": "An enterprise's limit in one datacenter; its links carry meaning (location, backuppolicy).",
            "id": JAVA_INT.field(),  # a POST cannot know it, and a PUT names the limit by its URL
            **{name: java.field(load_default=0) for name, java in LIMIT_TYPES.items()},
        },
    )
)
