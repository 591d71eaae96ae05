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
    SMART_TARIFF = 12
    DEVICE_DISPATCH = 13
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
    HALF_HOURLY_EXPORT = 78
    HALF_HOURLY = 80
    TRACKER_SET = 85
    DAILY_IMPORT = 87
    TRACKER_REMOVED = 90
    REFUND_PAID = 92
    PAYMENT_OVERDUE = 95
    PAYMENT_CLEARED = 96
    # accounts (keyed by account id; the feed's rows by MPAN, after every other MPAN input)
    ACCOUNT_OPENED = 300
    ACCOUNT_LINKED = 305
    ACCOUNT_MIGRATED = 310
    ADEQUACY_REVIEWED = 315
    ACCESS_PREVENTED = 320
    ACCOUNT_READING = 325
    BILL_ISSUED = 330
    CHARGES_CREATED = 335
    INVOICE_ISSUED = 340
    BUSINESS_MPAN_MARKED = 345
    DEFAULT = 100
    # gas prepayment reconciliation (keyed by MPRN, LDZ, and the SAP key)
    GAS_REGISTERED = 200
    GAS_SHIPPER_CHANGED = 205
    GAS_METER_CHANGED = 210
    GAS_AQ_REVISED = 215
    GAS_ALLOCATION = 220
    GAS_SNAPSHOT = 230
    GAS_CANDIDATE = 235
    GAS_ELIGIBLE = 240
    SAP_PUBLISHED = 250
    SAP_WANTED = 255
    SAP_PRICES = 260
