/**
 * CPU time of a target process, read from outside it: user + system time of every thread
 * (the event loop, libuv's pool, V8's GC helpers), so work moved off the event loop still
 * counts. CPU per order is steadier than req/s on a shared machine: other load slows a
 * target down but hardly changes what each order costs it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** The kernel's clock tick (USER_HZ) that /proc/PID/stat counts in; 100 on every usual Linux. */
function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Seconds of CPU (user + system, all threads) the process has used so far; undefined off Linux or once it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  // Then field 3 (state) is index 0, utime (field 14) index 11, stime (field 15) index 12.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return (utime + stime) / clockTicksPerSecond();
}

/** Starts a CPU stopwatch on `pid`; `perOrderUs(orders)` gives µs of CPU per order since then. */
export function startCpuWindow(pid: number): { perOrderUs(orders: number): number | undefined } {
  const before = processCpuSeconds(pid);
  return {
    perOrderUs(orders) {
      const after = processCpuSeconds(pid);
      if (before === undefined || after === undefined || orders <= 0) return undefined;
      return ((after - before) * 1e6) / orders;
    },
  };
}
