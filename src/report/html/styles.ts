export const REPORT_CSS = `
:root { --fg:#1f2328; --muted:#656d76; --line:#d0d7de; --bg:#ffffff; --panel:#f6f8fa; --accent:#4e79a7; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
header { padding: 20px 32px 12px; border-bottom: 1px solid var(--line); background: var(--panel); }
header h1 { margin: 0 0 4px; font-size: 22px; }
main { padding: 8px 32px 40px; max-width: 1500px; }
h2 { font-size: 18px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; }
.muted, .caption { color: var(--muted); }
.caption { font-size: 12.5px; margin: 4px 0 10px; max-width: 1100px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 12px; }
.card { background: var(--bg); border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; min-width: 130px; }
.card .k { color: var(--muted); font-size: 12px; }
.card .v { font-size: 18px; font-weight: 600; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 12.5px; margin: 6px 0 4px; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
th { background: var(--panel); font-weight: 600; position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
td.error { color: #b42318; white-space: normal; max-width: 420px; }
tbody tr:nth-child(even) { background: #fbfcfd; }
.verdict { font-weight: 600; white-space: normal; min-width: 110px; }
.verdict.best { color: #1a7f37; } .verdict.tie { color: #9a6700; } .verdict.worse { color: #cf222e; } .verdict.single { color: var(--muted); }
.status.failed { color: #cf222e; font-weight: 600; } .status.stopped { color: #9a6700; } .status.completed { color: #1a7f37; }
.status.pruned { color: var(--muted); font-style: italic; }
.early-termination { margin: 10px 0 0; font-weight: 600; }
.capped, .sampling { color: var(--muted); font-size: 12.5px; margin: 6px 0 10px; max-width: 1100px; }
.panels { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 12px; }
svg.chart { max-width: 100%; height: auto; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; }
.panels svg.chart { width: 100%; }
svg.confusion { border: none; }
svg .chart-title { font-size: 13px; font-weight: 600; fill: var(--fg); }
svg .chart-note { font-size: 10px; fill: var(--muted); }
svg .tick, svg .pc-tick { font-size: 10px; fill: var(--muted); }
svg .axis-label { font-size: 11px; fill: var(--fg); }
svg .grid { stroke: #eaeef2; stroke-width: 1; }
svg .frame { fill: none; stroke: var(--line); }
svg .series { fill: none; stroke-width: 1.8; stroke-linejoin: round; }
svg .series.pruned { stroke-width: 1.4; opacity: 0.45; }
svg .marker.pruned { opacity: 0.45; }
svg .prune-marker { fill: none; stroke-width: 2; }
svg .rung { stroke: #8c959f; stroke-width: 1; stroke-dasharray: 2 3; }
svg .pc-line { fill: none; stroke-width: 1.6; opacity: 0.85; }
svg .pc-axis { stroke: #57606a; stroke-width: 1.2; }
svg .pc-name { font-size: 12px; font-weight: 600; fill: var(--fg); }
svg .cm-cell { stroke: #fff; stroke-width: 1; }
svg .cm-count { font-size: 11px; }
svg .cm-label { font-size: 11px; fill: var(--fg); }
.legend { font-size: 12px; margin: 4px 0 6px; display: flex; flex-wrap: wrap; gap: 4px 16px; }
.legend-item { display: inline-flex; align-items: center; gap: 6px; }
.swatch { display: inline-block; width: 16px; height: 3px; border-radius: 2px; }
.legend-item.pruned { color: var(--muted); } .legend-item.pruned .swatch { opacity: 0.45; }
.legend-note { color: var(--muted); font-style: italic; }
details { margin: 6px 0; border: 1px solid var(--line); border-radius: 6px; padding: 4px 10px; }
details > summary { cursor: pointer; font-weight: 600; }
.samples { display: flex; flex-wrap: wrap; gap: 8px; }
.samples figure { margin: 0; padding: 4px; border: 2px solid #1a7f37; border-radius: 6px; width: 108px; text-align: center; }
.samples figure.wrong { border-color: #cf222e; background: #fff5f5; }
img.sample, .sample.missing { width: 80px; height: 80px; image-rendering: pixelated; display: block; margin: 0 auto; }
.sample.missing { line-height: 80px; background: var(--panel); }
figcaption { font-size: 11px; line-height: 1.25; margin-top: 3px; } figcaption span { display: block; overflow-wrap: anywhere; }
.findings { margin: 4px 0 10px; padding-left: 20px; } .findings li { margin: 2px 0; } .findings li.clear { font-weight: 600; } .findings li.few { color: var(--muted); }
.two-col { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
`;
