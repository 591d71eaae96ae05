"""Bytes in and out: Avro records for Kafka, and states for snapshots and local stores."""
