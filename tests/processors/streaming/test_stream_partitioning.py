"""The worker's partitioner: every key lands in the partition aiokafka's default
partitioner (and so Kafka's) gives it, whatever its bytes and length."""

from __future__ import annotations

from aiokafka.partitioner import DefaultPartitioner
from aiokafka.partitioner import murmur2 as reference_murmur2
from hypothesis import given
from hypothesis import strategies as st

from processors.streaming.partitioning import choose, murmur2, partition_for, partition_of

REFERENCE = DefaultPartitioner()


@given(st.binary(max_size=300))
def test_murmur2_is_kafkas_on_any_bytes(data: bytes) -> None:
    assert murmur2(data) == reference_murmur2(data)


@given(st.binary(min_size=1, max_size=40), st.integers(min_value=1, max_value=64))
def test_a_keys_partition_is_the_default_partitioners(key: bytes, partitions: int) -> None:
    every = list(range(partitions))
    expected = REFERENCE(key, every, every)
    assert partition_of(key, partitions) == expected
    assert partition_of(key, partitions) == expected  # remembered: the same again
    assert choose(key, every) == expected


def test_known_hashes_and_partitions() -> None:
    # aiokafka's values for these keys (each length of a tail after the whole words)
    assert [murmur2(key) for key in (b"", b"a", b"ab", b"abc", b"abcd")] == [
        275646681,
        2731586172,
        316155434,
        479470107,
        2971317748,
    ]
    assert [partition_for(text, 4) for text in ("1200000000001", "ACC-000123", "2000055123456")] == [0, 2, 0]


def test_no_key_goes_to_one_of_the_partitions() -> None:
    every = [0, 1, 2, 3]
    assert {choose(None, every) for _ in range(200)} == set(every)
