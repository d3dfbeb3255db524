export { CONFIG_FILES, ENV_KEYS, type LoadedConfig, loadConfig, parseConfig } from './_load.js';
export { type Config, isTimeZone } from './_schema.js';
