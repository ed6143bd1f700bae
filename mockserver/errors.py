"""Every error the mock answers with: one catalogue of Abiquo codes, one exception type.

The model raises ``AbiquoError("BC-23")``; the HTTP layer renders it as the Abiquo envelope
``{"collection": [{"code", "message"}]}``. Status and default message live here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping

# code -> (HTTP status, default message). Every code and message is Abiquo's: the 3.8.0 error catalogue
# (docs/abiquo-error-catalogue-3.8.0.md), or, for the codes backup policies brought later, the backup rules
# (docs/BACKUP-RULES.md). A raise site may give a more specific message with the same meaning.
CATALOGUE: dict[str, tuple[int, str]] = {
    # generic
    "GEN-2": (400, "Invalid XML document; please ensure all mandatory fields are correct"),
    "GEN-3": (400, "Invalid XML document"),
    "GEN-6": (400, "Invalid link reference"),
    "GEN-22": (400, "Query params are invalid or some required query param is missing"),
    "QUERY-0": (400, "Invalid 'by' parameter"),
    "400-BAD-REQUEST": (400, "Request not valid"),
    "401-UNAUTHORIZED": (401, "This request requires user authentication"),
    "403-FORBIDDEN": (403, "Access denied"),
    "404-NOT-FOUND": (404, "The requested resource does not exist"),
    "405-METHOD-NOT-ALLOWED": (405, "The resource does not expose this method"),
    "406-NOT-ACCEPTABLE": (406, "Invalid version parameter for 'Accept' header"),
    "409-CONFLICT": (409, "Conflict"),
    "415-UNSUPPORTED-MEDIA-TYPE": (415, "The Abiquo API currently only supports application/XML Media Type"),
    "409-CONFLICT-StaleObject": (409, "Another request has updated this entity"),
    "415-UNSUPPORTED-MEDIA-TYPE-VERSION": (415, "Invalid 'Content-type' version"),
    "500-INTERNAL-SERVER-ERROR": (500, "Unexpected exception"),
    "503-SERVICE-UNAVAILABLE": (503, "Service unavailable: try again in a few moments"),
    # infrastructure and tenants
    "DC-0": (404, "The requested datacenter does not exist"),
    "RACK-4": (404, "This rack does not exist"),
    "MACHINE-0": (404, "The requested machine does not exist"),
    "EN-0": (404, "The requested enterprise does not exist"),
    "USER-3": (404, "The requested user does not exist"),
    "ROLE-0": (404, "The requested role does not exist"),
    "LIMIT-7": (409, "Duplicate limits by enterprise and datacenter"),
    "LIMIT-8": (404, "Limits by enterprise and datacenter do not exist"),
    "LIMIT-11": (
        409,
        "Cannot remove enterprise access to this datacenter because the datacenter is used by virtual "
        "datacenter(s) belonging to the enterprise",
    ),
    "LIMIT-24": (400, "Invalid link of the backup policy to allow"),
    "LIMIT-25": (409, "Cannot restrict the backup policy because the enterprise has virtual machines with it"),
    "VDC-0": (404, "The requested virtual datacenter does not exist"),
    "VAPP-0": (404, "The requested virtual appliance does not exist"),
    "VM-1": (404, "The requested virtual machine does not exist"),
    "VM-2": (409, "The virtual machine is already locked by another operation"),
    "VM-10": (
        409,
        "The virtual machine is in a state that does not allow the request, therefore it cannot be modified",
    ),
    "VM-3": (409, "The virtual machine is not deployed"),
    "VM-7": (409, "The allowed state for deploying virtual machines is NOT_ALLOCATED"),
    "TASK-1": (404, "The requested task does not exist"),
    # backup (legacy 3.8 rules and 3.8.5 policies)
    "BC-1": (404, "The requested backup template does not exist"),
    "BC-2": (409, "A backup with the requested template already exists"),
    "BC-3": (404, "The requested backup datacenter does not exist"),
    "BC-4": (400, "The requested backup attribute does not exist"),
    "BC-5": (
        400,
        "Some backup type values are wrong. Check that all type values are correctly spelled and written in "
        "lower-case letters",
    ),
    "BC-6": (400, "Some of the requested options are not enabled"),
    "BC-7": (400, "Some backup week days are wrong"),
    "BC-8": (400, "Some of the requested periods are wrong"),
    "BC-9": (400, "Paths can only be requested for filesystem backup type"),
    "BC-10": (400, "Disks can only be requested for complete or snapshot backup type"),
    "BC-11": (400, "Time value not supplied"),
    "BC-12": (400, "Invalid time. Time format should be HH:mm:ss Z"),
    "BC-13": (400, "Invalid date. Date format should be yyyy/MM/dd HH:mm:ss Z"),
    "BC-14": (400, "Missing backup values"),
    "BC-15": (400, "Valid status values are: done, progress, failed"),
    "BC-16": (400, "Accepted values for hours backup are 0 to 24. E.g., every 5 hours"),
    "BC-17": (400, "Invalid values for disks. Provide a list of disks"),
    "BC-18": (400, "Invalid values for paths. Provide a list of paths"),
    "BC-19": (400, "Weekly planned backup requires a day to be selected"),
    "BC-20": (404, "No backup has been made with the restore ID requested"),
    "BC-22": (
        409,
        "A backup with the given ID has been found but its state should correspond to done or completed in "
        "order to restore it",
    ),
    "BC-23": (404, "The requested backup policy does not exist"),
    "BC-24": (409, "The backup policy code is duplicated in this datacenter"),
    "BC-25": (409, "Cannot delete the backup policy because there are virtual machines with that policy assigned"),
    "BC-27": (409, "Cannot select multiple backup policies"),
    "BC-28": (400, "Invalid day of week"),
    "BC-29": (409, "Cannot update the backup configurations of the policy because there are virtual machines assigned"),
    "BC-30": (400, "The type and period must be unique for each policy"),
    "BC-32": (400, "The backup policy does not have the requested backup configuration"),
    "BC-33": (400, "The type and period of a backup configuration are required"),
    "BC-34": (400, "Missing backup policy link"),
    "BC-36": (409, "Backup configuration cannot be modified while the virtual machine is deployed"),
}
# The control API's own errors (/_mock only): not Abiquo codes, never answered under /api.
MOCK_ONLY: dict[str, tuple[int, str]] = {
    "CTRL-1": (404, "The requested scenario does not exist"),
    "CTRL-2": (409, "A scenario with that name already exists"),
    "CTRL-3": (400, "Invalid virtual machine state"),
    "CTRL-USER": (400, "The requested user does not exist"),
    "CTRL-TIMELINE": (400, "Invalid timeline"),
    # an operation Abiquo has (the captures show it) that the mock does not serve
    "501-NOT-IMPLEMENTED": (501, "The operation exists in Abiquo but is not modelled by the mock"),
}


class AbiquoError(Exception):
    """An Abiquo API error: a catalogue code, its status, and a message (the default or a specific one)."""

    def __init__(
        self, code: str, message: str | None = None, *, status: int | None = None, headers: dict[str, str] | None = None
    ):
        default_status, default_message = CATALOGUE.get(code) or MOCK_ONLY[code]
        self.code = code
        self.status = status or default_status
        self.message = message or default_message
        self.headers = headers or {}
        super().__init__(f"{self.code}: {self.message}")

    def envelope(self, spellings: Mapping[str, str] | None = None) -> dict:
        """The Abiquo error body; ``spellings`` are the codes the server's release spells otherwise (BC11)."""
        return {"collection": [{"code": (spellings or {}).get(self.code, self.code), "message": self.message}]}


def status_of(code: str) -> int:
    return (CATALOGUE.get(code) or MOCK_ONLY[code])[0]
