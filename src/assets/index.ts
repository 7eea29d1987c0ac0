export { ASSETS, ASSET_NAMES, findAsset, type AssetSpec } from './catalog';
export { prepareAssets, assetReport, assetSums, PrepareError, type AssetOutcome, type AssetReportRow, type PrepareOptions } from './prepare';
export { parseSums, safeRelative, insideDir, sha256File } from './sums';
