#!/usr/bin/env node
// The `digest` command: the compiled CLI, built by `npm install` (prepare).
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2), { cwd: process.cwd(), env: process.env });
