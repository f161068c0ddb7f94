/**
 * Loads `.env` from the working directory into process.env when the file exists. Node's
 * process.loadEnvFile never overrides a variable that is already set (even to ""), so
 * real environment variables win over the file. Call it before loadConfig.
 */
export function loadEnvFileIfPresent(path = '.env'): boolean {
  try {
    process.loadEnvFile(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
