"""Correct backup connector for Abiquo 3.8.5: one sync pass that reports backups without touching keys it does not own.

One pass:
  1. GET {API}/version (text/plain) and log it.
  2. Walk datacenters -> racks -> machines -> virtualmachines by following links (and rel=next paging);
     those are the deployed VMs.
  3. For each VM, GET its `metadata` link. For every type -> granularity entry of
     `metadata.backupSchedule` (types complete/snapshot/filesystem; `policies` is a list of policy codes and
     is skipped), "perform" a backup. An entry may have no `time` (NOT_APPLY: the backup system decides
     when) and no day keys.
  4. Append one result per entry to `metadata.backupResults.results` and PUT the whole envelope back to the
     same href (GET-modify-PUT). Every other key (`policyBindings`, all of `backupSchedule` including
     `policies`, `chef`, `startup-script`, ...) goes back exactly as read.
  5. A transient failure (no answer, a cut answer, 5xx, 409 VM-2 while a task holds the VM, 409 StaleObject)
     is tried again, a few times, with a growing pause. A write is retried by reading the metadata again and
     adding only the results it does not hold yet: the failed PUT may have committed with its answer lost,
     and a blind retry would then store every result twice.

Environment: ABIQUO_API_URL (e.g. http://127.0.0.1:8080/api), ABIQUO_USER, ABIQUO_PASSWORD.
Exit status: 0 when every request succeeded; 1 when any request failed (each Abiquo error is printed to
stderr, the other VMs are still tried); 2 when the environment is incomplete.

The broken example connectors subclass `Connector` and override one method each.
"""

import sys
import time
import uuid
from datetime import UTC, datetime

from abiquo_http import (
    ApiError,
    ConfigError,
    client_from_env,
    find_link,
    is_transient,
    iter_collection,
    link_accept,
    media_type,
    report_error,
)

BACKUP_TYPES = ("complete", "snapshot", "filesystem")
GRANULARITIES = ("defined_hour", "hourly", "daily", "weekly_planned", "monthly")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
NOT_APPLY = "NOT_APPLY"

METADATA_MEDIA = media_type("metadata")  # for the PUT: Content-Type and Accept
GIB = 1024**3
ATTEMPTS = 8  # tries of one request before it counts as failed
FIRST_PAUSE = 0.02  # seconds before the second try; doubled each time, at most MAX_PAUSE
MAX_PAUSE = 0.5


def utc_now():
    return datetime.now(UTC)


def abiquo_date(moment):
    """Abiquo's result date format: ``yyyy/MM/dd HH:mm:ss +0000`` (always written in UTC)."""
    return moment.astimezone(UTC).strftime("%Y/%m/%d %H:%M:%S +0000")


def schedule_entries(schedule):
    """[(type, granularity, entry), ...] of a `backupSchedule`, in metadata order.

    Only type -> granularity objects count: `policies` (a list of policy codes) and any other key are
    ignored, and so are empty type objects such as ``"snapshot": {}``.
    """
    if not isinstance(schedule, dict):
        return []
    entries = []
    for backup_type, granularities in schedule.items():
        if backup_type not in BACKUP_TYPES or not isinstance(granularities, dict):
            continue
        for granularity, entry in granularities.items():
            if granularity in GRANULARITIES and isinstance(entry, dict):
                entries.append((backup_type, granularity, entry))
    return entries


def describe_timing(granularity, entry):
    """Human-readable timing of a schedule entry; tolerates a missing `time` and missing day keys."""
    time = entry.get("time")
    if time is None or time == NOT_APPLY:
        return "time decided by the backup system (NOT_APPLY)"
    if granularity == "hourly":
        return "every %s hour(s)" % time
    if granularity == "weekly_planned":
        days = [day for day in WEEKDAYS if str(entry.get(day)).lower() == "true"]
        return "at %s on %s" % (time, ",".join(days) if days else "days decided by the backup system")
    return "at %s" % time


