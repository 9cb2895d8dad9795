"""The one settings rule: what is outside a model's limits, refused by the API, brought within them by the page."""

from __future__ import annotations

import pytest

from chat import errors
from chat import settings as limits
from chat.catalog import get_model
from chat.schema import GenerationSettings

OSS = get_model("openai/gpt-oss-20b")
LARGE = get_model("mistral-large-latest")


def test_within_limits_nothing_to_say() -> None:
    ok = GenerationSettings(temperature=1.2, max_tokens=500, reasoning_effort="high")
    assert limits.review(OSS, ok) == []
    assert limits.fit(OSS, ok) == limits.Fitted(ok)
    limits.check(OSS, ok)


def test_the_page_brings_settings_within_the_new_models_limits_and_says_so() -> None:
    wild = GenerationSettings(temperature=1.9, max_tokens=60_000, reasoning_effort="low")
    fitted = limits.fit(LARGE, wild)
    assert fitted.settings == GenerationSettings(temperature=1.5, max_tokens=32_768, reasoning_effort=None)
    assert [n.text("en") for n in fitted.notes] == [
        "Temperature set to 1.5: the most Mistral Large 3 (vision) takes.",
        "Max output set to 32,768: the most Mistral Large 3 (vision) takes.",
    ]
    assert fitted.notes[1].text("es").startswith("Salida máxima ajustada a 32.768")


@pytest.mark.parametrize(
    ("settings", "error", "field"),
    [
        (GenerationSettings(temperature=2.5), errors.SettingsOutOfRange, "temperature"),
        (GenerationSettings(max_tokens=0), errors.SettingsOutOfRange, "maxOutputTokens"),
        (GenerationSettings(reasoning_effort="none"), errors.EffortNotTaken, None),
    ],
)
def test_the_api_refuses_the_first_finding(settings: GenerationSettings, error: type, field: str | None) -> None:
    with pytest.raises(error) as info:
        limits.check(OSS, settings)
    if field:
        assert info.value.params["field"] == field
