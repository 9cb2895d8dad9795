"""The attachments' sentences: refusals (the reason after "{name}: "), notes of what was done to a file, preflight
reasons and chips. Their parameters are numbers, names and ids; `chat.attachments.words` turns sizes, page lists and
what a file looks like into words."""

from __future__ import annotations

from chat.text import Table

SUPPORTED_ES = (
    "imágenes (PNG, JPEG, WebP, GIF, BMP, HEIC/HEIF, AVIF), PDF y archivos de texto (TXT, MD, CSV, JSON, código fuente)"
)
SUPPORTED_EN = (
    "images (PNG, JPEG, WebP, GIF, BMP, HEIC/HEIF, AVIF), PDF, and text files (TXT, MD, CSV, JSON, source code)"
)

_SAVE_EN = "Save it again as PNG or JPEG."
_SAVE_ES = "Guárdala de nuevo como PNG o JPEG."
_BOMB_EN = (
    ", more than the {megapixels} megapixels Charla opens (it may be a decompression bomb). "
    "Resize it and attach it again."
)
_BOMB_ES = (
    ", más que los {megapixels} megapíxeles que Charla abre (podría ser una bomba de descompresión). "
    "Reduce su tamaño y adjúntala de nuevo."
)

TEXT: Table = {
    # --- refusals: the reason after "{name}: " ---
    "att.empty": {
        "en": "the file is empty. Attach it again once it has content.",
        "es": "el archivo está vacío. Adjúntalo de nuevo cuando tenga contenido.",
    },
    "att.too_big": {
        "en": "the file is {size}; the largest attachment is {limit}. Send a smaller or shorter version.",
        "es": "el archivo ocupa {size}; el adjunto más grande admitido es de {limit}. "
        "Envía una versión más pequeña o más corta.",
    },
    "att.not_pdf": {
        "en": "this file is not a PDF (its bytes look like {looks}). "
        "Check that you picked the right file, or export it again.",
        "es": "este archivo no es un PDF (sus bytes parecen {looks}). "
        "Comprueba que elegiste el archivo correcto o vuelve a exportarlo.",
    },
    "att.not_image": {
        "en": "this file is not an image (its bytes look like {looks}). "
        "Check that you picked the right file, or export it again.",
        "es": "este archivo no es una imagen (sus bytes parecen {looks}). "
        "Comprueba que elegiste el archivo correcto o vuelve a exportarlo.",
    },
    "att.unsupported": {
        "en": "Charla cannot read this file (its bytes look like {looks}). Supported: " + SUPPORTED_EN + ".",
        "es": "Charla no puede leer este archivo (sus bytes parecen {looks}). Se admiten: " + SUPPORTED_ES + ".",
    },
    "att.no_vision": {
        "en": "{model} cannot see images: switch to {vision}.",
        "es": "{model} no puede ver imágenes: cambia a {vision}.",
    },
    "att.too_many_images": {
        "en": "{count} images, but {model} takes at most {maximum} per request. "
        "Remove some and send them in another message.",
        "es": "{count} imágenes, pero {model} admite como máximo {maximum} por solicitud. "
        "Quita algunas y envíalas en otro mensaje.",
    },
    "att.undecodable": {
        "en": "the image cannot be decoded ({detail}).",
        "es": "la imagen no se puede decodificar ({detail}).",
    },
    "att.undecodable_save": {
        "en": "the image cannot be decoded ({detail}). " + _SAVE_EN,
        "es": "la imagen no se puede decodificar ({detail}). " + _SAVE_ES,
    },
    "att.cannot_shrink": {
        "en": "the image cannot be made smaller than {limit} for this model.",
        "es": "la imagen no se puede reducir por debajo de {limit} para este modelo.",
    },
    "att.bad_data_url": {
        "en": "its data: URL is not valid base64.",
        "es": "su URL data: no es base64 válido.",
    },
    "att.bomb": {
        "en": "the image declares {pixels} pixels" + _BOMB_EN,
        "es": "la imagen declara {pixels} píxeles" + _BOMB_ES,
    },
    "att.bomb_unknown": {
        "en": "the image declares an enormous size" + _BOMB_EN,
        "es": "la imagen declara un tamaño enorme" + _BOMB_ES,
    },
    "att.image_unreadable": {
        "en": "the image cannot be read: it is damaged or in a format Pillow does not know. "
        "Open it and save it again as PNG or JPEG.",
        "es": "la imagen no se puede leer: está dañada o en un formato que Pillow no conoce. "
        "Ábrela y guárdala de nuevo como PNG o JPEG.",
    },
    "att.image_unreadable_detail": {
        "en": "the image cannot be read ({detail}). " + _SAVE_EN,
        "es": "la imagen no se puede leer ({detail}). " + _SAVE_ES,
    },
    "att.empty_size": {
        "en": "the image declares an empty size ({pixels}).",
        "es": "la imagen declara un tamaño vacío ({pixels}).",
    },
    "att.truncated": {
        "en": "the image file is cut off (truncated), probably by an interrupted download or copy. "
        "Get the complete file and attach it again.",
        "es": "el archivo de imagen está cortado (truncado), probablemente por una descarga o copia interrumpida. "
        "Consigue el archivo completo y adjúntalo de nuevo.",
    },
    "att.pdf_no_pages": {
        "en": "the PDF has no pages. Export it again and attach the new file.",
        "es": "el PDF no tiene páginas. Vuelve a exportarlo y adjunta el archivo nuevo.",
    },
    "att.pdf_no_text": {
        "en": "this PDF has no text layer (it looks scanned) and its page images cannot be extracted. "
        "Run OCR on it (or export the pages as PNG/JPEG) and attach the result.",
        "es": "este PDF no tiene capa de texto (parece escaneado) y no se pueden extraer las imágenes de sus "
        "páginas. Pásale un OCR (o exporta las páginas como PNG/JPEG) y adjunta el resultado.",
    },
    "att.password": {
        "en": "this PDF is password-protected. Remove the password (for example, print it to a new PDF) "
        "and attach it again.",
        "es": "este PDF está protegido con contraseña. Quita la contraseña (por ejemplo, imprímelo en un PDF "
        "nuevo) y adjúntalo de nuevo.",
    },
    "att.pdf_aes": {
        "en": "this PDF is AES-encrypted and reading it needs the 'cryptography' package, which is missing. "
        "Install it, or attach an unencrypted copy.",
        "es": "este PDF está cifrado con AES y para leerlo hace falta el paquete 'cryptography', que no está "
        "instalado. Instálalo o adjunta una copia sin cifrar.",
    },
    "att.pdf_nested": {
        "en": "the PDF is too deeply nested to read safely. Export it again.",
        "es": "el PDF está demasiado anidado para leerlo con seguridad. Vuelve a exportarlo.",
    },
    "att.pdf_damaged": {
        "en": "the PDF is damaged and cannot be read ({detail}). "
        "Open it and export or print it to a new PDF, then attach that.",
        "es": "el PDF está dañado y no se puede leer ({detail}). "
        "Ábrelo y expórtalo o imprímelo en un PDF nuevo; después adjunta ese.",
    },
    # --- names of several images in one refusal ---
    "att.names_more": {"en": "{names} and {more} more", "es": "{names} y {more} más"},
    # --- what a file's bytes look like ({looks}) ---
    "att.looks.png": {"en": "a PNG image", "es": "una imagen PNG"},
    "att.looks.jpeg": {"en": "a JPEG image", "es": "una imagen JPEG"},
    "att.looks.gif": {"en": "a GIF image", "es": "una imagen GIF"},
    "att.looks.webp": {"en": "a WebP image", "es": "una imagen WebP"},
    "att.looks.bmp": {"en": "a BMP image", "es": "una imagen BMP"},
    "att.looks.avif": {"en": "an AVIF image", "es": "una imagen AVIF"},
    "att.looks.heic": {"en": "a HEIC/HEIF image", "es": "una imagen HEIC/HEIF"},
    "att.looks.pdf": {"en": "a PDF document", "es": "un documento PDF"},
    "att.looks.zip": {
        "en": "a ZIP archive (for example .docx, .xlsx, .pptx or .zip)",
        "es": "un archivo ZIP (por ejemplo .docx, .xlsx, .pptx o .zip)",
    },
    "att.looks.gzip": {"en": "a gzip archive", "es": "un archivo gzip"},
    "att.looks.7z": {"en": "a 7-Zip archive", "es": "un archivo 7-Zip"},
    "att.looks.rar": {"en": "a RAR archive", "es": "un archivo RAR"},
    "att.looks.ole": {
        "en": "an old Microsoft Office file (.doc, .xls, .ppt)",
        "es": "un archivo antiguo de Microsoft Office (.doc, .xls, .ppt)",
    },
    "att.looks.elf": {"en": "a program (ELF executable)", "es": "un programa (ejecutable ELF)"},
    "att.looks.exe": {"en": "a Windows program", "es": "un programa de Windows"},
    "att.looks.mp3": {"en": "an MP3 audio file", "es": "un archivo de audio MP3"},
    "att.looks.ogg": {"en": "an Ogg audio/video file", "es": "un archivo de audio/vídeo Ogg"},
    "att.looks.flac": {"en": "a FLAC audio file", "es": "un archivo de audio FLAC"},
    "att.looks.ico": {"en": "an icon (.ico)", "es": "un icono (.ico)"},
    "att.looks.tiff": {"en": "a TIFF image", "es": "una imagen TIFF"},
    "att.looks.rtf": {"en": "an RTF document", "es": "un documento RTF"},
    "att.looks.sqlite": {"en": "an SQLite database", "es": "una base de datos SQLite"},
    "att.looks.mp4": {"en": "a video or audio file (MP4/MOV)", "es": "un archivo de vídeo o audio (MP4/MOV)"},
    "att.looks.riff": {"en": "a RIFF media file (WAV or AVI)", "es": "un archivo multimedia RIFF (WAV o AVI)"},
    "att.looks.text": {"en": "plain text", "es": "texto plano"},
    "att.looks.binary": {"en": "unrecognised binary data", "es": "datos binarios no reconocidos"},
    "att.looks.empty": {"en": "nothing (the file is empty)", "es": "nada (el archivo está vacío)"},
    # --- notes: what was done or cut ---
    "att.note.text_named": {
        "en": "named like a text file, but its bytes are {looks}: read as such",
        "es": "tiene nombre de archivo de texto, pero sus bytes son {looks}: se lee como tal",
    },
    "att.note.cp1252": {"en": "read as Windows-1252 (not UTF-8)", "es": "leído como Windows-1252 (no UTF-8)"},
    "att.note.text_cut": {
        "en": "characters {first}–{total} not included (text cap {cap})",
        "es": "caracteres {first}–{total} no incluidos (límite de texto {cap})",
    },
    "att.note.animated": {"en": "animated image: first frame only", "es": "imagen animada: solo el primer fotograma"},
    "att.note.rotated": {"en": "rotated upright", "es": "girada a su posición vertical"},
    "att.note.location": {"en": "location data removed", "es": "datos de ubicación eliminados"},
    "att.note.cmyk": {"en": "CMYK converted to RGB", "es": "CMYK convertido a RGB"},
    "att.note.downscaled": {"en": "downscaled from {before} to {after}", "es": "reducida de {before} a {after}"},
    "att.note.pdf_encrypted": {
        "en": "encrypted PDF opened (no password needed)",
        "es": "PDF cifrado abierto (no hacía falta contraseña)",
    },
    "att.note.page_cap": {
        "en": "pages {first_page}–{last_page} not included (page cap {cap})",
        "es": "páginas {first_page}–{last_page} no incluidas (límite de {cap} páginas)",
    },
    "att.note.char_cut": {
        "en": "page {page} cut; pages {first_page}–{last_page} not included (character cap {cap})",
        "es": "página {page} cortada; páginas {first_page}–{last_page} no incluidas (límite de {cap} caracteres)",
    },
    "att.note.char_cut_last": {
        "en": "page {page} cut (character cap {cap})",
        "es": "página {page} cortada (límite de {cap} caracteres)",
    },
    "att.note.no_text_on": {
        "en": "no text on {pages} (scanned or blank; not included)",
        "es": "sin texto en {pages} (escaneadas o en blanco; no incluidas)",
    },
    "att.note.scanned": {
        "en": {
            "one": "no text layer: sent as {count} page image (needs a vision model)",
            "other": "no text layer: sent as {count} page images (needs a vision model)",
        },
        "es": {
            "one": "sin capa de texto: se envía como {count} imagen de página (requiere un modelo con visión)",
            "other": "sin capa de texto: se envía como {count} imágenes de página (requiere un modelo con visión)",
        },
    },
    "att.note.image_cap": {
        "en": "pages {first_page}–{last_page} not included (page-image cap {cap})",
        "es": "páginas {first_page}–{last_page} no incluidas (límite de {cap} imágenes de página)",
    },
    "att.page_one": {"en": "page {pages}", "es": "página {pages}"},
    "att.page_many": {"en": "pages {pages}", "es": "páginas {pages}"},
    "att.pages_more": {"en": "{pages} and {more} more", "es": "{pages} y {more} más"},
    # --- preflight reasons ---
    "att.pf.no_vision_pdf": {
        "en": {
            "one": "{model} cannot see images, and this PDF has no text layer (it is sent as {count} page image): "
            "switch to {vision}.",
            "other": "{model} cannot see images, and this PDF has no text layer (it is sent as {count} page images): "
            "switch to {vision}.",
        },
        "es": {
            "one": "{model} no puede ver imágenes, y este PDF no tiene capa de texto (se envía como {count} imagen "
            "de página): cambia a {vision}.",
            "other": "{model} no puede ver imágenes, y este PDF no tiene capa de texto (se envía como {count} "
            "imágenes de página): cambia a {vision}.",
        },
    },
    "att.pf.too_many_images": {
        "en": "{count} images, but {model} takes at most {maximum} per request: send fewer pages or images.",
        "es": "{count} imágenes, pero {model} admite como máximo {maximum} por solicitud: envía menos páginas "
        "o imágenes.",
    },
    "att.pf.tokens_pages": {
        "en": "needs ~{need} tokens, {model} takes ~{room} per request: attach fewer pages, lower the max "
        "output{switch}.",
        "es": "necesita ~{need} tokens, {model} admite ~{room} por solicitud: adjunta menos páginas, baja la "
        "salida máxima{switch}.",
    },
    "att.pf.tokens_text": {
        "en": "needs ~{need} tokens, {model} takes ~{room} per request: attach fewer text, lower the max "
        "output{switch}.",
        "es": "necesita ~{need} tokens, {model} admite ~{room} por solicitud: adjunta menos texto, baja la "
        "salida máxima{switch}.",
    },
    "att.pf.total": {
        "en": "together the message needs ~{tokens} tokens, {model} takes ~{budget}: send fewer files.",
        "es": "en total el mensaje necesita ~{tokens} tokens y {model} acepta ~{budget}: envía menos archivos.",
    },
    "att.pf.switch": {"en": ", or switch to {model}", "es": " o cambia a {model}"},
    # --- the preflight chip ---
    "att.chip.pages": {
        "en": {"one": "1 page", "other": "{count} pages"},
        "es": {"one": "1 página", "other": "{count} páginas"},
    },
    "att.chip.chars": {"en": "{chars} characters", "es": "{chars} caracteres"},
    "att.chip.unreadable": {"en": "could not be read", "es": "no se pudo leer"},
    "att.chip.tokens": {"en": "~{tokens} tokens", "es": "~{tokens} tokens"},
    "att.chip.fits": {"en": "fits", "es": "cabe"},
    "att.chip.no_fit": {"en": "does not fit", "es": "no cabe"},
}
