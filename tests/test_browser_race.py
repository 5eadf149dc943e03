"""The fair race in Chromium: Tune all, the caption, the link, and a false claim refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_helpers import CHROMIUM

from gradscape.app import race

if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
pytest.importorskip("playwright.sync_api")

QUERY = "surface=beale&run1=adam&run2=momentum&run3=rmsprop&steps=300&t=300"


def test_tune_all_in_the_browser_and_from_a_link(server, page):
    page.open(f"{server}?{QUERY}")
    before = page.state()
    assert not before.tuned
    page.page.click("button.gs-tune")
    page.wait_until(lambda: page.state().tuned, what="the link to say tuned")
    state = page.state()
    want = race.race_of(before).rates
    assert [r.hp["lr"] for r in state.runs] == want

    def lr_box(i):
        return page.page.locator(f'.gs-num input[name="run.{i}.lr"]')

    page.wait_until(
        lambda: [float(lr_box(i).input_value()) for i in range(3)] == want,
        what="each run's box at its tuned rate",
    )
    caption = page.page.locator(".gs-race-caption")
    caption.wait_for(timeout=10_000)
    text = caption.inner_text()
    assert text == race.caption(state)
    assert "12 learning rates per run" in text and "Adam γ=" in text
    page.shot("tuned")
    # the link reproduces it, caption and all, with no notice
    link = page.query()
    page.open(f"{server}?{link}")
    page.page.locator(".gs-race-caption").wait_for(timeout=10_000)
    assert page.page.locator(".gs-notice").count() == 0
    # a rate moved by hand: the claim goes
    box = lr_box(0)
    box.fill("0.0123")
    box.press("Enter")
    page.wait_until(lambda: not page.state().tuned, what="the claim dropped")
    page.wait_until(lambda: page.page.locator(".gs-race-caption").count() == 0, what="no caption")
    # a link that claims a tuning its rates do not have is told so
    page.open(f"{server}?{link.replace('run1.lr=', 'run1.lr=0.0123&x=')}")
    notice = page.page.locator(".gs-notice")
    notice.wait_for(timeout=10_000)
    assert "not call them tuned" in notice.inner_text()
    assert page.page.locator(".gs-race-caption").count() == 0
    assert page.errors == []
