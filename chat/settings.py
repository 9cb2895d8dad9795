"""The one rule for generation settings against a model's limits: temperature, max output, reasoning effort.

`review()` finds what is outside the model's limits; the API refuses the request with the first finding
(`check()`), the page brings the settings within the limits and says what changed (`fit()`), and the inspector shows
what was sent. Nothing else compares settings with limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from chat.catalog import ModelSpec
from chat.errors import ChatError, EffortNotTaken, SettingsOutOfRange
from chat.schema import GenerationSettings
from chat.text import Sentence

Field = Literal["temperature", "max_tokens", "reasoning_effort"]
API_NAMES: dict[Field, str] = {
    "temperature": "temperature",
    "max_tokens": "maxOutputTokens",
    "reasoning_effort": "reasoningEffort",
}
"""Each setting's name in a `POST /api/chat` body (where a refusal points)."""


@dataclass(frozen=True)
class Finding:
    """One setting outside the model's limits, and the value that would bring it within them."""

    field: Field
    value: float | int | str
    fixed: float | int | str | None
    """The nearest value the model takes (None: the model's own default)."""
    minimum: float | int | None = None
    maximum: float | int | None = None

    def error(self, spec: ModelSpec) -> ChatError:
        """The refusal of this finding (what the API answers)."""
        if self.field == "reasoning_effort":
            if spec.reasoning is None:
                return EffortNotTaken("error.no_reasoning", model=spec.label)
            options = " | ".join(spec.reasoning.efforts)
            return EffortNotTaken(model=spec.label, effort=self.value, options=options)
        name = "temperature" if self.field == "temperature" else "max output"
        return SettingsOutOfRange(
            name=name,
            field=API_NAMES[self.field],
            value=self.value,
            minimum=self.minimum,
            maximum=self.maximum,
            model=spec.label,
        )

    def note(self, spec: ModelSpec) -> Sentence | None:
        """What the page says when it changes the setting (None when the change needs no word)."""
        if self.field == "temperature":
            return Sentence("ui.clamped_temperature", value=self.fixed, model=spec.label)
        if self.field == "max_tokens":
            return Sentence("ui.clamped_max_output", value=self.fixed, model=spec.label)
        return None  # an effort the model does not take: the settings offer only the ones it does


@dataclass(frozen=True)
class Fitted:
    """Settings brought within a model's limits, and a note for each change worth saying."""

    settings: GenerationSettings
    notes: tuple[Sentence, ...] = ()


def review(spec: ModelSpec, settings: GenerationSettings) -> list[Finding]:
    """Every setting outside `spec`'s limits (empty when all are within)."""
    found: list[Finding] = []
    temp = settings.temperature
    if temp is not None and not spec.min_temperature <= temp <= spec.max_temperature:
        fixed = min(max(temp, spec.min_temperature), spec.max_temperature)
        found.append(Finding("temperature", temp, fixed, spec.min_temperature, spec.max_temperature))
    out = settings.max_tokens
    if out is not None and not 1 <= out <= spec.max_output:
        found.append(Finding("max_tokens", out, min(max(out, 1), spec.max_output), 1, spec.max_output))
    effort = settings.reasoning_effort
    if effort is not None and (spec.reasoning is None or effort not in spec.reasoning.efforts):
        found.append(Finding("reasoning_effort", effort, None))
    return found


def check(spec: ModelSpec, settings: GenerationSettings) -> None:
    """Refuse settings outside `spec`'s limits (SettingsOutOfRange / EffortNotTaken, the first one found)."""
    found = review(spec, settings)
    if found:
        raise found[0].error(spec)


def fit(spec: ModelSpec, settings: GenerationSettings) -> Fitted:
    """`settings` brought within `spec`'s limits, with what changed."""
    found = review(spec, settings)
    if not found:
        return Fitted(settings)
    changes: dict[str, object] = {f.field: f.fixed for f in found}
    notes = tuple(note for f in found if (note := f.note(spec)) is not None)
    return Fitted(settings.model_copy(update=changes), notes)
