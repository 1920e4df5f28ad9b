#!/usr/bin/env python3
"""Draws JMH JSON results as an SVG line chart: a metric against threads, one line per parameter set.

    python3 bench/chart.py --metric deferred results/threads-*.json > chart.svg

Standard library only (the machines this runs on may not have matplotlib).
"""
import argparse
import json
import sys
from collections import defaultdict

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf"]


def load(paths, metric):
    results = []
    for path in paths:
        with open(path) as f:
            results.extend(json.load(f))
    # parameters with one value across every result go to the title, not into each line's label
    values = defaultdict(set)
    for r in results:
        for k, v in r.get("params", {}).items():
            values[k].add(v)
    common = {k: next(iter(v)) for k, v in values.items() if len(v) == 1}
    names = {r["benchmark"].rsplit(".", 2)[-2] for r in results}
    lines = defaultdict(dict)
    unit = ""
    for r in results:
        name = r["benchmark"].rsplit(".", 2)[-2] if len(names) > 1 else ""
        params = ",".join(f"{k}={v}" for k, v in sorted(r.get("params", {}).items()) if k not in common)
        key = f"{name} {params}".strip() or r["benchmark"].rsplit(".", 2)[-2]
        m = r["primaryMetric"] if metric == "score" else r.get("secondaryMetrics", {}).get(metric)
        if m is None:
            continue
        unit = m["scoreUnit"]
        lines[key][r["threads"]] = m["score"]
    return lines, unit, common


def svg(lines, unit, title):
    # the legend column widens for long labels (about 7 px a character), so the plot keeps its width
    right = max(330, 40 + 7 * max(len(k) for k in lines))
    w, h, left, top, bottom = 570 + right, 500, 80, 40, 50
    xs = sorted({x for pts in lines.values() for x in pts})
    ymax = max([y for pts in lines.values() for y in pts.values()] + [1e-9]) * 1.1
    def px(x):
        return left + (0 if len(xs) == 1 else (xs.index(x)) * (w - left - right) / (len(xs) - 1))
    def py(y):
        return h - bottom - y / ymax * (h - top - bottom)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{left}" y="22" font-size="14">{title}</text>',
           f'<line x1="{left}" y1="{h - bottom}" x2="{w - right}" y2="{h - bottom}" stroke="black"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h - bottom}" stroke="black"/>',
           f'<text x="{(left + w - right) / 2}" y="{h - 12}" text-anchor="middle">threads</text>',
           f'<text x="16" y="{(top + h - bottom) / 2}" transform="rotate(-90 16 {(top + h - bottom) / 2})" text-anchor="middle">{unit}</text>']
    for x in xs:
        out.append(f'<text x="{px(x)}" y="{h - bottom + 16}" text-anchor="middle">{x}</text>')
    for i in range(5):
        y = ymax * i / 4
        out.append(f'<text x="{left - 6}" y="{py(y) + 4}" text-anchor="end">{y:.3g}</text>')
        out.append(f'<line x1="{left}" y1="{py(y)}" x2="{w - right}" y2="{py(y)}" stroke="#ddd"/>')
    for i, (key, pts) in enumerate(sorted(lines.items())):
        c = COLOURS[i % len(COLOURS)]
        coords = " ".join(f"{px(x)},{py(pts[x])}" for x in sorted(pts))
        out.append(f'<polyline fill="none" stroke="{c}" stroke-width="2" points="{coords}"/>')
        for x in sorted(pts):
            out.append(f'<circle cx="{px(x)}" cy="{py(pts[x])}" r="3" fill="{c}"/>')
        ly = top + 16 * i
        out.append(f'<line x1="{w - right + 12}" y1="{ly}" x2="{w - right + 32}" y2="{ly}" stroke="{c}" stroke-width="2"/>')
        out.append(f'<text x="{w - right + 36}" y="{ly + 4}">{key}</text>')
    out.append("</svg>")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--metric", default="score", help='"score" or an @AuxCounters name')
    ap.add_argument("--title", default="JMH results")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    lines, unit, common = load(a.files, a.metric)
    if not lines:
        sys.exit(f"chart.py: no result has the metric '{a.metric}'")
    title = a.title + ("" if not common else " (" + ", ".join(f"{k}={v}" for k, v in sorted(common.items())) + ")")
    print(svg(lines, unit, title))


if __name__ == "__main__":
    main()
