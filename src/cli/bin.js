#!/usr/bin/env node
// Entry for the `daiban` command: registers tsx so the TypeScript sources run
// as they are (no build step), then hands over to the CLI.
import { register } from 'tsx/esm/api';

register();
// A reader that stops early (`daiban kb build | head`) closes the pipe: the
// command still finishes its work, its remaining output is dropped quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
  });
}
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
