"""Half-hourly consumption history for the portal: the DuckDB store and its reports
(written by the shell from the events, read by the web app and `meterflow consumption`)."""
