#!/usr/bin/env node
// The `daiban` executable: the commands of src/cli with the channels of bot/
// (which `daiban start` runs). Compiled to dist/cli/bin.js by `npm run build`;
// in development run it with tsx (`npm run dev -- …`).
import { main } from '../src/cli/main.ts';

// A reader that stops early (`daiban kb build | head`) closes the pipe: the
// command still finishes its work, its remaining output is dropped quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
  });
}
process.exitCode = await main(process.argv.slice(2), undefined, {
  start: async (config, io) => (await import('../bot/start.ts')).start(config, io),
});
