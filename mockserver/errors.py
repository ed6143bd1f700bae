"""Every error the mock answers with: one catalogue of Abiquo codes, one exception type.

The model raises ``AbiquoError("BC-23")``; the HTTP layer renders it as the Abiquo envelope
``{"collection": [{"code", "message"}]}``. Status and default message live here and nowhere else.
"""

from __future__ import annotations

# code -> (HTTP status, default message). Messages follow Abiquo's error catalogue where it is known.
CATALOGUE: dict[str, tuple[int, str]] = {
    # generic
    "GEN-2": (400, "Invalid document, please make sure all the mandatory fields are right"),
    "GEN-3": (400, "Invalid document: the request body is not valid JSON"),
    "GEN-6": (400, "Invalid link"),
    "QUERY-1": (400, "Invalid query parameter"),
    "401-UNAUTHORIZED": (401, "This request requires user authentication"),
    "403-FORBIDDEN": (403, "Access is denied"),
    "404-NOT-FOUND": (404, "The requested resource does not exist"),
    "405-METHOD-NOT-ALLOWED": (405, "The requested method is not allowed on this resource"),
    "406-NOT-ACCEPTABLE": (406, "Invalid version parameter for 'Accept' header"),
    "408-REQUEST-TIMEOUT": (408, "The request body did not arrive in time"),
    "409-CONFLICT": (409, "Conflict"),
    "413-REQUEST-ENTITY-TOO-LARGE": (413, "The request body is too large"),
    "415-UNSUPPORTED-MEDIA-TYPE": (415, "Unsupported media type"),
    "415-UNSUPPORTED-MEDIA-TYPE-VERSION": (415, "Invalid 'Content-type' version"),
    "500-INTERNAL-SERVER-ERROR": (500, "Unexpected error"),
    "503-SERVICE-UNAVAILABLE": (503, "Service unavailable: try again in a few moments"),
    # infrastructure and tenants
    "DC-0": (404, "The requested datacenter does not exist"),
    "RACK-0": (404, "The requested rack does not exist"),
    "MACHINE-0": (404, "The requested machine does not exist"),
    "EN-0": (404, "The requested enterprise does not exist"),
    "LIMIT-1": (404, "The requested limit does not exist"),
    "LIMIT-7": (409, "Duplicated limit by enterprise and datacenter"),
    "LIMIT-24": (400, "Invalid link of the backup policy to allow"),
    "LIMIT-25": (409, "Cannot restrict the backup policy because the enterprise has virtual machines with it"),
    "VDC-0": (404, "The requested virtual datacenter does not exist"),
    "VAPP-0": (404, "The requested virtual appliance does not exist"),
    "VM-0": (404, "The requested virtual machine does not exist"),
    "VM-STATE": (400, "Invalid virtual machine state"),
    "VM-2": (409, "The virtual machine is already locked by another operation"),
    "VM-3": (409, "The virtual machine is not deployed"),
    "VM-7": (409, "The allowed state for deploying virtual machines is NOT_ALLOCATED"),
    "TASK-1": (404, "The requested task does not exist"),
    # backup (legacy 3.8 rules and 3.8.5 policies)
    "BC-1": (404, "The requested backup configuration does not exist"),
    "BC-2": (404, "The requested backup template does not exist"),
    "BC-5": (400, "Invalid backup type"),
    "BC-6": (400, "Some requested options are not enabled"),
    "BC-7": (400, "Invalid backup granularity"),
    "BC-8": (400, "Invalid backup period"),
    "BC-9": (400, "Paths are only allowed in filesystem backups"),
    "BC-10": (400, "Disks are only allowed in complete and snapshot backups"),
    "BC-11": (400, "The time value was not supplied"),
    "BC-12": (400, "Invalid time, the format is HH:mm:ss Z"),
    "BC-13": (400, "Invalid date, the format is yyyy/MM/dd HH:mm:ss Z"),
    "BC-14": (400, "Invalid backup schedule"),
    "BC-15": (400, "Invalid backup result status, valid status values are: done, progress, failed"),
    "BC-16": (400, "Invalid hourly value, accepted values are integers from 1 to 23"),
    "BC-17": (400, "Disks must be provided as a list"),
    "BC-18": (400, "Paths must be provided as a list"),
    "BC-19": (400, "A weekly planned backup requires at least one day"),
    "BC-20": (404, "There is no backup with the requested id for this virtual machine"),
    "BC-21": (409, "The backup was already restored and multiple restore is disabled in the datacenter"),
    "BC-22": (409, "Only backups whose status is done or complete can be restored"),
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
    "CTRL-1": (404, "The requested scenario does not exist"),
    "CTRL-2": (409, "A scenario with that name already exists"),
    "CTRL-USER": (400, "The requested user does not exist"),
    "CTRL-TIMELINE": (400, "Invalid timeline"),
}


class AbiquoError(Exception):
    """An Abiquo API error: a catalogue code, its status, and a message (the default or a specific one)."""

    def __init__(
        self, code: str, message: str | None = None, *, status: int | None = None, headers: dict[str, str] | None = None
    ):
        default_status, default_message = CATALOGUE[code]
        self.code = code
        self.status = status or default_status
        self.message = message or default_message
        self.headers = headers or {}
        super().__init__(f"{self.code}: {self.message}")

    def envelope(self) -> dict:
        return {"collection": [{"code": self.code, "message": self.message}]}


def status_of(code: str) -> int:
    return CATALOGUE[code][0]
