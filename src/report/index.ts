export { buildLeaderboard } from './leaderboard/build-leaderboard.js';
export type * from './leaderboard/types.js';
export { renderTable, type RenderTableOptions } from './render/render-table.js';
export { renderJson } from './render/render-json.js';
export { renderCsv } from './render/render-csv.js';
export { renderReportHtml } from './html/render-report-html.js';
export { DEFAULT_REPORT_LIMITS, type ReportLimits } from './html/report-limits.js';
export type { SweepView, TrialView, TrialStatus } from './types.js';
