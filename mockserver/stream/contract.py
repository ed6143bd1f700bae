"""How the contract describes the event stream: one GET whose answer is text/event-stream.

OpenAPI cannot say what flows on a stream, so the answer's description names the component that each
``data:`` line carries (StreamEvent) and the Atmosphere framing; the provider suite checks the stream itself.
"""

from __future__ import annotations

from ..http import media

EVENT = {
    "type": "object",
    "description": "One event per data line (spellings reconstructed from the 3.x connector base's getters)",
    "required": ["id", "type", "action", "severity", "user", "enterprise", "entityIdentifier", "timestamp", "details"],
    "properties": {
        "id": {"type": "integer", "description": "the event's id in /api/events: the cursor to resume from"},
        "type": {"type": "string", "example": "VIRTUAL_MACHINE"},
        "action": {"type": "string", "example": "DEPLOY_FINISH"},
        "severity": {"type": "string"},
        "user": {"type": "string", "description": "the end of the causing user's edit link"},
        "enterprise": {"type": "string", "description": "the event's enterprise, else the acting user's"},
        "entityIdentifier": {"type": "string", "description": "the entity's URI below /api"},
        "timestamp": {"type": "integer", "description": "epoch milliseconds"},
        "details": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


PATHS = {
    "/m/stream": {
        "get": {
            "operationId": "streamEvents",
            "summary": "The outbound event stream (Server-Sent Events): the caller's events as they commit",
            "tags": ["backup"],
            "x-fidelity": "reconstructed",
            "parameters": [
                _query("X-Atmosphere-Transport", {"type": "string", "enum": ["sse"]}, "Atmosphere: only sse"),
                _query("X-atmo-protocol", {"type": "string"}, "true: the first message is the handshake"),
                _query("X-Atmosphere-tracking-id", {"type": "string"}, "0 for a new stream"),
                _query("X-Atmosphere-Framework", {"type": "string"}, "2.2 and later get heartbeat fields"),
                _query("X-Atmosphere-TrackMessageSize", {"type": "string"}, "true: messages are <length>|<message>"),
                _query("lastEventId", {"type": "integer", "minimum": 0}, "resume after this event id"),
                {"name": "Last-Event-ID", "in": "header", "required": False, "schema": {"type": "integer"}},
            ],
            "responses": {
                "200": {
                    "description": "text/event-stream; each data line is a StreamEvent (or, first, the Atmosphere "
                    "handshake <tracking id>|<heartbeat ms>|<padding>|)",
                    "content": {"text/event-stream": {"schema": {"type": "string"}}},
                },
                **{
                    str(status): {
                        "description": why,
                        "content": {media.versioned(media.ERRORS): {"schema": {"$ref": "#/components/schemas/Errors"}}},
                    }
                    for status, why in (
                        (400, "a transport other than sse, or a bad cursor"),
                        (401, "no or bad credentials"),
                        (404, "a server without the stream"),
                        (405, "a method other than GET"),
                        (503, "streams are cut for a while"),
                    )
                },
            },
            "x-abiquo-errors": ["401-UNAUTHORIZED", "405-METHOD-NOT-ALLOWED", "503-SERVICE-UNAVAILABLE", "GEN-22"],
        }
    }
}
SCHEMAS = {"StreamEvent": EVENT}
