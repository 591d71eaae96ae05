"""The order of a day: the one table of input priorities.

Inputs of one key and one day are applied, when the day closes, in this order (then by
event id), whatever order they arrived in, so a replay and a streaming worker agree.
The order is the market's: a registration before the notices that act on it, the notices
before the readings that answer them. Machines of other keyspaces add their rows here
too, so the whole order of a day is read in one place (docs/decisions.md D18).
"""

from __future__ import annotations

from enum import IntEnum


class InputOrder(IntEnum):
    """Lower first. Equal priorities are ordered by event id."""

    METER_READINGS = 0
    REGISTERED = 10
    EXPORT_LINKED = 15
    SWITCH_SECURED = 20
    RELATED_SWITCH_SECURED = 22
    SWITCH_WITHDRAWN = 25
    RELATED_SWITCH_WITHDRAWN = 27
    MOVED_OUT = 30
    EXPORT_APPLICATION = 40
    EXPORT_MPAN_ANSWER = 45
    EXPORT_REGISTERED = 47
    EXPORT_CREDIT_ACCOUNT = 48
    REGISTRATION_CONFIRMED = 50
    OLD_SUPPLIER_REGISTRATION = 52
    READING_NOT_OBTAINED = 55
    COS_READING = 60
    SMART_READING = 62
    CUSTOMER_READING = 65
    COS_DISPUTE = 68
    EXPORT_CANCELLED = 70
    EXPORT_ENDED = 75
    REFUND_PAID = 80
    PAYMENT_OVERDUE = 85
    PAYMENT_CLEARED = 86
    DEFAULT = 100
