#!/usr/bin/env node
import { run } from './run.js';

/**
 * The `mms-media` command. Ctrl-C stops the work under way cleanly (an upload is deleted from the service, and a
 * send in flight is reported as possibly sent); a second Ctrl-C exits at once.
 */
const controller = new AbortController();
process.once('SIGINT', () => {
  controller.abort();
  process.once('SIGINT', () => process.exit(130));
});

const io = {
  out: (text: string) => void process.stdout.write(text),
  err: (text: string) => void process.stderr.write(text),
  stderrIsTty: process.stderr.isTTY === true,
};

const code = await run(process.argv.slice(2), process.env, io, controller.signal);
process.exitCode = code;
// Idle keep-alive sockets must not hold the process open once the answer is out.
setTimeout(() => process.exit(code), 200).unref();
