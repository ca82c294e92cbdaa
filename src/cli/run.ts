import { parseCommand, USAGE } from './args.js';
import { failureJson, preflight, send, upload, type Io } from './commands.js';
import { CliError, EXIT, errorLine } from './exit.js';

/**
 * The whole CLI as a function: arguments and environment in, output written, exit code out. Every failure ends
 * here as one line on stderr, "mms-media: <sentence>" (and, with --json, the same as JSON on stdout).
 */
export async function run(argv: string[], env: Record<string, string | undefined>, io: Io, signal: AbortSignal): Promise<number> {
  const json = argv.includes('--json');
  try {
    const command = parseCommand(argv, env);
    switch (command.name) {
      case 'help':
        io.out(USAGE);
        return EXIT.ok;
      case 'upload':
        return await upload(command, io, signal);
      case 'send':
        return await send(command, io, signal);
      case 'preflight':
        return await preflight(command, io, signal);
    }
  } catch (err) {
    const failure = err instanceof CliError ? err : new CliError(EXIT.unexpected, `Unexpected error: ${(err as Error)?.message ?? String(err)}.`);
    io.err(errorLine(failure));
    if (json) io.out(`${JSON.stringify(failureJson(failure))}\n`);
    return failure.exitCode;
  }
}
