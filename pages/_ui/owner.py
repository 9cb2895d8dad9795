"""Which browser is asking: its owner secret, kept in a first-party cookie the page sets itself.

On a shared deployment (`CHARLA_ENV=production`) every browser gets a random secret (`new_owner_secret()`,
256 bits) in the cookie `charla_owner` (Path=/, one year, SameSite=Strict, Secure over https). Streamlit cannot
set cookies from the server, so the page sets it with a tiny script (`st.html(..., unsafe_allow_javascript=True)`
runs in the app's own document, not an iframe); `st.context.cookies` reads it back from the websocket request on
the next visit. Within one session the secret also lives in session state, so a first visit works before the
cookie is read back. The store keeps only `owner_id(secret)` (sha256) on each conversation and filters every
read by it: the history page and `?c=` links show a browser only its own conversations. The secret never goes
in a URL. A malformed cookie is ignored (`is_owner_secret`) and replaced.

In development (`CHARLA_ENV` unset) there is no owner: one person on a laptop sees every conversation.
"""

from __future__ import annotations

import streamlit as st

from chat import is_owner_secret, is_production, new_owner_secret, owner_id

COOKIE = "charla_owner"
SECRET = "charla_owner_secret"
"""Session-state key of this session's secret (tests may set it to act as a given browser)."""
PLANT = "_charla_plant_cookie"
MAX_AGE = 365 * 24 * 3600
SCRIPT = """<script>
document.cookie = "{name}={value}; Path=/; Max-Age={age}; SameSite=Strict"
  + (location.protocol === "https:" ? "; Secure" : "");
</script>"""


def _cookie() -> str | None:
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # no browser request (bare run)
        return None
    return value if isinstance(value, str) else None


def current() -> str | None:
    """This browser's owner id (None in development). Sets the cookie from the page on a first visit."""
    if not is_production():
        return None
    secret = st.session_state.get(SECRET)
    if not is_owner_secret(secret):
        cookie = _cookie()
        secret = cookie if is_owner_secret(cookie) else new_owner_secret()
        st.session_state[SECRET] = secret
        st.session_state[PLANT] = secret != cookie
    if st.session_state.get(PLANT):
        with st.sidebar:
            st.html(SCRIPT.format(name=COOKIE, value=secret, age=MAX_AGE), unsafe_allow_javascript=True)
    return owner_id(str(secret))
