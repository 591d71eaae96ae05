"""The streaming runtime on Kafka: `meterflow ingest | worker | tail | up`.

Shape (docs/decisions.md has the why):
- one ordered input topic, `meterflow-events`, carries every domain event and the day
  ticks (ticks are written into every partition, after the day's events);
- `worker` consumes it in batches with plain aiokafka, one pure Engine per assigned
  partition, folded in lock-step by day tick across the partitions it owns
  (`lockstep`), so follow-ups between an import and an export MPAN reach their Engine
  when replay would hand them over; commands go to `billing-commands`, anomalies to
  `anomalies`, undecodable input to `rejected-records`, follow-ups back to the input
  topic under their own key; offsets are committed only after all of that is
  acknowledged (at-least-once; command ids make duplicates harmless);
- state is recovered on assignment from the latest snapshot (`meterflow-snapshots`,
  written at a clean stop, at revocation and periodically) not past the committed
  offset, then by folding the input from there to the committed offset; with no
  snapshot, from the beginning. The committed offset is exact, unlike the embedded
  broker's high watermark, on which faust's changelog recovery relies (it can stop
  short and silently recover a partial table).
"""

from processors.drivers.log_setup import import_structlog

# every module here imports structlog: first without rich, which a worker never uses (D73)
import_structlog()
