"""Settings in the sidebar: language, new chat, provider and model, prompt, bounded sliders, session keys."""

from __future__ import annotations

import streamlit as st

from chat.catalog import MODELS, models_of
from chat.config import PROVIDERS, resolve_key
from chat.conversation import ChatState
from chat.errors import MissingKeyError, provider_label
from chat.i18n import Lang, t
from chat.service import clamp_settings
from pages._ui.session import STATE, session_key, state

LANGS = {"en": "English", "es": "Español"}


def _clamp_to(chat: ChatState, model_id: str, lang: Lang) -> None:
    """Switch to `model_id`, bringing temperature and max output within its limits, with a note per change."""
    spec = MODELS[model_id]
    before = chat.settings()
    after, _ = clamp_settings(spec, before)
    chat.model = model_id
    chat.notes = []
    if after.temperature != before.temperature:
        chat.notes.append(t("ui.clamped_temperature", lang, value=after.temperature, model=spec.label))
    if after.max_tokens != before.max_tokens:
        chat.notes.append(t("ui.clamped_max_output", lang, value=after.max_tokens, model=spec.label))
    chat.temperature, chat.max_tokens = after.temperature, after.max_tokens


def switch_model(model_id: str) -> None:
    """Callback-safe switch (also used by 'Switch to … and send'): state and the pickers follow."""
    chat = state()
    _clamp_to(chat, model_id, "es" if st.session_state.get("lang") == "es" else "en")
    st.session_state["provider"] = MODELS[model_id].provider
    st.session_state["model"] = model_id


def _on_provider() -> None:
    switch_model(models_of(st.session_state["provider"])[0].id)


def _on_model() -> None:
    switch_model(st.session_state["model"])


def _new_chat() -> None:
    old = state()
    chat = ChatState(model=old.model, temperature=old.temperature, max_tokens=old.max_tokens,
                     system_prompt=old.system_prompt, auto_fallback=old.auto_fallback)  # fmt: skip
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


def render(chat: ChatState, lang: Lang) -> None:
    """Draw the settings and copy their values into `chat`."""
    sb = st.sidebar
    sb.radio(t("ui.language", lang), list(LANGS), format_func=LANGS.__getitem__, key="lang", horizontal=True)
    sb.button(t("ui.new_chat", lang), icon=":material/add:", on_click=_new_chat, width="stretch")
    sb.subheader(t("ui.settings", lang))
    st.session_state.setdefault("provider", chat.spec.provider)
    st.session_state.setdefault("model", chat.model)
    sb.selectbox(t("ui.provider", lang), PROVIDERS, format_func=provider_label, key="provider",
                 on_change=_on_provider)  # fmt: skip
    options = [m.id for m in models_of(st.session_state["provider"])]
    mark = f" · {t('ui.vision', lang)}" if lang != "en" else ""  # English labels already say "(vision)"
    sb.selectbox(t("ui.model", lang), options, key="model", on_change=_on_model,
                 format_func=lambda m: MODELS[m].label + (mark if MODELS[m].vision else ""))  # fmt: skip
    sb.caption(_key_status(chat.spec.provider, lang))
    for note in chat.notes:
        sb.info(note, icon=":material/tune:")
    spec = chat.spec
    chat.system_prompt = sb.text_area(t("ui.system_prompt", lang), value=chat.system_prompt, key="system_prompt")
    temp = chat.temperature if chat.temperature is not None else spec.default_temperature
    chat.temperature = sb.slider(t("ui.temperature", lang), spec.min_temperature, spec.max_temperature,
                                 min(temp, spec.max_temperature), step=0.05, key=f"temp_{spec.id}")  # fmt: skip
    out = chat.max_tokens if chat.max_tokens is not None else spec.default_output
    chat.max_tokens = sb.slider(t("ui.max_output", lang), 1, spec.max_output, min(out, spec.max_output),
                                key=f"maxout_{spec.id}")  # fmt: skip
    chat.auto_fallback = sb.toggle(t("ui.auto_fallback", lang), value=chat.auto_fallback, key="auto_fallback")
    with sb.expander(t("ui.keys", lang), icon=":material/key:"):
        for provider in PROVIDERS:
            st.text_input(t("ui.key_label", lang, provider=provider_label(provider)), type="password",
                          key=f"key_{provider}", autocomplete="off")  # fmt: skip
            st.caption(_key_status(provider, lang))
