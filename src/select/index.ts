export { canonicalUrl, isHttpUrl } from './_canonical.js';
export { type Clustering, type ClusterOptions, clusterStories, type MergeLink } from './_cluster.js';
export { compareArticles, DEFAULT_PRESS_WIRES, isPressRelease, providerDomain } from './_rank.js';
export { type SelectOptions, selectDigest } from './_select.js';
export { trimOneStep } from './_trim.js';
export { dayWindow, localDate, previousDay, rangeWindow } from './_window.js';
