import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/**
 * The one style of the project's command-line tools (`npm run journal`, `apikey:create`,
 * `simulator`, `schema:emit`): `--help` or `-h` prints the usage to stdout; exit code 0
 * when the command did its work, 1 when it failed, 2 when the arguments were wrong (the
 * message and the usage go to stderr).
 */
export interface Command {
  /** Starts with `Usage:`; printed for --help and after a UsageError. */
  usage: string;
  run(argv: readonly string[], write: (text: string) => void): Promise<void>;
}

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

/** Wrong command-line arguments: the message is printed with the usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Runs a command with the process's arguments; returns the exit code. */
async function runCommand(command: Command, argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return EXIT_OK;
  }
  try {
    await command.run(argv, (text) => process.stdout.write(text));
    return EXIT_OK;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    if (!(error instanceof UsageError)) return EXIT_FAILED;
    process.stderr.write(`${command.usage}\n`);
    return EXIT_USAGE;
  }
}

/**
 * Runs the command when its module is the script node was started with, so that tests
 * can import a command without running it. Sets the exit code rather than exiting, so
 * output is flushed and a server the command started keeps the process alive.
 */
export function runWhenInvoked(moduleUrl: string, command: Command): void {
  const script = process.argv[1];
  if (script === undefined || moduleUrl !== pathToFileURL(realpathSync(script)).href) return;
  void runCommand(command).then((code) => {
    process.exitCode = code;
  });
}
