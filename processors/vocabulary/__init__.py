"""The vocabulary floor: domain events, billing commands, anomalies and MPAN cores.

Both `flows/` (which reads files into events) and the core (which folds events into
commands) speak this language, so it imports neither of them (docs/decisions.md D18).
"""
