export { buildReport, Report, type ReportInput } from './_build.js';
export { ConsideredList, outOfWindowJson } from './_considered.js';
export { reportPieces, reportText, writeReportFile } from './_write.js';
