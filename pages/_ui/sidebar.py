"""Settings in the sidebar: language, new chat, provider and model, prompt, bounded sliders, session keys."""

from __future__ import annotations

import streamlit as st

from chat import catalog
from chat import settings as limits
from chat.catalog import get_model
from chat.config import PROVIDERS, keys_in_use, resolve_key
from chat.conversation import ChatState
from chat.errors import MissingKeyError, provider_label
from chat.text import Lang, t, text_in
from pages._ui.session import STATE, session_key, state

LANGS = {"en": "English", "es": "Español"}


def _clamp_to(chat: ChatState, model_id: str) -> None:
    """Switch to `model_id`, bringing the settings within its limits, with a note per change."""
    spec = get_model(model_id)
    fitted = limits.fit(spec, chat.settings())
    chat.model = model_id
    chat.notes = list(fitted.notes)
    chat.temperature, chat.max_tokens = fitted.settings.temperature, fitted.settings.max_tokens
    chat.reasoning_effort = fitted.settings.reasoning_effort


def switch_model(model_id: str) -> None:
    """Callback-safe switch (also used by 'Switch to … and send'): state and the pickers follow."""
    chat = state()
    _clamp_to(chat, model_id)
    st.session_state["provider"] = get_model(model_id).provider
    st.session_state["model"] = model_id


def _offer(provider: str, refresh: bool = False) -> catalog.Offer:
    """The models to offer for `provider`: its own listing with the key in use, else Charla's list."""
    key = keys_in_use({p: session_key(p) for p in PROVIDERS}).get(provider)  # type: ignore[call-overload]
    return catalog.offered(provider, key, refresh=refresh)  # type: ignore[arg-type]


def _on_provider() -> None:
    switch_model(_offer(st.session_state["provider"]).models[0].id)


def _refresh_models() -> None:
    for provider in PROVIDERS:
        _offer(provider, refresh=True)


def _on_model() -> None:
    switch_model(st.session_state["model"])


def _new_chat() -> None:
    old = state()
    chat = ChatState(
        model=old.model,
        temperature=old.temperature,
        max_tokens=old.max_tokens,
        system_prompt=old.system_prompt,
        auto_fallback=old.auto_fallback,
    )
    st.session_state[STATE] = chat
    chat.session = old.session
    st.query_params.pop("c", None)


def _key_status(provider: str, lang: Lang) -> str:
    try:
        _, source = resolve_key(provider, session_key(provider))  # type: ignore[arg-type]
    except MissingKeyError:
        return ":orange[" + t("ui.key_none", lang, env=f"{provider.upper()}_API_KEY") + "]"
    if source == "session":
        return t("ui.key_session", lang)
    return t("ui.key_server", lang, provider=provider_label(provider))


def _label(spec: catalog.ModelSpec, lang: Lang) -> str:
    """A model's name in the picker: '(vision)' in English labels already, a mark in Spanish; unverified limits."""
    label = spec.label
    if spec.vision and lang != "en":
        label += f" · {t('ui.vision', lang)}"
    if not spec.verified:
        label += f" · {t('ui.unverified', lang)}"
    return label


def _offer_status(offer: catalog.Offer, lang: Lang) -> str:
    """Where the model list comes from: the provider's own listing, or Charla's (no key, or the listing failed)."""
    name = provider_label(offer.provider)
    if offer.error is not None:
        return ":orange[" + t("ui.models_failed", lang, provider=name, reason=offer.error.message(lang)) + "]"
    if offer.source == "overlay":
        return t("ui.models_no_key", lang, provider=name)
    return t("ui.models_live", lang, provider=name, count=len(offer.models))


def render(chat: ChatState, lang: Lang) -> None:
    """Draw the settings and copy their values into `chat`."""
    sb = st.sidebar
    sb.radio(t("ui.language", lang), list(LANGS), format_func=LANGS.__getitem__, key="lang", horizontal=True)
    sb.button(t("ui.new_chat", lang), icon=":material/add:", on_click=_new_chat, width="stretch")
    sb.subheader(t("ui.settings", lang))
    st.session_state.setdefault("provider", chat.spec.provider)
    st.session_state.setdefault("model", chat.model)
    sb.selectbox(t("ui.provider", lang), PROVIDERS, format_func=provider_label, key="provider", on_change=_on_provider)
    offer = _offer(st.session_state["provider"])
    specs = {m.id: m for m in offer.models}
    if chat.model not in specs and chat.spec.provider == offer.provider:  # keep showing what the chat is on
        specs = {chat.model: chat.spec, **specs}
    sb.selectbox(
        t("ui.model", lang), list(specs), key="model", on_change=_on_model, format_func=lambda m: _label(specs[m], lang)
    )
    sb.caption(_offer_status(offer, lang))
    sb.button(t("ui.refresh_models", lang), icon=":material/refresh:", on_click=_refresh_models, type="tertiary")
    sb.caption(_key_status(chat.spec.provider, lang))
    for note in chat.notes:
        sb.info(text_in(note, lang), icon=":material/tune:")
    spec = chat.spec
    chat.system_prompt = sb.text_area(t("ui.system_prompt", lang), value=chat.system_prompt, key="system_prompt")
    temp = chat.temperature if chat.temperature is not None else spec.default_temperature
    chat.temperature = sb.slider(
        t("ui.temperature", lang),
        spec.min_temperature,
        spec.max_temperature,
        min(temp, spec.max_temperature),
        step=0.05,
        key=f"temp_{spec.id}",
    )
    out = chat.max_tokens if chat.max_tokens is not None else spec.default_output
    chat.max_tokens = sb.slider(
        t("ui.max_output", lang), 1, spec.max_output, min(out, spec.max_output), key=f"maxout_{spec.id}"
    )
    if spec.reasoning is not None:
        efforts = list(spec.reasoning.efforts)
        effort = chat.reasoning_effort if chat.reasoning_effort in efforts else spec.reasoning.default
        chat.reasoning_effort = sb.selectbox(
            t("ui.effort", lang),
            efforts,
            key=f"effort_{spec.id}",
            index=efforts.index(effort) if effort in efforts else 0,
        )
    chat.auto_fallback = sb.toggle(t("ui.auto_fallback", lang), value=chat.auto_fallback, key="auto_fallback")
    with sb.expander(t("ui.keys", lang), icon=":material/key:"):
        for provider in PROVIDERS:
            st.text_input(
                t("ui.key_label", lang, provider=provider_label(provider)),
                type="password",
                key=f"key_{provider}",
                autocomplete="off",
            )
            st.caption(_key_status(provider, lang))
