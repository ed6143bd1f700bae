"""Shapes of the accepted request a deploy answers with and of the task it links to (3.8 captures)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..http.schemas import LinkSchema, media_type

TASK_STATES = ("QUEUEING", "PENDING", "STARTED", "FINISHED_SUCCESSFULLY", "FINISHED_UNSUCCESSFULLY", "ABORTED")


@media_type("acceptedrequest")
class AcceptedRequestSchema(Schema):
    entity = fields.String(required=True)
    links = fields.List(fields.Nested(LinkSchema), required=True, metadata={"description": "rel=status: the task"})


class JobSchema(Schema):
    id = fields.String(required=True)
    parentTaskId = fields.String(required=True)
    type = fields.String(required=True)
    description = fields.String(required=True)
    state = fields.String(required=True)
    rollbackState = fields.String(required=True)
    timestamp = fields.Integer(required=True)
    creationTimestamp = fields.Integer(required=True)
    links = fields.List(fields.Nested(LinkSchema), required=True)


class JobsSchema(Schema):
    links = fields.List(fields.Nested(LinkSchema), required=True)
    collection = fields.List(fields.Nested(JobSchema), required=True)


@media_type("task", collection="tasks")
class TaskSchema(Schema):
    taskId = fields.String(required=True)
    userId = fields.String(required=True)
    ownerId = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(["DEPLOY", "UNDEPLOY"]))
    state = fields.String(required=True, validate=validate.OneOf(TASK_STATES))
    timestamp = fields.Integer(required=True, metadata={"description": "epoch seconds"})
    creationTimestamp = fields.Integer(required=True)
    jobs = fields.Nested(JobsSchema, required=True)
    links = fields.List(fields.Nested(LinkSchema), required=True)
