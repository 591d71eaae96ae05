"""The portal's endpoints (SPEC 9) over a consumption store: JSON and CSV, nulls for gaps,
clear 400s for bad parameters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest
from aiohttp.test_utils import TestClient, TestServer

from processors.history.store import ConsumptionStore
from processors.web.consumption import create_consumption_app
from tests.processors.core.machines.halfhourly_builders import flat_values, half_hourly
from tests.processors.scenarios.gwt_core import make_mpan, registered

SITE = make_mpan("12", 901)
DAY = date(2025, 3, 30)  # 46 periods


@pytest.fixture
async def client() -> AsyncIterator[TestClient]:
    store = ConsumptionStore()
    store.observe_all(
        [
            registered(SITE, "smart_hh", date(2025, 1, 1), account_id="A-42"),
            half_hourly(SITE, DAY, flat_values(DAY, "0.5", missing=(2,))),
        ]
    )
    async with TestClient(TestServer(create_consumption_app(store))) as c:
        yield c
    store.close()


async def test_a_site_as_json_has_nulls_for_its_gaps(client: TestClient) -> None:
    response = await client.get(f"/api/consumption/{SITE}", params={"from": "2025-03-30", "to": "2025-03-30"})
    assert response.status == 200
    body = await response.json()
    assert (body["mpan"], body["account_id"], body["resolution"]) == (SITE, "A-42", "half_hour")
    assert len(body["points"]) == 46
    assert body["points"][1]["kwh"] is None and body["points"][0]["kwh"] == "0.500"


async def test_a_portfolio_as_csv(client: TestClient) -> None:
    response = await client.get(
        "/api/portfolio/A-42.csv", params={"from": "2025-03-30", "to": "2025-03-31", "resolution": "day"}
    )
    assert response.status == 200 and response.content_type == "text/csv"
    assert (await response.text()).splitlines() == [
        "start,kwh,missing",
        "2025-03-30T00:00:00+00:00,22.500,1",
        "2025-03-30T23:00:00+00:00,,48",
    ]


@pytest.mark.parametrize(
    ("path", "params", "needle"),
    [
        (f"/api/consumption/{SITE}", {"from": "2025-03-30"}, "to must be an ISO date"),
        (f"/api/consumption/{SITE}", {"from": "2025-03-30", "to": "2025-03-29"}, "before from"),
        (
            f"/api/consumption/{SITE}",
            {"from": "2025-03-30", "to": "2025-03-30", "resolution": "week"},
            "resolution",
        ),
        ("/api/consumption/1234567890123", {"from": "2025-03-30", "to": "2025-03-30"}, "not a valid MPAN"),
    ],
)
async def test_bad_parameters_are_the_clients_error(
    client: TestClient, path: str, params: dict[str, str], needle: str
) -> None:
    response = await client.get(path, params=params)
    assert response.status == 400
    assert needle in (await response.json())["error"]
