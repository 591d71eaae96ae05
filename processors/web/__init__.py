"""The operations dashboard: an aiohttp app over an OpsRecorder and the engine's read side."""

from processors.web.app import (
    DEFAULT_PORT,
    STATIC_DIR,
    DashboardViews,
    add_dashboard_routes,
    bound_port,
    create_web_app,
    start_dashboard,
)

__all__ = [
    "DEFAULT_PORT",
    "STATIC_DIR",
    "DashboardViews",
    "add_dashboard_routes",
    "bound_port",
    "create_web_app",
    "start_dashboard",
]
