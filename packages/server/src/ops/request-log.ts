/**
 * The process's log (pino, JSON lines on stdout), as Fastify is given it: written asynchronously —
 * a line is handed to a write that runs off the event loop, and lines logged meanwhile go out
 * together with the next write — rather than one synchronous write per line on the event loop
 * (two per request: "incoming request", kept so that a request that never completes still shows,
 * and "request completed"). Lines wait for 4 KiB of them or for the next second. pino writes what
 * is still buffered when the process exits; a SIGKILL can lose the last second of lines. Request lines carry the method, the route's pattern (never the URL:
 * query strings hold identifiers), the status and the time — never bodies.
 */
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import pino from 'pino';

export function requestLogging(): { loggerInstance: FastifyBaseLogger } {
  const logger: FastifyBaseLogger = pino(
    {
      level: 'info',
      serializers: {
        req: (r: FastifyRequest) => ({ method: r.method, url: r.routeOptions?.url }),
        res: (r: FastifyReply) => ({ statusCode: r.statusCode }),
        err: pino.stdSerializers.err,
      },
    },
    // written by 4 KiB (about 15 request lines) or every second, whichever comes first: under load
    // one write per line pair was a system call per request
    pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 1000 }),
  );
  return { loggerInstance: logger };
}
