/** An agent address typed by a user: ws://HOST:PORT, with an optional trailing slash. */
export function parseAgentUrl(text: string): { host: string; port: number } | undefined {
  const m = /^\s*wss?:\/\/(\[[^\]]+\]|[^:/\s]+):(\d{1,5})\/?\s*$/.exec(text);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}
