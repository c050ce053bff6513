// The configuration every command uses: the environment plus `.env` in the
// working folder (real environment variables win).
import { loadConfig, withDotenv, type Config } from '../config/env.ts';
import type { CliIO } from './main.ts';

export const cliConfig = (io: Pick<CliIO, 'env' | 'cwd'>): Config => loadConfig(withDotenv(io.env, io.cwd), io.cwd);
