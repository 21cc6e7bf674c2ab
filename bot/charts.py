"""Small charts as inline SVG, drawn on the server: no script, no CDN, works offline.

Pure functions from values to markup. Colours are `fill` attributes (the page's CSP forbids
inline styles, not presentation attributes); every text is escaped; each chart carries a
<title> for screen readers, and its exact numbers are in the table under it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from markupsafe import Markup, escape

Number = int | Decimal
PALETTE = ("#0b6e4f", "#7fb069", "#e6aa68", "#ca3c25", "#7a1e1a", "#3d5a80", "#98c1d9")
MUTED = "#5f6b7a"
LINE = "#dde3ea"
WIDTH = 640
LABEL_W = 150


def _text(x: float, y: float, text: str, *, anchor: str = "start", fill: str = "#1d2733",
          size: int = 12) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" '
            f'text-anchor="{anchor}">{escape(text)}</text>')


def _label(text: str, most: int = 22) -> str:
    """A label that fits left of the bars; the full text stays in the bar's <title>."""
    text = text.replace("_", " ")
    return text if len(text) <= most else text[:most - 1] + "…"


def _svg(height: int, title: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>")


def _legend(names: Sequence[str], y: float) -> list[str]:
    body, x = [], float(LABEL_W)
    for n, name in enumerate(names):
        body.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" '
                    f'fill="{PALETTE[n % len(PALETTE)]}"/>')
        body.append(_text(x + 14, y, name, size=11))
        x += 24 + 7 * len(name)
    return body


def stacked_shares(title: str, rows: Sequence[tuple[str, Sequence[Number]]],
                   parts: Sequence[str], caption: Callable[[int], str]) -> Markup:
    """One 100% bar per row, split into `parts`: each row's mix, whatever its scale.

    Rows in different currencies are never on one scale: each bar is its own 100%.
    `caption(i)` is the text right of bar i (its total).
    """
    bar_w = WIDTH - LABEL_W - 130
    body = _legend(parts, 14)
    for i, (label, values) in enumerate(rows):
        y = 28 + i * 30
        body.append(_text(LABEL_W - 8, y + 14, _label(label), anchor="end"))
        total = sum(values)
        x = float(LABEL_W)
        if total <= 0:
            body.append(f'<rect x="{x}" y="{y}" width="{bar_w}" height="20" fill="{LINE}"/>')
        for n, value in enumerate(values):
            if total <= 0 or value <= 0:
                continue
            w = bar_w * float(value) / float(total)
            body.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="20" '
                        f'fill="{PALETTE[n % len(PALETTE)]}"><title>{escape(label)} '
                        f'{escape(parts[n])}: {Decimal(value) * 100 / Decimal(total):.1f}%'
                        f'</title></rect>')
            x += w
        body.append(_text(LABEL_W + bar_w + 6, y + 14, caption(i), fill=MUTED, size=11))
    return _svg(36 + 30 * max(1, len(rows)), title, body)


def bar_groups(title: str, groups: Sequence[tuple[str, Sequence[Number]]],
               series: Sequence[str]) -> Markup:
    """Horizontal bars, one group per label and one bar per series, on one shared scale."""
    top = max([float(v) for _, values in groups for v in values] + [0.0])
    bar_w = WIDTH - LABEL_W - 70
    per = len(series)
    body = _legend(series, 14) if per > 1 else []
    y = 24 if per > 1 else 6
    for label, values in groups:
        body.append(f'<g><title>{escape(label)}</title>'
                    + _text(LABEL_W - 8, y + 7 * per + 4, _label(label), anchor="end") + "</g>")
        for n, value in enumerate(values):
            w = bar_w * float(value) / top if top else 0
            body.append(f'<rect x="{LABEL_W}" y="{y}" width="{max(w, 1):.1f}" height="12" '
                        f'fill="{PALETTE[n % len(PALETTE)]}"/>')
            body.append(_text(LABEL_W + max(w, 1) + 5, y + 10, f"{value}", fill=MUTED, size=11))
            y += 14
        y += 10
    return _svg(max(y, 30), title, body)


def columns(title: str, points: Sequence[tuple[str, Number]],
            caption: Callable[[Number], str]) -> Markup:
    """Vertical bars over time (oldest left), labelled under every other bar."""
    height, base = 190, 160
    top = max([float(v) for _, v in points] + [0.0])
    step = (WIDTH - 40) / max(1, len(points))
    body = [f'<line x1="20" y1="{base}" x2="{WIDTH - 20}" y2="{base}" stroke="{LINE}"/>']
    for i, (label, value) in enumerate(points):
        h = 130 * float(value) / top if top else 0
        x = 20 + i * step + step * 0.15
        body.append(f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{step * 0.7:.1f}" '
                    f'height="{h:.1f}" fill="{PALETTE[0]}"><title>{escape(label)}: '
                    f'{escape(caption(value))}</title></rect>')
        if i % 2 == len(points) % 2 or len(points) <= 6:
            body.append(_text(x + step * 0.35, base + 16, label, anchor="middle", size=10,
                              fill=MUTED))
    peak = next((v for _, v in points if float(v) == top), None) if top else None
    body.append(_text(20, 14, title + (f" · peak {caption(peak)}" if peak is not None else ""),
                      fill=MUTED, size=11))
    return _svg(height, title, body)
