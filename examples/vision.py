"""Images on deepseek-flash: an image part from bytes (or a path or URL), a file upload, and the Pro refusal.

Shows:  image_part() (type sniffed, data: URL), model_info().input_modalities, client.files.create(purpose=
        "user_data"), and explain() on the 400 deepseek-v4-pro answers to images.
Needs:  DEEPSEEK_API_KEY in the environment or a .env file (DEEPSEEK_BASE_URL optionally points elsewhere,
        e.g. at `python -m deepseek_openai.testing`).
Run:    python examples/vision.py
"""

from __future__ import annotations

import base64
import zlib

import openai

from deepseek_openai import create_client, explain, image_part, model_info


def tiny_png() -> bytes:
    """A 1x1 white PNG, built here so the example needs no file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = (1).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def main() -> None:
    client = create_client()
    png = tiny_png()
    part = image_part(png, detail="low")
    url = part["image_url"]["url"]
    print("image part:", url[:22] + "...", "decodes back:", base64.b64decode(url.split(",", 1)[1]) == png)
    for name in ("deepseek-flash", "deepseek-v4-pro"):
        print(f"{name} reads: {', '.join(model_info(name).input_modalities)}")

    messages = [{"role": "user", "content": [part, {"type": "text", "text": "What colour is this pixel?"}]}]
    reply = client.chat.completions.create(model="deepseek-flash", messages=messages)  # type: ignore[arg-type]
    print("answer:", reply.choices[0].message.content)

    uploaded = client.files.create(file=("pixel.png", png), purpose="user_data")  # type: ignore[arg-type]
    print("uploaded:", uploaded.id.startswith("file-api-"), uploaded.bytes, "bytes")

    try:
        client.chat.completions.create(model="deepseek-v4-pro", messages=messages)  # type: ignore[arg-type]
    except openai.BadRequestError as err:
        print("deepseek-v4-pro:", explain(err))


if __name__ == "__main__":
    main()
