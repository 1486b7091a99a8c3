"""Draws the Parlons app icons (PWA manifest, favicon) with Pillow.

Run once when the design changes; the PNG/ICO files it writes are committed:
    .venv/bin/python scripts/make_icons.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "parlons" / "web" / "static" / "parlons" / "icons"
BRAND = (29, 78, 137)  # #1d4e89, the default --brand
WHITE = (255, 255, 255)


def draw(size: int, *, maskable: bool = False) -> Image.Image:
    """A white speech bubble with three dots on the brand colour; maskable icons keep a safe margin."""
    scale = 4  # draw large, then downsample for smooth edges
    s = size * scale
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if maskable:
        d.rectangle((0, 0, s, s), fill=BRAND)
    else:
        d.rounded_rectangle((0, 0, s - 1, s - 1), radius=s // 5, fill=BRAND)
    inset = s * (0.22 if maskable else 0.16)
    left, top, right, bottom = inset, inset * 1.15, s - inset, s - inset * 1.55
    d.rounded_rectangle((left, top, right, bottom), radius=(bottom - top) // 3, fill=WHITE)
    tail_x = left + (right - left) * 0.28
    d.polygon(
        [
            (tail_x, bottom - 2),
            (tail_x + (right - left) * 0.2, bottom - 2),
            (tail_x - (right - left) * 0.04, bottom + inset * 0.9),
        ],
        fill=WHITE,
    )
    cy = (top + bottom) / 2
    r = (right - left) * 0.075
    for i in (-1, 0, 1):
        cx = (left + right) / 2 + i * r * 3.2
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=BRAND)
    return img.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        draw(size).save(OUT / f"icon-{size}.png", optimize=True)
        draw(size, maskable=True).save(OUT / f"icon-maskable-{size}.png", optimize=True)
    apple = Image.new("RGB", (180, 180), BRAND)
    apple.paste(draw(180, maskable=True).convert("RGB"))
    apple.save(OUT / "apple-touch-icon.png", optimize=True)
    draw(64).save(OUT / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48), (64, 64)])
    print(f"icons written to {OUT}")


if __name__ == "__main__":
    main()
