"""The in-process drivers: replay over files, the event-time order of inputs, the CLI."""
