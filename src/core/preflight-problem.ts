/** What preflight reports, one problem at a time (shared by its checks). */

/** Preflight's findings, each with what to do about it; `rehostable`: hosting a copy with us fixes it. */
export interface Problem {
  code: string;
  severity: 'error' | 'warning';
  message: string;
  fix: string;
  rehostable: boolean;
}

/** The second half of every fix that hosting can do: how to get it, and what it does. */
export const hostIt = (result: string) => `or let us host it: send with rehost=auto (the default), or import it with POST /v1/media {"url": …}; ${result}.`;

export const problem = (code: string, severity: Problem['severity'], message: string, fix: string, rehostable = false): Problem => ({
  code,
  severity,
  message,
  fix,
  rehostable,
});
