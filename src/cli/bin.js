#!/usr/bin/env node
// Entry for the `daiban` command: registers tsx so the TypeScript sources run
// as they are (no build step), then hands over to the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
