"""The pure core: the engine, the machines it routes to, policy, calendar and deadlines.

It reads no file, clock, socket or environment, and imports only the vocabulary floor:
the shell (drivers, streaming, ops, web) calls it.
"""
