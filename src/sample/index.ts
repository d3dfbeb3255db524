export { generateArticles, type SampleFile, type SampleOptions, sampleFiles } from './_generate.js';
export { Random } from './_random.js';
export { type WriteSampleOptions, writeSampleContent } from './_write.js';
