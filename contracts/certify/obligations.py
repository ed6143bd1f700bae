"""What a backup connector owes Abiquo 3.8.5, and which check of the suites judges each part of it.

An obligation is a promise a vendor makes about its connector (it reads every backup, it keeps what it does not
own, …). The suites' checks (integration_checks.py, listening_checks.py, upgrade_checks.py) are mapped onto the
obligations in ONE table, ``CHECKS``: each check of each pass names its obligation and the checks whose failure,
in the same pass, accounts for its own. A connector that dropped ``policyBindings`` has its write refused (BC-36)
and exits 1: the refusal and the exit status follow from what it failed to keep, so the verdict names one
obligation, "preserves what it does not own", and shows the rest as its consequences.

Each obligation also names the Abiquo rules its verdict rests on, with the fidelity label of each (the judge's own
copy, like every value contracts/ checks; tests/test_certify_obligations.py holds them to the mock's labels), and
the operations it exercises, whose labels are read from the contract the mock serves (``x-fidelity``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..integration_checks import CHECKS as ONE_PASS_CHECKS
from ..listening_checks import CHECKS as LISTENING_CHECKS

PASS, FAIL, NOT_APPLICABLE, ERROR = "PASS", "FAIL", "N/A", "ERROR"

# The passes a world is judged in. A world runs one or two of them; a check's failure is explained only by the
# failure of another check of a pass of the same world.
ONE_PASS = "one-pass"  # the connector's pass on the world as loaded
FAULTED = "faults"  # a second pass with the world's faults on, judged against the first
UPGRADED = "upgrade"  # a second pass once the world served as 3.8 was upgraded, judged against the first
LISTENING = "listening"  # the event-driven connector while the world's timeline plays


@dataclass(frozen=True)
class Rule:
    """An Abiquo behaviour a verdict rests on. ``ref`` names it where the mock labels it too (``field:`` a media
    field, ``error:`` an error code, ``media:`` a media type), so that the two copies are compared."""

    says: str
    label: str  # verified | documented | reconstructed
    ref: str = ""


@dataclass(frozen=True)
class Obligation:
    id: str
    title: str
    means: str
    rests_on: tuple[Rule, ...]
    operations: tuple[str, ...]  # operationIds of the served contract whose x-fidelity is reported beside it


CRAWL = ("listDatacenters", "listRacks", "listMachines", "listMachineVirtualMachines", "listAllVirtualMachines")
METADATA = ("getMetadata", "updateMetadata")

OBLIGATIONS: tuple[Obligation, ...] = (
    Obligation(
        "reads-every-backup",
        "Reads every backup and page",
        "Every deployed VM with a backup schedule has its metadata read: the connector follows every collection's "
        "next link on whichever walk it takes (datacenters, racks, machines, a machine's VMs; or the cloud's VM "
        "list), and skips no VM it is asked to back up.",
        (
            Rule(
                "Collections answer a page of 25 by default with first/next/last links and totalSize",
                "verified",
                "media:datacenters",
            ),
            Rule(
                "Only deployed VMs sit on a machine; an undeployed VM is listed in the cloud's VM list only",
                "verified",
                "media:virtualmachine",
            ),
            Rule("A VM's metadata is reached by its `metadata` link", "verified", "field:metadata.links"),
        ),
        (*CRAWL, "getMetadata"),
    ),
    Obligation(
        "preserves-foreign-keys",
        "Preserves what it does not own",
        "A connector owns backupResults and nothing else: every other key of a VM's metadata (backupSchedule with "
        "its policies, policyBindings, custom keys such as chef) goes back exactly as it was read.",
        (
            Rule(
                "A PUT replaces the whole metadata; keys the server does not know come back as sent",
                "verified",
                "field:metadata.metadata",
            ),
            Rule(
                "policyBindings: type → granularity → policy code beside backupSchedule",
                "reconstructed",
                "field:metadata.metadata.policyBindings",
            ),
            Rule(
                "backupSchedule.policies lists the bound codes; the server writes it",
                "reconstructed",
                "field:metadata.metadata.backupSchedule.policies",
            ),
            Rule(
                "A deployed VM's backup configuration changes only where the datacenter allows updates while "
                "deployed (409 BC-36)",
                "reconstructed",
                "error:BC-36",
            ),
        ),
        METADATA,
    ),
    Obligation(
        "handles-every-schedule-shape",
        "Handles NOT_APPLY and every schedule shape",
        "Every schedule the API can serve is backed up: entries without a time (NOT_APPLY: the backup system "
        "decides), weekly entries without days, every type and granularity, VMs bound to several policies, VMs "
        "without metadata; and the pass runs to its end (exit status 0, no traceback, not killed at the timeout).",
        (
            Rule(
                "A schedule field a policy leaves to the backup system (NOT_APPLY) is left out of the VM's entry",
                "reconstructed",
            ),
            Rule(
                "backupSchedule: type → granularity → {time, disks | paths, monday…sunday}",
                "verified",
                "field:metadata.metadata",
            ),
        ),
        METADATA,
    ),
    Obligation(
        "writes-valid-results",
        "Writes valid results",
        "Each backup result it adds has an id no other result of the VM has, status done, progress or failed and "
        "a date yyyy/MM/dd HH:mm:ss Z; it writes results only on VMs it was asked to back up, and the API "
        "refuses none of its writes.",
        (
            Rule("A backup result's status is done, progress or failed (400 BC-15)", "documented", "error:BC-15"),
            Rule(
                "backupResults is {results: [{id, status, name, type, size, date}]}",
                "verified",
                "field:metadata.metadata",
            ),
        ),
        ("updateMetadata",),
    ),
    Obligation(
        "survives-faults",
        "Survives faults",
        "With production's faults on (503s, stale objects, answers lost after the write committed, dropped "
        "connections, VMs locked by tasks, a backup service down, slowness) the pass ends as it did without them: "
        "no crash, no result lost, none stored twice after a retry.",
        (
            Rule(
                "A backend service down answers 503-SERVICE-UNAVAILABLE", "documented", "error:503-SERVICE-UNAVAILABLE"
            ),
            Rule("A VM held by a task refuses writes with 409 VM-2", "documented", "error:VM-2"),
            Rule(
                "An entity changed meanwhile is 409-CONFLICT-StaleObject",
                "documented",
                "error:409-CONFLICT-StaleObject",
            ),
            Rule("A write may commit and its answer be lost (the mock's fault model: docs/FAULTS.md)", "reconstructed"),
        ),
        (*CRAWL, *METADATA),
    ),
    Obligation(
        "reacts-to-lifecycle",
        "Reacts to lifecycle",
        "An event-driven connector backs a VM up once it is deployed (DEPLOY_FINISH), leaves it alone once it is "
        "undeployed (UNDEPLOY_FINISH), does not react to the events its own writes cause, catches up with what "
        "happened while its stream was cut, and stops cleanly on SIGTERM.",
        (
            Rule(
                "The event stream /m/stream: Atmosphere SSE, one JSON event per message, resumed with lastEventId",
                "reconstructed",
            ),
            Rule(
                "Event names and details (DEPLOY_FINISH, UNDEPLOY_FINISH, METADATA_MODIFIED)",
                "reconstructed",
                "media:event",
            ),
            Rule(
                "Deploy and undeploy answer 202 with a task; the VM is LOCKED until it finishes",
                "verified",
                "media:acceptedrequest",
            ),
        ),
        ("streamEvents", "login", "getVirtualMachine", "deployVirtualMachine", "undeployVirtualMachine", *METADATA),
    ),
    Obligation(
        "survives-upgrade",
        "Survives the upgrade",
        "A connector that works on Abiquo 3.8 keeps working once the installation is upgraded to 3.8.5: it reads "
        "each VM's schedule as before, keeps every result written before, backs up the VMs the upgrade bound to "
        "its new policies, and has no write refused. A connector that passes every world served as 3.8 and fails "
        "this one fails the 3.8.5 worlds where policyBindings appear for the same reason: those failures are "
        "counted here.",
        (
            Rule("Abiquo's 3.8.5 note: an existing backup integration reads the VM backups as before", "documented"),
            Rule(
                "The upgrade makes one policy per type and granularity and binds each VM to its entries",
                "reconstructed",
            ),
            Rule(
                "policyBindings: type → granularity → policy code beside backupSchedule",
                "reconstructed",
                "field:metadata.metadata.policyBindings",
            ),
        ),
        METADATA,
    ),
)
BY_ID = {o.id: o for o in OBLIGATIONS}


@dataclass(frozen=True)
class Mapping:
    obligation: str
    follows_from: tuple[tuple[str, str], ...] = ()  # (pass, check): a failure of any accounts for this one's


def _every(kind: str, checks) -> tuple[tuple[str, str], ...]:
    return tuple((kind, check) for check in checks)


# THE table: every check of every pass, its obligation, and what its failure may follow from.
CHECKS: dict[tuple[str, str], Mapping] = {
    (ONE_PASS, "reads-every-page"): Mapping("reads-every-backup", ((ONE_PASS, "exits-cleanly"),)),
    (ONE_PASS, "reads-every-backup"): Mapping("reads-every-backup", ((ONE_PASS, "exits-cleanly"),)),
    (ONE_PASS, "preserves-foreign-keys"): Mapping("preserves-foreign-keys"),
    (ONE_PASS, "handles-not-apply"): Mapping("handles-every-schedule-shape"),
    (ONE_PASS, "valid-results"): Mapping("writes-valid-results"),
    (ONE_PASS, "no-refused-writes"): Mapping("writes-valid-results", ((ONE_PASS, "preserves-foreign-keys"),)),
    # a pass that ends badly after its writes were refused, or that died on a shape, says so in those checks
    (ONE_PASS, "exits-cleanly"): Mapping(
        "handles-every-schedule-shape",
        _every(ONE_PASS, ("no-refused-writes", "preserves-foreign-keys", "valid-results", "handles-not-apply")),
    ),
    # faults and the upgrade judge a second pass against the first: a first pass that failed explains them
    (FAULTED, "survives-faults"): Mapping("survives-faults", _every(ONE_PASS, ONE_PASS_CHECKS)),
    (UPGRADED, "survives-upgrade"): Mapping("survives-upgrade", _every(ONE_PASS, ONE_PASS_CHECKS)),
    **{(LISTENING, check): Mapping("reacts-to-lifecycle") for check in LISTENING_CHECKS},
    (LISTENING, "survives-upgrade"): Mapping("survives-upgrade", _every(LISTENING, LISTENING_CHECKS)),
}


def obligation_of(kind: str, check: str) -> str:
    return CHECKS[(kind, check)].obligation


def title(obligation: str) -> str:
    return BY_ID[obligation].title
