"""QR codes for the join URL: SVG for pages, PNG for download, text for the terminal."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg


def _qr(data: str, border: int = 2) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=border)
    code.add_data(data)
    code.make(fit=True)
    return code


def svg(data: str) -> bytes:
    image = _qr(data).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def png(data: str, box_size: int = 10) -> bytes:
    code = _qr(data)
    code.box_size = box_size
    image = code.make_image(fill_color="black", back_color="white")
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def terminal(data: str) -> str:
    """Half-block characters: two modules per character cell, readable by a phone camera."""
    matrix = _qr(data, border=2).get_matrix()
    if len(matrix) % 2:
        matrix.append([False] * len(matrix[0]))
    lines = []
    for top, bottom in zip(matrix[0::2], matrix[1::2], strict=True):
        row = []
        for upper, lower in zip(top, bottom, strict=True):
            # Light-on-dark terminals are the norm: draw the light modules.
            row.append(
                {(False, False): "█", (True, False): "▄", (False, True): "▀", (True, True): " "}[
                    (upper, lower)
                ]
            )
        lines.append("".join(row))
    return "\n".join(lines)
