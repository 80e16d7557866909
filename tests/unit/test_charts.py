"""The matplotlib chart renderer: real PNGs, phone-sized, not blank, safe input, safe threads."""

from __future__ import annotations

import io
import subprocess
import sys
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from bot.adapters.charts.renderer import MatplotlibCharts
from bot.domain.charts import BarChart, LineChart, RadarChart, Series

ROOT = Path(__file__).resolve().parents[2]
REGISTERS = ("Altruism", "Justice", "Prudence", "Courage", "Temperance")
REGISTRES = ("Altruisme", "Justice", "Prudence", "Courage", "Tempérance et maîtrise de soi")
NOW = Series("28 Nov", (72, 55, 64, 41, 58))
BEFORE = Series("14 Nov", (60, 50, 66, 35, 49))


@dataclass(frozen=True)
class Picture:
    """What a decoded PNG looks like, in numbers."""

    format: str | None
    width: int
    height: int
    colours: int
    inked: float  # share of pixels darker than near-white


def _look(png: bytes) -> Picture:
    """Decode a PNG and measure it."""
    with Image.open(io.BytesIO(png)) as image:
        rgb = image.convert("RGB")
        counts = rgb.getcolors(maxcolors=rgb.width * rgb.height) or []
        inked = sum(rgb.convert("L").histogram()[:240])
        return Picture(
            image.format, rgb.width, rgb.height, len(counts), inked / (rgb.width * rgb.height)
        )


@pytest.fixture(scope="module")
def charts() -> MatplotlibCharts:
    """One renderer for the whole module, as the bot would keep one."""
    return MatplotlibCharts()


def _radar(previous: Series | None = BEFORE) -> RadarChart:
    return RadarChart("Your five registers", REGISTERS, NOW, previous)


def _lines(dates: int = 6) -> LineChart:
    x_labels = tuple(f"{day} Nov" for day in range(1, 1 + 3 * dates, 3))
    series = tuple(
        Series(name, tuple(float((17 * index + 9 * step) % 100) for step in range(dates)))
        for index, name in enumerate(REGISTERS)
    )
    return LineChart("Your registers over time", x_labels, series, y_label="Score")


def _bars() -> BarChart:
    return BarChart(
        "Cohort at its start and now", REGISTERS, (Series("At start", BEFORE.values), NOW)
    )


def test_a_radar_is_a_phone_sized_square_png_with_content(charts: MatplotlibCharts) -> None:
    picture = _look(charts.radar(_radar()))

    assert picture.format == "PNG"
    assert 600 <= picture.width <= 1000
    assert 600 <= picture.height <= 1000
    assert abs(picture.width - picture.height) <= 0.1 * picture.width
    assert picture.colours > 20
    assert picture.inked > 0.08


def test_a_line_chart_is_a_wide_png_with_content(charts: MatplotlibCharts) -> None:
    picture = _look(charts.lines(_lines()))

    assert picture.format == "PNG"
    assert 600 <= picture.height < picture.width <= 1200
    assert picture.colours > 20
    assert picture.inked > 0.03


def test_a_bar_chart_is_a_wide_png_with_content(charts: MatplotlibCharts) -> None:
    picture = _look(charts.bars(_bars()))

    assert picture.format == "PNG"
    assert 600 <= picture.height < picture.width <= 1200
    assert picture.colours > 20
    assert picture.inked > 0.15


def test_a_line_chart_with_a_single_date_still_shows_its_markers(
    charts: MatplotlibCharts,
) -> None:
    one_date = LineChart("First result", ("28 Nov",), (Series("Justice", (55,)),))

    picture = _look(charts.lines(one_date))

    assert picture.format == "PNG"
    assert picture.colours > 20
    assert picture.inked > 0.01


def test_many_dates_still_render(charts: MatplotlibCharts) -> None:
    picture = _look(charts.lines(_lines(dates=40)))

    assert picture.format == "PNG"
    assert picture.inked > 0.03


def test_the_previous_result_shows_on_the_radar(charts: MatplotlibCharts) -> None:
    alone = charts.radar(_radar(previous=None))
    compared = charts.radar(_radar())

    assert alone != compared
    assert _look(compared).inked > _look(alone).inked


