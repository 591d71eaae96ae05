"""A command's id is uuid5 of its subject, type and cause in the command namespace: the
ids consumers have de-duplicated on stay the same."""

from __future__ import annotations

import random
import uuid

from processors.vocabulary.commands.base import COMMAND_NAMESPACE, command_id_for


def test_the_id_is_the_uuid5_of_subject_type_and_cause() -> None:
    assert command_id_for("1200023305967", "IssueFinalBill", "UDMS/UD00004521/3") == str(
        uuid.uuid5(COMMAND_NAMESPACE, "1200023305967|IssueFinalBill|UDMS/UD00004521/3")
    )


def test_ids_match_uuid5_for_any_text() -> None:
    rng = random.Random(5)
    alphabet = "abcXYZ0189|/-_ é€😀"
    for _ in range(2000):
        parts = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40))) for _ in range(3)]
        assert command_id_for(*parts) == str(uuid.uuid5(COMMAND_NAMESPACE, "|".join(parts)))


def test_an_id_is_a_version_5_rfc_4122_uuid() -> None:
    found = uuid.UUID(command_id_for("a", "b", "c"))
    assert (found.version, found.variant) == (5, uuid.RFC_4122)
