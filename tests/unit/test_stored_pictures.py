"""A reply stored for sending keeps its chart's data: any worker can draw the picture again."""

from __future__ import annotations

import pytest

from bot.domain.charts import BarChart, LineChart, RadarChart, Series
from bot.domain.delivery import Delivery, reply_from_json, reply_to_json
from bot.domain.dialogue import Reply
from bot.services.pictures import chart_image, redrawable
from tests.fakes import FakeCharts

CHARTS = [
    RadarChart("Registres", ("Altruisme", "Justice"), Series("maintenant", (70.0, 40.0))),
    RadarChart(
        "Registres", ("A", "B"), Series("now", (70.0, 40.0)), Series("before", (50.0, 55.0))
    ),
    LineChart("Progress", ("1 Nov", "8 Nov"), (Series("Justice", (40.0, 55.0)),), "score"),
    BarChart("Group", ("A", "B"), (Series("start", (1.0, 2.0)), Series("now", (3.0, 4.0)))),
]


@pytest.mark.parametrize("chart", CHARTS, ids=lambda c: type(c).__name__)
def test_a_stored_chart_is_drawn_again_by_another_process(chart: object) -> None:
    made_here = FakeCharts()
    reply = Reply(text="Votre résultat", image=chart_image(made_here, chart, "c.png", "légende"))  # type: ignore[arg-type]
    stored = reply_from_json(reply_to_json(reply))
    assert stored.image is not None and stored.image.draw() == b""  # storage keeps no pixels
    elsewhere = FakeCharts()
    (delivery,) = redrawable([Delivery(1, 1, [stored])], elsewhere)
    image = delivery.replies[0].image
    assert image is not None and image.draw() != b""
    assert elsewhere.drawn == [chart] and made_here.drawn == []
    assert (image.filename, image.caption) == ("c.png", "légende")


def test_a_picture_stored_before_charts_were_kept_sends_its_caption() -> None:
    stored = reply_from_json({"text": "", "image": ["c.png", "légende"]})
    (delivery,) = redrawable([Delivery(1, 1, [stored])], FakeCharts())
    image = delivery.replies[0].image
    assert image is not None and image.chart is None and image.draw() == b""