def missing_results(envelope, results):
    """The results whose id the envelope's `backupResults.results` does not hold yet."""
    metadata = envelope.get("metadata") if isinstance(envelope, dict) else None
    block = metadata.get("backupResults") if isinstance(metadata, dict) else None
    held = block.get("results") if isinstance(block, dict) else None
    ids = {r.get("id") for r in held if isinstance(r, dict)} if isinstance(held, list) else set()
    return [r for r in results if r["id"] not in ids]


def vm_label(vm):
    return "VM %r (id %s)" % (vm.get("name"), vm.get("id"))


class Connector:
    """One sync pass against one Abiquo API. Subclasses override a single step to reproduce one bug."""

    name = "good_connector"

    def __init__(self, client, out=None, err=None):
        self.client = client
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.vms_seen = 0
        self.vms_backed_up = 0
        self.results_written = 0
        self.errors = 0

    # ----------------------------------------------------------------- bookkeeping
    def log(self, message):
        print(message, file=self.out)

    def fail(self, error):
        self.errors += 1
        report_error(error, self.err)

    def collect(self, items):
        """Materialise an iterator of API items; on an API error report it and keep what was read."""
        collected = []
        try:
            for item in items:
                collected.append(item)
        except ApiError as error:
            self.fail(error)
        return collected

    # ----------------------------------------------------------------- the pass
    def run(self):
        self.log_version()
        seen_metadata = set()
        for vm in self.iter_vms():
            link = find_link(vm, "metadata")
            href = link.get("href") if link else None
            if href is not None:
                if href in seen_metadata:
                    continue  # the same VM listed twice
                seen_metadata.add(href)
            self.vms_seen += 1
            self.sync_vm(vm, link)
        self.log(self.summary())
        return 0 if self.errors == 0 else 1

    def summary(self):
        return "%s: VMs seen %d, VMs backed up %d, results written %d, errors %d" % (
            self.name,
            self.vms_seen,
            self.vms_backed_up,
            self.results_written,
            self.errors,
        )

    # ----------------------------------------------------------------- transient failures
    def attempts(self):
        """How many times one request is tried before it counts as failed."""
        return ATTEMPTS

    def retrying(self, attempt, error):
        """Whether to try again after ``error`` on try number ``attempt``; pauses first."""
        if attempt >= self.attempts() or not is_transient(error):
            return False
        print("RETRY %s (try %d of %d)" % (error.describe(), attempt + 1, self.attempts()), file=self.err)
        time.sleep(min(FIRST_PAUSE * 2 ** (attempt - 1), MAX_PAUSE))
        return True

    def get_json(self, url, accept):
        attempt = 0
        while True:
            attempt += 1
            try:
                return self.client.get_json(url, accept)
            except ApiError as error:
                if not self.retrying(attempt, error):
                    raise

    def collection(self, url, accept):
        """Every item of a paged collection (every page, each page fetch retried)."""
        return iter_collection(self.client, url, accept, self.get_json)

    def follow(self, entity, rel, accept):
        link = find_link(entity, rel)
        if not link or not link.get("href"):
            return iter(())
        return self.collection(link["href"], link_accept(link, accept))

    def log_version(self):
        try:
            version = self.client.get_text(self.client.url("version"), "text/plain").strip()
            self.log("Abiquo API %s, version %s" % (self.client.api_url, version))
        except ApiError as error:
            self.fail(error)

    def iter_vms(self):
        """Deployed VMs: datacenters -> racks -> machines -> virtualmachines, all by links and paging."""
        datacenters = self.collect(self.collection(self.client.url("admin/datacenters"), media_type("datacenters")))
        for datacenter in datacenters:
            racks = self.collect(self.follow(datacenter, "racks", media_type("racks")))
            for rack in racks:
                machines = self.collect(self.follow(rack, "machines", media_type("machines")))
                for machine in machines:
                    vms = self.collect(self.follow(machine, "virtualmachines", media_type("virtualmachines")))
                    for vm in vms:
                        if vm.get("state") != "NOT_ALLOCATED":
                            yield vm

    # ----------------------------------------------------------------- one VM
    def sync_vm(self, vm, link):
        if not link or not link.get("href"):
            self.log("%s: no metadata link, skipped" % vm_label(vm))
            return
        try:
            envelope = self.get_json(link["href"], link_accept(link, METADATA_MEDIA)) or {}
        except ApiError as error:
            self.fail(error)
            return
        entries = self.entries_of(envelope.get("metadata"))
        if not entries:
            self.log("%s: no backup schedule, nothing to do" % vm_label(vm))
            return
        results = []
        for backup_type, granularity, entry in entries:
            timing = self.plan(vm, backup_type, granularity, entry)
            result = self.perform_backup(vm, backup_type, granularity, entry)
            self.log(
                "%s: %s/%s %s -> backup %s, %d bytes, %s"
                % (vm_label(vm), backup_type, granularity, timing, result["id"], result["size"], result["status"])
            )
            results.append(result)
        try:
            self.save(link, envelope, results)
        except ApiError as error:
            self.fail(error)
            return
        self.vms_backed_up += 1
        self.results_written += len(results)

    def save(self, link, envelope, results):
        """PUT the envelope with ``results`` added. After a transient failure, read the metadata again and add
        only the results it lacks: the failed write may have committed and only its answer been lost."""
        attempt = 0
        while True:
            attempt += 1
            missing = missing_results(envelope, results)
            if not missing:
                return
            try:
                self.client.put_json(link["href"], self.build_put_body(envelope, missing), METADATA_MEDIA)
                return
            except ApiError as error:
                if not self.retrying(attempt, error):
                    raise
            envelope = self.get_json(link["href"], link_accept(link, METADATA_MEDIA)) or {}

    def entries_of(self, metadata):
        """The (type, granularity, entry) of the VM's `backupSchedule` that this pass backs up."""
        return schedule_entries(metadata.get("backupSchedule") if isinstance(metadata, dict) else None)

    def plan(self, vm, backup_type, granularity, entry):
        """When this entry's backup runs, as text. NOT_APPLY entries have no `time`: the backup system decides."""
        return describe_timing(granularity, entry)

    def perform_backup(self, vm, backup_type, granularity, entry):
        """Stand-in for the backup system: 'back up' the entry's disks or paths and describe the outcome."""
        items = entry.get("disks") or entry.get("paths") or []
        size = GIB * max(1, len(items))
        return self.make_result(vm, backup_type, granularity, "ok", size, utc_now())

    def result_status(self, outcome):
        """Map the backup system's outcome to an Abiquo result status (done | progress | failed)."""
        return {"ok": "done", "running": "progress"}.get(outcome, "failed")

    def make_result(self, vm, backup_type, granularity, outcome, size, moment):
        return {
            "id": "%s-%s-%s-%s" % (vm.get("id", vm.get("name")), backup_type, granularity, uuid.uuid4().hex),
            "status": self.result_status(outcome),
            "name": "%s-%s" % (backup_type, granularity),
            "type": backup_type,
            "size": int(size),
            "date": abiquo_date(moment),
        }

    def build_put_body(self, envelope, results):
        """The envelope exactly as read, plus `results` appended to `metadata.backupResults.results`."""
        metadata = envelope["metadata"]
        backup_results = metadata.get("backupResults")
        if not isinstance(backup_results, dict):
            backup_results = metadata["backupResults"] = {}
        existing = backup_results.get("results")
        if not isinstance(existing, list):
            existing = backup_results["results"] = []
        existing.extend(results)
        return envelope


def main(connector_class=Connector):
    try:
        client = client_from_env()
    except ConfigError as error:
        print("%s: %s" % (connector_class.name, error), file=sys.stderr)
        return 2
    return connector_class(client).run()


if __name__ == "__main__":
    sys.exit(main())
