"""The store's sentences: a conversation that is gone, imports, an interrupted reply."""

from __future__ import annotations

from chat.text import Table

TEXT: Table = {
    "error.not_found": {
        "en": "This conversation no longer exists (it may have been deleted in another tab). Start a new chat.",
        "es": "Esta conversación ya no existe (quizá se borró en otra pestaña). Empieza un chat nuevo.",
    },
    "error.import": {
        "en": "Could not import the file: {reason} Nothing was changed.",
        "es": "No se pudo importar el archivo: {reason} No se ha cambiado nada.",
    },
    "import.not_json": {
        "en": "it is not valid JSON (it may be truncated).",
        "es": "no es JSON válido (quizá está incompleto).",
    },
    "import.format": {
        "en": 'it is not a Charla conversation export (expected "format": "charla.conversation").',
        "es": 'no es una conversación exportada de Charla (se esperaba "format": "charla.conversation").',
    },
    "import.version": {
        "en": "export version {version} is not supported (this Charla reads versions {supported}).",
        "es": "la versión {version} de exportación no es compatible (este Charla lee las versiones {supported}).",
    },
    "import.invalid": {
        "en": "{where}: {problem}.",
        "es": "{where}: {problem}.",
    },
    "import.too_large": {
        "en": "it is larger than {limit} MB.",
        "es": "ocupa más de {limit} MB.",
    },
    "import.too_many": {
        "en": "it has more than {limit} messages.",
        "es": "tiene más de {limit} mensajes.",
    },
    "store.interrupted": {
        "en": "Interrupted: the app stopped while this reply was streaming. The text that arrived is kept.",
        "es": "Interrumpida: la aplicación se detuvo mientras llegaba esta respuesta. Se conserva lo recibido.",
    },
}