def test_french_labels_with_accents_render_without_warnings(charts: MatplotlibCharts) -> None:
    radar = RadarChart("Vos registres — évolution", REGISTRES, NOW, BEFORE)
    bars = BarChart("Cohorte « Achats » : début et maintenant", REGISTRES, (BEFORE, NOW))
    lines = LineChart("Évolution", ("14 nov.", "28 nov."), (Series("Tempérance", (40, 58)),))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pictures = [
            _look(charts.radar(radar)),
            _look(charts.bars(bars)),
            _look(charts.lines(lines)),
        ]

    assert [str(warning.message) for warning in caught] == []
    assert all(picture.format == "PNG" for picture in pictures)


def test_dollar_signs_in_names_are_drawn_as_text_not_math(charts: MatplotlibCharts) -> None:
    # Unescaped, matplotlib would parse this as math and fail on the unknown command.
    chart = BarChart("Budget $\\nosuchcommand$", ("Cost $", "Time"), (Series("$team$", (10, 20)),))

    assert _look(charts.bars(chart)).format == "PNG"


def test_values_beyond_the_scale_are_drawn_at_its_ends(charts: MatplotlibCharts) -> None:
    beyond = RadarChart("R", REGISTERS, Series("now", (130, -5, 50, 50, 50)))
    ends = RadarChart("R", REGISTERS, Series("now", (100, 0, 50, 50, 50)))

    assert charts.radar(beyond) == charts.radar(ends)


@pytest.mark.parametrize(
    ("draw", "message"),
    [
        (
            lambda c: c.radar(RadarChart("R", ("a", "b"), Series("now", (1, 2)))),
            "at least 3 labels",
        ),
        (
            lambda c: c.radar(RadarChart("R", REGISTERS, Series("now", (1, 2, 3)))),
            "'now' has 3 values for 5 labels",
        ),
        (
            lambda c: c.radar(RadarChart("R", REGISTERS, NOW, Series("before", (1, 2)))),
            "'before' has 2 values for 5 labels",
        ),
        (lambda c: c.lines(LineChart("L", ("1 Nov", "2 Nov"), ())), "at least one series"),
        (
            lambda c: c.lines(LineChart("L", ("1 Nov", "2 Nov"), (Series("x", (1, 2, 3)),))),
            "'x' has 3 values for 2 x labels",
        ),
        (lambda c: c.lines(LineChart("L", (), (Series("x", ()),))), "at least one"),
        (lambda c: c.bars(BarChart("B", REGISTERS, ())), "at least one series"),
        (
            lambda c: c.bars(BarChart("B", REGISTERS, (NOW, Series("start", (1,))))),
            "'start' has 1 values for 5 labels",
        ),
        (
            lambda c: c.bars(BarChart("B", ("a",), (Series("nan", (float("nan"),)),))),
            "not a finite number",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    charts: MatplotlibCharts, draw: Callable[[MatplotlibCharts], bytes], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        draw(charts)


def test_four_threads_can_render_at_once(charts: MatplotlibCharts) -> None:
    jobs: list[Callable[[], bytes]] = [
        lambda: charts.radar(_radar()),
        lambda: charts.lines(_lines()),
        lambda: charts.bars(_bars()),
        lambda: charts.radar(_radar(previous=None)),
    ] * 2
    alone = [job() for job in jobs]

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(job) for job in jobs]
        together = [future.result() for future in futures]

    assert together == alone
    assert all(_look(png).format == "PNG" for png in together)


def test_rendering_never_loads_pyplot() -> None:
    script = (
        "import sys\n"
        "from bot.adapters.charts.renderer import MatplotlibCharts\n"
        "from bot.domain.charts import RadarChart, Series\n"
        "MatplotlibCharts().radar(RadarChart('R', ('a', 'b', 'c'), Series('now', (1, 2, 3))))\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )

    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, timeout=120)


def test_the_bots_chart_process_draws_the_same_picture(charts: MatplotlibCharts) -> None:
    from bot.adapters.charts import ChartProcess

    child = ChartProcess()
    try:
        assert child.radar(_radar()) == charts.radar(_radar())
        assert child.bars(_bars()) == charts.bars(_bars())
    finally:
        child.close()
