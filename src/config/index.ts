export { CONFIG_FILES, ENV_KEYS, type LoadedConfig, loadConfig, parseConfig } from './_load.js';
export { type Config, configSchema, isTimeZone, timeZoneSchema } from './_schema.js';
