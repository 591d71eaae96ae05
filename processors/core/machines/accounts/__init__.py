"""Accounts (SPEC 8): the account machine (keyed by account id) and its MPAN-side feed."""

from processors.core.machines.accounts.account import ACCOUNT, AccountMachine, AccountState
from processors.core.machines.accounts.feed import ACCOUNT_FEED, AccountFeedMachine, AccountFeedState

__all__ = [
    "ACCOUNT",
    "ACCOUNT_FEED",
    "AccountFeedMachine",
    "AccountFeedState",
    "AccountMachine",
    "AccountState",
]
