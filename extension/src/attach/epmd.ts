/**
 * Which named Erlang nodes run on a host, asked of its epmd (the port
 * mapper every `-sname`/`-name` node registers with) with one NAMES_REQ.
 * Plain TCP and no Erlang needed, so the node picker can list names before
 * any helper VM is started.
 *
 * Wire format (erts "Distribution Protocol"): the request is a 2-byte
 * length (1) and the byte 110 ('n'); the reply is epmd's own port as 4
 * bytes, then text lines "name <name> at port <port>", then epmd closes.
 */
import * as net from 'node:net';

export const EPMD_PORT = 4369;

export interface EpmdNode {
  name: string;
  /** The node's distribution port. */
  port: number;
}

export type EpmdErrorCode = 'refused' | 'timeout' | 'dns' | 'protocol' | 'network';

/** Why epmd could not be asked, in words a user can act on. */
export class EpmdError extends Error {
  constructor(
    message: string,
    readonly code: EpmdErrorCode,
  ) {
    super(message);
  }
}

/** The port to ask: ERL_EPMD_PORT when set, as erl itself does. */
export function epmdPort(env: NodeJS.ProcessEnv = process.env): number {
  const port = Number(env.ERL_EPMD_PORT);
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : EPMD_PORT;
}

/** Parse a complete NAMES_REQ reply. Lines that are not node entries are skipped. */
export function parseNamesReply(reply: Buffer): { epmdPort: number; nodes: EpmdNode[] } {
  if (reply.length < 4) throw new EpmdError(`epmd sent ${reply.length} bytes, expected at least 4`, 'protocol');
  const nodes: EpmdNode[] = [];
  for (const line of reply.subarray(4).toString('utf8').split('\n')) {
    // Names are node "alive" parts: no spaces, but be liberal about what is in between.
    const match = /^name (\S+) at port (\d+)\s*$/.exec(line);
    if (match) nodes.push({ name: match[1], port: Number(match[2]) });
  }
  return { epmdPort: reply.readUInt32BE(0), nodes };
}

/** List the node names registered with epmd on `host`. */
export function epmdNames(host: string, options: { port?: number; timeoutMs?: number } = {}): Promise<EpmdNode[]> {
  const port = options.port ?? epmdPort();
  const timeoutMs = options.timeoutMs ?? 3000;
  const where = `${host}:${port}`;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (error: EpmdError | undefined) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (error) return reject(error);
      try {
        resolve(parseNamesReply(Buffer.concat(chunks)).nodes);
      } catch (parseError) {
        reject(parseError);
      }
    };
    const socket = net.connect({ host, port });
    socket.setTimeout(timeoutMs, () => finish(new EpmdError(`epmd on ${where} did not answer within ${timeoutMs} ms`, 'timeout')));
    socket.on('connect', () => socket.write(Buffer.from([0, 1, 110])));
    socket.on('data', (chunk) => chunks.push(chunk));
    // epmd closes the connection once it has sent the whole list.
    socket.on('end', () => finish(undefined));
    socket.on('error', (error: NodeJS.ErrnoException) => finish(describe(error, host, where)));
  });
}

function describe(error: NodeJS.ErrnoException, host: string, where: string): EpmdError {
  switch (error.code) {
    case 'ECONNREFUSED':
      return new EpmdError(
        `no epmd on ${where} (connection refused): no node started with -sname or -name runs ` +
          'there, or the port is not reachable from here',
        'refused',
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return new EpmdError(`cannot resolve host "${host}" (${error.code})`, 'dns');
    case 'ETIMEDOUT':
      return new EpmdError(`epmd on ${where} did not answer (connection timed out)`, 'timeout');
    default:
      return new EpmdError(`cannot reach epmd on ${where}: ${error.message}`, 'network');
  }
}
