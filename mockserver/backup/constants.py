"""The values of the backup domain, declared once for the backup and metadata contexts.

The 3.8 schedule and templates spell the backup types, granularities and days in lower case; the 3.8.5
policy configurations spell the very same values in upper case (type, period, days). Both spellings are
derived here from one declaration. The rules these values take part in are in docs/BACKUP-RULES.md.
"""

from __future__ import annotations

import re

BACKUP_TYPES = ("complete", "snapshot", "filesystem")
GRANULARITIES = ("defined_hour", "hourly", "daily", "weekly_planned", "monthly")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
POLICY_TYPES = tuple(t.upper() for t in BACKUP_TYPES)
PERIODS = tuple(g.upper() for g in GRANULARITIES)
POLICY_WEEKDAYS = tuple(d.upper() for d in WEEKDAYS)
# The three switches of a datacenter's backup properties.
PROPERTY_NAMES = ("multipleRestore", "multiplePolicies", "updateWhileDeployed")
# A schedule field a policy leaves to the backup system (neither fixed by the policy nor defined in the VM).
NOT_APPLY = "NOT_APPLY"
# The schedule fields each period has: time everywhere, days only weekly, a date only on a defined hour.
PERIOD_FIELDS = {
    "DEFINED_HOUR": ("time", "date"),
    "HOURLY": ("time",),
    "DAILY": ("time",),
    "WEEKLY_PLANNED": ("time", "days"),
    "MONTHLY": ("time",),
}

# A stored policy the 3.8 -> 3.8.5 upgrade made: its entries keep the 3.8 rules (never served on the wire).
LEGACY = "legacy"
# A policy: its fields, the shape of its code, the lengths of its name and description.
POLICY_FIELDS = ("id", "code", "name", "description", "backupConfigurations", "links")
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
NAME_MAX, DESCRIPTION_MAX = 128, 255

# --- formats (Java's "HH:mm:ss Z" with an RFC 822 zone such as +0100, and "yyyy/MM/dd") -----------------
# Each pattern is also the contract's, so the server accepts what the contract says. The policy and the
# legacy schedule spell the time format differently in the published contract (the same strings for
# ASCII input); both spellings live here, side by side, so that they can only change together.

# 3.8.5 policy configurations: a time, a number of hours (leading zeros allowed), a date.
TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9] [+-]([01][0-9]|2[0-3])[0-5][0-9]"
HOURS = r"0*([0-9]|1[0-9]|2[0-4])"  # BC-16: "accepted values for hours backup are 0 to 24"
TIME_PATTERN, HOURS_PATTERN = re.compile(f"^{TIME}$"), re.compile(f"^{HOURS}$")
NUMBER_PATTERN = re.compile(r"^[+-]?[0-9]+$")
# The server checks the date's shape here and the calendar with strptime (29 February in leap years only);
# the contract's DATE leaves 29 February out, so that every date it allows is accepted every year.
DATE_SHAPE = re.compile(r"^[0-9]{4}/[0-9]{2}/[0-9]{2}$")
DATE_FORMAT = "%Y/%m/%d"
DATE = (
    r"([0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})/"
    r"((0[13578]|1[02])/(0[1-9]|[12][0-9]|3[01])|(0[469]|11)/(0[1-9]|[12][0-9]|30)|02/(0[1-9]|1[0-9]|2[0-8]))"
)

# The legacy schedule in VM metadata: a time, a date and time (defined_hour), a number of hours (hourly,
# no leading zeros).
LEGACY_ZONE = r"[+-](?:[01]\d|2[0-3])[0-5]\d"
LEGACY_TIME = rf"^(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d {LEGACY_ZONE}$"
LEGACY_DATE = r"^\d{4}/(?:0[1-9]|1[0-2])/(?:0[1-9]|[12]\d|3[01])$"
LEGACY_DATE_TIME = LEGACY_DATE[:-1] + " " + LEGACY_TIME[1:]
LEGACY_HOURS = r"^(?:[0-9]|1\d|2[0-4])$"  # BC-16: "0 to 24"
