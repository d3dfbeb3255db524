export { CONFIG_FILES, ENV_KEYS, type LoadedConfig, loadConfig, parseConfig } from './_load.js';
export { type Config, isTimeZone, senderOf } from './_schema.js';
